//! The WebKit network process a released window leaves behind (Linux).
//!
//! While a client's meeting runs, the app gives up its window (issue 15),
//! and the window's web process ends with it. Its network process does
//! not: Tauri keeps the window's web context for the app's life
//! (tauri#14626), and webkit2gtk-4.1 has no call that ends the process.
//! It idles at about 20–30 MB beside the meeting. Once no web process of
//! the app remains, the app ends it; WebKit starts a new one for the
//! window built after the meeting.
//!
//! [`idle`] decides from a process table, so the rule is tested without
//! WebKit; [`table`] reads the table from `/proc`.

/// One process, as far as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub parent: u32,
    /// The file name of the program it runs (`/proc/<pid>/exe`).
    pub program: String,
}

const NETWORK: &str = "WebKitNetworkProcess";
const WEB: &str = "WebKitWebProcess";

/// The network processes of `app` that serve no page any more: its direct
/// children running WebKit's network process, and only while no web
/// process of its own is left (a page would still need them). Processes
/// further down (the meeting view's own WebKit) are never chosen.
pub fn idle(app: u32, table: &[Proc]) -> Vec<u32> {
    if !pages_gone(app, table) {
        return Vec::new();
    }
    table.iter().filter(|p| p.parent == app && p.program == NETWORK).map(|p| p.pid).collect()
}

/// No web process of `app`'s own is left: no page of its windows runs.
pub fn pages_gone(app: u32, table: &[Proc]) -> bool {
    !table.iter().any(|p| p.parent == app && p.program == WEB)
}

/// The children of `app`, read from `/proc`. Processes that end while it
/// is read are left out.
#[cfg(target_os = "linux")]
pub fn table(app: u32) -> std::io::Result<Vec<Proc>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Some(pid) = entry.ok().and_then(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok())) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(parent) = parent_of(&stat) else { continue };
        if parent != app {
            continue;
        }
        let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) else { continue };
        out.push(Proc { pid, parent, program: program_name(&exe) });
    }
    Ok(out)
}

/// The file name of a program from its `/proc/<pid>/exe` link. A program
/// replaced on disk while it runs (WebKit upgraded during the app's run)
/// reads `<path> (deleted)` there.
#[cfg(any(target_os = "linux", test))]
fn program_name(exe: &std::path::Path) -> String {
    let name = exe.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.strip_suffix(" (deleted)").map(str::to_string).unwrap_or(name)
}

/// The parent pid from a `/proc/<pid>/stat` line. The program's name
/// sits in parentheses and may hold either, so the fields after the last
/// `)` count.
#[cfg(any(target_os = "linux", test))]
fn parent_of(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, parent: u32, program: &str) -> Proc {
        Proc { pid, parent, program: program.into() }
    }

    #[test]
    fn only_the_apps_own_network_process_once_its_pages_are_gone() {
        let meeting_view = [p(20, 1, "sprechzimmer"), p(21, 20, WEB), p(22, 20, NETWORK)];
        let mut table = vec![p(10, 1, WEB), p(11, 1, NETWORK), p(12, 1, "chromium")];
        table.extend(meeting_view.iter().cloned());
        assert_eq!(idle(1, &table), Vec::<u32>::new(), "the window's page still runs");
        assert!(!pages_gone(1, &table));
        table.remove(0);
        assert!(pages_gone(1, &table), "the meeting view's page is not the app's");
        assert_eq!(idle(1, &table), vec![11], "the page has gone: its network process may go");
        assert_eq!(idle(20, &meeting_view), Vec::<u32>::new(), "another process's WebKit is never chosen from below");
        assert_eq!(idle(1, &[p(12, 1, "chromium"), p(30, 1, "WebKitNetworkProcessX")]), Vec::<u32>::new());
    }

    #[test]
    fn the_parent_is_read_after_the_programs_name() {
        assert_eq!(parent_of("4242 (WebKitNetworkPr) S 4100 4100 0 0"), Some(4100));
        assert_eq!(parent_of("77 (a ) b (c) S 9 1"), Some(9), "a name with spaces and parentheses");
        assert_eq!(parent_of("77 (cut"), None);
    }

    #[test]
    fn a_program_replaced_by_an_upgrade_is_still_known() {
        let lib = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/";
        assert_eq!(program_name(std::path::Path::new(&format!("{lib}WebKitNetworkProcess (deleted)"))), NETWORK);
        assert_eq!(program_name(std::path::Path::new(&format!("{lib}WebKitNetworkProcess"))), NETWORK);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_table_holds_this_processes_children() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let found = table(std::process::id()).unwrap();
        // What runs may be a multi-call binary (busybox, uutils): its name.
        let expected = std::fs::read_link(format!("/proc/{}/exe", child.id())).map(|p| program_name(&p));
        let _ = child.kill();
        let _ = child.wait();
        let me = found.iter().find(|p| p.pid == child.id()).expect("the child is listed");
        assert_eq!((me.parent, me.program.clone()), (std::process::id(), expected.unwrap()));
    }
}
