//! Keeps an invite off the world-readable command line.
//!
//! A clicked invite reaches a first start as `argv[1]` (the desktop entry's
//! `%u`). On Linux every local user can read `/proc/<pid>/cmdline`, and the
//! invite carries the client's name, the meeting ID and the signed join URL
//! (or a Jitsi token). Once the app is sure it is the first instance (the
//! single-instance plugin reads the arguments to hand them over, then exits
//! a second start), it blanks every argument after the program name in its
//! own argument area, which is what `/proc/<pid>/cmdline` shows.

/// Blanks the arguments after `argv[0]`. Returns whether it did: only when
/// the area the kernel names in `/proc/self/stat` holds exactly what
/// `/proc/self/cmdline` shows, so nothing else is ever overwritten.
#[cfg(target_os = "linux")]
pub fn forget_arguments() -> bool {
    let Some((start, end)) = std::fs::read_to_string("/proc/self/stat").ok().as_deref().and_then(arg_area) else {
        return false;
    };
    let Ok(shown) = std::fs::read("/proc/self/cmdline") else { return false };
    if end <= start || end - start != shown.len() {
        return false;
    }
    // SAFETY: [start, end) is this process's argument area on its initial
    // stack, mapped writable for the life of the process; the comparison
    // below checks it byte for byte before anything is written, and no Rust
    // reference into it exists (std keeps raw pointers, read again only by
    // `std::env::args`, which the app no longer calls after start-up).
    let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, end - start) };
    if area != shown.as_slice() {
        return false;
    }
    let program_end = area.iter().position(|&b| b == 0).map_or(area.len(), |i| i + 1);
    area[program_end..].fill(0);
    true
}

#[cfg(not(target_os = "linux"))]
pub fn forget_arguments() -> bool {
    // Windows shows a process's command line to the same user (and admins)
    // only; macOS is not covered yet (see docs/privacy.md).
    false
}

/// `arg_start` and `arg_end`: fields 48 and 49 of `/proc/<pid>/stat`,
/// counted after the parenthesised command name, which may hold spaces.
pub fn arg_area(stat: &str) -> Option<(usize, usize)> {
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (the state).
    let start = fields.get(48 - 3)?.parse().ok()?;
    let end = fields.get(49 - 3)?.parse().ok()?;
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_argument_area_even_with_odd_command_names() {
        let tail: Vec<String> = (3..=52).map(|n| n.to_string()).collect();
        let stat = format!("4711 (sprech zimmer) (x) {}", tail.join(" "));
        assert_eq!(arg_area(&stat), Some((48, 49)));
        assert_eq!(arg_area("4711 (x) S 1 2"), None);
        assert_eq!(arg_area(""), None);
    }

    /// The real thing, in a child process of its own: blanking this test
    /// process's arguments would confuse the test harness.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_blanked_command_line_shows_no_invite() {
        if std::env::var_os("SZ_CMDLINE_CHILD").is_some() {
            assert!(forget_arguments(), "the argument area was found and blanked");
            let shown = std::fs::read("/proc/self/cmdline").unwrap();
            assert!(!String::from_utf8_lossy(&shown).contains("m-secret-id"));
            return;
        }
        let me = std::env::current_exe().unwrap();
        let invite =
            "sprechzimmer://join?v=1&provider=bbb&join=https%3A%2F%2Fbbb.example.org%2Fapi%2Fjoin%3FfullName%3DKim%26meetingID%3Dm-secret-id";
        let mut child = std::process::Command::new(me)
            .args(["--exact", "cmdline::tests::a_blanked_command_line_shows_no_invite", "--nocapture", invite])
            .env("SZ_CMDLINE_CHILD", "1")
            .spawn()
            .unwrap();
        assert!(child.wait().unwrap().success(), "the child blanked its own command line");
    }
}
