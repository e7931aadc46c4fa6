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
/// A count the text did not give is `None`, and `None` is never clean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub start: usize,
    pub end: usize,
    /// `r-xp` and the like.
    pub perms: String,
    /// The mapped file, or `[heap]`, `[vdso]`…, or empty.
    pub path: String,
    pub rss_kb: Option<u64>,
    /// Pages copied on write: their content is not the file's any more.
    pub anonymous_kb: Option<u64>,
    pub swap_kb: Option<u64>,
    pub locked_kb: Option<u64>,
}

/// The mappings of an smaps text. A header that does not parse is left
/// out with its counts (they are not given to the mapping before it).
pub fn parse(smaps: &str) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = Vec::new();
    // The mapping the count lines belong to; none after a broken header.
    let mut current: Option<usize> = None;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some(key) = first.strip_suffix(':') {
            // "Rss:   1234 kB"
            let (Some(i), Some(kb)) = (current, fields.next().and_then(|v| v.parse::<u64>().ok())) else {
                continue;
            };
            let m = &mut out[i];
            match key {
                "Rss" => m.rss_kb = Some(kb),
                "Anonymous" => m.anonymous_kb = Some(kb),
                "Swap" => m.swap_kb = Some(kb),
                "Locked" => m.locked_kb = Some(kb),
                _ => {}
            }
            continue;
        }
        current = None;
        // "7f12a000-7f12c000 r-xp 00000000 08:01 1234   /usr/lib/libx.so"
        let Some((start, end)) = first.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        let Some(perms) = fields.next() else { continue };
        // After range, perms, offset, device and inode: the path, which may
        // hold spaces, even at its end (the kernel escapes only newlines).
        let mut rest = line;
        for _ in 0..5 {
            rest = rest.trim_start();
            rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
        }
        let path = rest.trim_start_matches(' ');
        out.push(Mapping {
            start,
            end,
            perms: perms.to_string(),
            path: path.to_string(),
            rss_kb: None,
            anonymous_kb: None,
            swap_kb: None,
            locked_kb: None,
        });
        current = Some(out.len() - 1);
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
                && m.rss_kb.is_some_and(|kb| kb > 0)
                && m.anonymous_kb == Some(0)
                && m.swap_kb == Some(0)
                && m.locked_kb == Some(0)
        })
        .collect()
}

/// The parts of `range` inside any of `segments` (half-open `[start, end)`
/// pairs): the pages the loader itself mapped there.
pub fn within(range: (usize, usize), segments: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = segments.iter().map(|&(s, e)| (s.max(range.0), e.min(range.1))).filter(|(s, e)| s < e).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Drops the resident pages of this process's executable and loaded
/// libraries that [`releasable`] allows; returns the kB dropped.
///
/// Only what the loader mapped is touched: the range must lie in a load
/// segment (`dl_iterate_phdr`) of the object the mapping's file is, and
/// that object is the executable or pinned first (`RTLD_NODELETE`), so the
/// loader never unmaps it. Another mapping of the same file (a backtrace
/// reading the executable's symbols), fonts and caches are left alone:
/// their owners may unmap them at any moment.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release() -> std::io::Result<u64> {
    use std::collections::{HashMap, HashSet};
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
    // After pinning: the segments of every object still loaded, by file.
    let segments: HashMap<String, Vec<(usize, usize)>> = load_segments(&exe);
    // Read again: only what is still clean and mapped now counts.
    let mut kb = 0;
    for m in releasable(&smaps()?).into_iter().filter(|m| pinned.contains(&m.path)) {
        let Some(own) = segments.get(&m.path) else { continue };
        let mut dropped = false;
        for (start, end) in within((m.start, m.end), own) {
            // SAFETY: the range is read-only, private and clean (no page
            // copied on write, swapped out or locked), and it is the
            // loader's own mapping of the executable or of a library pinned
            // above, which is never unmapped: its pages hold the file's
            // bytes, and the next touch maps the same bytes again.
            dropped |= unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) } == 0;
        }
        if dropped {
            kb += m.rss_kb.unwrap_or(0);
        }
    }
    Ok(kb)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn page_size() -> usize {
    // SAFETY: sysconf reads a constant of the system.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

/// The load segments of every loaded object, page-rounded, by the real
/// path of its file (as smaps names it); the executable's under `exe`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn load_segments(exe: &std::path::Path) -> std::collections::HashMap<String, Vec<(usize, usize)>> {
    struct Found {
        objects: Vec<(String, Vec<(usize, usize)>)>,
        page: usize,
    }
    unsafe extern "C" fn each(info: *mut libc::dl_phdr_info, _size: usize, data: *mut libc::c_void) -> libc::c_int {
        // SAFETY: the loader passes a valid info for the call's length, and
        // `data` is the `Found` below, borrowed for dl_iterate_phdr's call.
        let (info, found) = unsafe { (&*info, &mut *(data as *mut Found)) };
        let name = if info.dlpi_name.is_null() {
            String::new()
        } else {
            // SAFETY: a NUL-terminated name owned by the loader.
            unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) }.to_string_lossy().into_owned()
        };
        let page = found.page;
        let headers: &[libc::Elf64_Phdr] = if info.dlpi_phdr.is_null() {
            &[]
        } else {
            // SAFETY: dlpi_phnum program headers at dlpi_phdr.
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) }
        };
        let ranges = headers
            .iter()
            .filter(|h| h.p_type == libc::PT_LOAD)
            .filter_map(|h| {
                let start = (info.dlpi_addr as usize).checked_add(h.p_vaddr as usize)?;
                let end = start.checked_add(h.p_memsz as usize)?;
                Some((start / page * page, end.div_ceil(page) * page))
            })
            .collect();
        found.objects.push((name, ranges));
        0
    }
    let mut found = Found { objects: Vec::new(), page: page_size() };
    // SAFETY: `each` only reads what the loader hands it and writes `found`.
    unsafe { libc::dl_iterate_phdr(Some(each), &mut found as *mut Found as *mut libc::c_void) };
    let mut out: std::collections::HashMap<String, Vec<(usize, usize)>> = std::collections::HashMap::new();
    for (i, (name, ranges)) in found.objects.into_iter().enumerate() {
        // The first object is the executable (its name is empty).
        let path = if i == 0 && name.is_empty() { Ok(exe.to_path_buf()) } else { std::fs::canonicalize(&name) };
        if let Ok(path) = path {
            out.entry(path.to_string_lossy().into_owned()).or_default().extend(ranges);
        }
    }
    out
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
Swap:                  0 kB
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
7f000a000000-7f000a100000 r-xp 00000000 08:01 49 /usr/lib/libuncounted.so
Rss:                  40 kB
7f000b000000-7f000b100000 r-xp 00000000 08:01 50 /usr/lib/trailing space.so 
Rss:                  40 kB
Anonymous:             0 kB
Swap:                  0 kB
Locked:                0 kB
";

    #[test]
    fn a_mapping_is_read_with_its_counts_and_a_path_with_spaces() {
        let maps = parse(SMAPS);
        assert_eq!(maps.len(), 14);
        assert_eq!(
            maps[0],
            Mapping {
                start: 0x55d4c0000000,
                end: 0x55d4c0800000,
                perms: "r-xp".into(),
                path: "/opt/sprechzimmer/sprechzimmer".into(),
                rss_kb: Some(6000),
                anonymous_kb: Some(0),
                swap_kb: Some(0),
                locked_kb: Some(0),
            }
        );
        assert_eq!(maps[2].anonymous_kb, Some(3000));
        assert_eq!(maps[4].swap_kb, Some(12));
        assert_eq!(maps[5].swap_kb, None, "not given");
        assert_eq!(maps[6].path, "[heap]");
        assert_eq!(maps[8].path, "/usr/share/fonts/Deja Vu Sans.ttf");
        assert_eq!(maps[9].path, "/usr/lib/libold.so (deleted)");
        assert_eq!(maps[13].path, "/usr/lib/trailing space.so ", "a file name ending in a space keeps it");
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
                (0x7f000b000000, "/usr/lib/trailing space.so "),
            ],
            "not relocated data (copied on write), writable data, swapped pages, a shared mapping, \
             the heap, the vDSO, a replaced file, nothing resident, locked pages, or counts not given"
        );
    }

    #[test]
    fn broken_lines_are_skipped() {
        let maps = parse(
            "garbage\nRss: 12 kB\n10-20 r-xp 0 08:01 5 /usr/lib/liba.so\nAnonymous: 0 kB\nRss: x kB\n\
             zz-10 r-xp 0 0 0 /x\nAnonymous: 99 kB\nSwap: 0 kB\n10-20\nLocked: 0 kB\n",
        );
        assert_eq!(maps.len(), 1);
        assert_eq!((maps[0].start, maps[0].end), (0x10, 0x20));
        assert_eq!(
            (maps[0].rss_kb, maps[0].anonymous_kb, maps[0].swap_kb, maps[0].locked_kb),
            (None, Some(0), None, None),
            "the counts after a broken header are not the mapping's before it"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_processes_own_code_is_found() {
        let text = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let maps = parse(&text);
        assert!(maps.iter().any(|m| m.perms.starts_with("r-x") && std::path::Path::new(&m.path) == exe), "the test binary's code is mapped");
        assert!(releasable(&maps).iter().all(|m| !m.perms.contains('w') && m.anonymous_kb == Some(0)));
    }

    /// Resident kB of this process's clean code, in the executable and in
    /// libc (a library the release pins).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn resident_code() -> (u64, u64) {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let maps = parse(&std::fs::read_to_string("/proc/self/smaps").unwrap());
        let sum = |f: &dyn Fn(&Mapping) -> bool| releasable(&maps).iter().filter(|m| f(m)).map(|m| m.rss_kb.unwrap_or(0)).sum::<u64>();
        let in_exe = sum(&|m| std::path::Path::new(&m.path) == exe);
        let in_libc = sum(&|m| m.path.contains("/libc.so") || m.path.contains("/libc-"));
        (in_exe, in_libc)
    }

    #[test]
    fn only_the_parts_inside_the_loaders_segments_count() {
        let segments = [(0x1000, 0x3000), (0x5000, 0x6000), (0x9000, 0xa000)];
        assert_eq!(within((0x2000, 0x5800), &segments), vec![(0x2000, 0x3000), (0x5000, 0x5800)]);
        assert_eq!(within((0x3000, 0x5000), &segments), vec![], "between segments");
        assert_eq!(within((0x0, 0x10000), &[(0x1000, 0x2000), (0x1000, 0x2000)]), vec![(0x1000, 0x2000)]);
    }

    /// Resident kB of the private read-only mapping at `addr`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn resident_at(addr: usize) -> u64 {
        let maps = parse(&std::fs::read_to_string("/proc/self/smaps").unwrap());
        maps.iter().find(|m| m.start == addr).and_then(|m| m.rss_kb).unwrap()
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_mapping_the_loader_did_not_make_is_left_alone() {
        // The executable mapped again, as a backtrace reading its symbols
        // does: the same file, but its owner may unmap it at any moment.
        let file = std::fs::File::open("/proc/self/exe").unwrap();
        let len = 64 * 1024;
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh private read-only mapping, unmapped below.
        let at = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        assert_ne!(at, libc::MAP_FAILED);
        // SAFETY: reads inside the mapping.
        let sum: u64 = (0..len).step_by(4096).map(|i| u64::from(unsafe { *(at as *const u8).add(i) })).sum();
        let before = resident_at(at as usize);
        assert!(before > 0, "its pages are resident");
        release().unwrap();
        assert_eq!(resident_at(at as usize), before, "its pages stay");
        // SAFETY: the mapping made above.
        let again: u64 = (0..len).step_by(4096).map(|i| u64::from(unsafe { *(at as *const u8).add(i) })).sum();
        assert_eq!(sum, again);
        // SAFETY: the mapping made above, no longer used.
        unsafe { libc::munmap(at, len) };
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
