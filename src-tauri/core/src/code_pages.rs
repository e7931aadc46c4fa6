//! The library pages a released window leaves mapped (Linux).
//!
//! While a client's meeting runs, the app has given its window up (issue
//! 15), but WebKit's, JavaScriptCore's and Mesa's code stays mapped in the
//! app process: about 75 MB of resident pages nothing runs until the window
//! comes back. A shared library cannot be unloaded from a running process;
//! its clean pages can be unmapped, though. `madvise(MADV_DONTNEED)` on a
//! private file mapping drops the process's pages, and the next touch maps
//! them again from the file (from the page cache, where they usually still
//! are). That is lossless only for pages that were never written: so only
//! read-only mappings none of whose pages were copied on write (relocated
//! data) or swapped out are chosen.
//!
//! [`releasable`] decides from the text of `/proc/self/smaps`, so the rule
//! is tested without a process to look at; the app pins each library
//! before dropping its pages (a library unloaded in between would leave
//! the range to something else), and reads the table again after that.

/// One mapping of `/proc/<pid>/smaps`, as far as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub start: usize,
    pub end: usize,
    /// `r-xp` and the like.
    pub perms: String,
    /// The mapped file, or `[heap]`, `[vdso]`…, or empty.
    pub path: String,
    pub rss_kb: u64,
    /// Pages copied on write: their content is not the file's any more.
    pub anonymous_kb: u64,
    pub swap_kb: u64,
    pub locked_kb: u64,
}

/// The mappings of an smaps text. Lines that do not parse are skipped.
pub fn parse(smaps: &str) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some(key) = first.strip_suffix(':') {
            // "Rss:   1234 kB"
            let (Some(last), Some(kb)) = (out.last_mut(), fields.next().and_then(|v| v.parse::<u64>().ok())) else {
                continue;
            };
            match key {
                "Rss" => last.rss_kb = kb,
                "Anonymous" => last.anonymous_kb = kb,
                "Swap" => last.swap_kb = kb,
                "Locked" => last.locked_kb = kb,
                _ => {}
            }
            continue;
        }
        // "7f12a000-7f12c000 r-xp 00000000 08:01 1234   /usr/lib/libx.so"
        let Some((start, end)) = first.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        let Some(perms) = fields.next() else { continue };
        // After range, perms, offset, device and inode: the path, which may
        // hold spaces.
        let mut rest = line;
        for _ in 0..5 {
            rest = rest.trim_start();
            rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
        }
        let path = rest.trim();
        out.push(Mapping { start, end, perms: perms.to_string(), path: path.to_string(), rss_kb: 0, anonymous_kb: 0, swap_kb: 0, locked_kb: 0 });
    }
    out
}

/// The mappings whose resident pages can be dropped without losing a
/// byte: private, read-only mappings of a file still on disk, with pages
/// resident, none copied on write, swapped out or locked.
pub fn releasable(maps: &[Mapping]) -> Vec<&Mapping> {
    maps.iter()
        .filter(|m| {
            let p = m.perms.as_bytes();
            p.len() == 4
                && p[1] != b'w'
                && p[3] == b'p'
                && m.path.starts_with('/')
                && !m.path.ends_with(" (deleted)")
                && m.rss_kb > 0
                && m.anonymous_kb == 0
                && m.swap_kb == 0
                && m.locked_kb == 0
        })
        .collect()
}

/// Drops the resident pages of this process's executable and loaded
/// libraries that [`releasable`] allows; returns the kB dropped. Each
/// library is pinned first (`RTLD_NODELETE`), so no range is handed to
/// something else before its pages go; files that are not a loaded
/// library (fonts, caches, which their owners may unmap) are left alone.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release() -> std::io::Result<u64> {
    use std::collections::HashSet;
    let exe = std::fs::read_link("/proc/self/exe")?;
    let smaps = || std::fs::read_to_string("/proc/self/smaps").map(|t| parse(&t));
    let mut pinned: HashSet<String> = HashSet::new();
    let mut refused: HashSet<String> = HashSet::new();
    for m in releasable(&smaps()?) {
        if pinned.contains(&m.path) || refused.contains(&m.path) {
            continue;
        }
        if std::path::Path::new(&m.path) == exe || pin(&m.path) {
            pinned.insert(m.path.clone());
        } else {
            refused.insert(m.path.clone());
        }
    }
    // Read again: only what is still clean and mapped now counts.
    let mut kb = 0;
    for m in releasable(&smaps()?).into_iter().filter(|m| pinned.contains(&m.path)) {
        // SAFETY: the range is a read-only private mapping of the executable
        // or of a library pinned above (so never unmapped), with no page
        // copied on write, swapped out or locked: its pages hold the file's
        // bytes, and the next touch maps the same bytes again.
        if unsafe { libc::madvise(m.start as *mut libc::c_void, m.end - m.start, libc::MADV_DONTNEED) } == 0 {
            kb += m.rss_kb;
        }
    }
    Ok(kb)
}

/// Keeps the loaded library at `path` loaded for the process's life; false
/// if no library of that file is loaded (nothing is loaded then).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn pin(path: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(path) else { return false };
    // SAFETY: RTLD_NOLOAD loads nothing and runs no constructor; it finds
    // an already loaded object (by name or by file) and marks it never to
    // be unloaded. The handle is kept on purpose, never closed.
    !unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD | libc::RTLD_NODELETE) }.is_null()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d4c0000000-55d4c0800000 r-xp 00100000 08:01 131 /opt/sprechzimmer/sprechzimmer
Size:               8192 kB
Rss:                6000 kB
Pss:                6000 kB
Anonymous:             0 kB
Swap:                  0 kB
Locked:                0 kB
7f0000000000-7f0001000000 r-xp 00200000 08:01 42 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9
Rss:               20000 kB
Anonymous:             0 kB
Swap:                  0 kB
Locked:                0 kB
7f0001000000-7f0001100000 r--p 01200000 08:01 42 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9
Rss:                3000 kB
Anonymous:          3000 kB
Swap:                  0 kB
7f0001100000-7f0001200000 rw-p 01300000 08:01 42 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9
Rss:                 100 kB
Anonymous:             0 kB
7f0002000000-7f0002100000 r--p 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Rss:                 400 kB
Anonymous:             0 kB
Swap:                 12 kB
7f0003000000-7f0003100000 r--s 00000000 00:01 44 /SYSV00000000 (deleted)
Rss:                1200 kB
Anonymous:             0 kB
7f0004000000-7f0004100000 rw-p 00000000 00:00 0 [heap]
Rss:                5000 kB
Anonymous:          5000 kB
7f0005000000-7f0005100000 r-xp 00000000 00:00 0 [vdso]
Rss:                   4 kB
Anonymous:             0 kB
7f0006000000-7f0006100000 r--p 00000000 08:01 45 /usr/share/fonts/Deja Vu Sans.ttf
Rss:                 300 kB
Anonymous:             0 kB
Locked:                0 kB
7f0007000000-7f0007100000 r-xp 00000000 08:01 46 /usr/lib/libold.so (deleted)
Rss:                 300 kB
Anonymous:             0 kB
7f0008000000-7f0008100000 r-xp 00000000 08:01 47 /usr/lib/libcold.so
Rss:                   0 kB
Anonymous:             0 kB
7f0009000000-7f0009100000 r-xp 00000000 08:01 48 /usr/lib/libmlocked.so
Rss:                  40 kB
Anonymous:             0 kB
Locked:               40 kB
";

    #[test]
    fn a_mapping_is_read_with_its_counts_and_a_path_with_spaces() {
        let maps = parse(SMAPS);
        assert_eq!(maps.len(), 12);
        assert_eq!(
            maps[0],
            Mapping {
                start: 0x55d4c0000000,
                end: 0x55d4c0800000,
                perms: "r-xp".into(),
                path: "/opt/sprechzimmer/sprechzimmer".into(),
                rss_kb: 6000,
                anonymous_kb: 0,
                swap_kb: 0,
                locked_kb: 0,
            }
        );
        assert_eq!(maps[2].anonymous_kb, 3000);
        assert_eq!(maps[4].swap_kb, 12);
        assert_eq!(maps[6].path, "[heap]");
        assert_eq!(maps[8].path, "/usr/share/fonts/Deja Vu Sans.ttf");
        assert_eq!(maps[9].path, "/usr/lib/libold.so (deleted)");
    }

    #[test]
    fn only_clean_read_only_file_pages_are_chosen() {
        let maps = parse(SMAPS);
        let chosen: Vec<(usize, &str)> = releasable(&maps).iter().map(|m| (m.start, m.path.as_str())).collect();
        assert_eq!(
            chosen,
            vec![
                (0x55d4c0000000, "/opt/sprechzimmer/sprechzimmer"),
                (0x7f0000000000, "/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9"),
                (0x7f0006000000, "/usr/share/fonts/Deja Vu Sans.ttf"),
            ],
            "not relocated data (copied on write), writable data, swapped pages, a shared mapping, \
             the heap, the vDSO, a replaced file, nothing resident, or locked pages"
        );
    }

    #[test]
    fn broken_lines_are_skipped() {
        let maps = parse("garbage\nRss: 12 kB\nzz-10 r-xp 0 0 0 /x\n10-20\n10-20 r-xp 0 08:01 5 /usr/lib/liba.so\nRss: x kB\n");
        assert_eq!(maps.len(), 1);
        assert_eq!((maps[0].start, maps[0].end, maps[0].rss_kb), (0x10, 0x20, 0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_processes_own_code_is_found() {
        let text = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let maps = parse(&text);
        assert!(maps.iter().any(|m| m.perms.starts_with("r-x") && std::path::Path::new(&m.path) == exe), "the test binary's code is mapped");
        assert!(releasable(&maps).iter().all(|m| !m.perms.contains('w') && m.anonymous_kb == 0));
    }

    /// Resident kB of this process's clean code, in the executable and in
    /// libc (a library the release pins).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn resident_code() -> (u64, u64) {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let maps = parse(&std::fs::read_to_string("/proc/self/smaps").unwrap());
        let sum = |f: &dyn Fn(&Mapping) -> bool| releasable(&maps).iter().filter(|m| f(m)).map(|m| m.rss_kb).sum::<u64>();
        let in_exe = sum(&|m| std::path::Path::new(&m.path) == exe);
        let in_libc = sum(&|m| m.path.contains("/libc.so") || m.path.contains("/libc-"));
        (in_exe, in_libc)
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn released_pages_leave_the_process_and_come_back_intact() {
        // Touch code of both first, then keep a value to compare after.
        let before = resident_code();
        let words: Vec<String> = (0..1000).map(|i| format!("{i:x}")).collect();
        assert!(before.0 > 0 && before.1 > 0, "code is resident: {before:?}");
        let dropped = release().unwrap();
        let after = resident_code();
        assert!(dropped > 0, "something was dropped");
        assert!(after.0 < before.0, "the executable's pages went: {before:?} -> {after:?}");
        assert!(after.1 < before.1, "libc's pages went: {before:?} -> {after:?}");
        // The code runs on from the file: the same work, the same result.
        let again: Vec<String> = (0..1000).map(|i| format!("{i:x}")).collect();
        assert_eq!(words, again);
        assert_eq!(std::fs::read_to_string("/proc/self/smaps").map(|t| !parse(&t).is_empty()).ok(), Some(true));
    }
}
