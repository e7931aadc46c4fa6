//! Windows' WebView2, where wry stops short.
//!
//! - **Frames.** wry checks `NavigationStarting`, which WebView2 raises for
//!   the main frame only; iframes raise `FrameNavigationStarting`. The
//!   meeting window hooks that too and applies the main frame's host rule,
//!   so an iframe in the meeting page cannot load another host.
//! - **Frame permissions.** wry answers permission requests by the top page;
//!   here the requesting frame's own origin decides, so an iframe on an
//!   allowed page gets no camera or microphone unless it is itself the
//!   meeting. Downloads are refused webview-wide already (wry's
//!   `DownloadStarting`), frames included.
//! - **No runtime.** Windows 10/11 ship WebView2; where it is missing the app
//!   says so in plain words instead of failing to open a window.
//!
//! The decisions are plain functions, tested on every platform; the COM glue
//! below them compiles only for Windows.

use url::Url;

use crate::hosts::{HostPattern, UrlRules};
use crate::navigation::{classify, Nav, ViewKind};
use crate::provider::jitsi;

/// May a child frame of the meeting window navigate to `url`? Only to the
/// meeting hosts (and the blank frames pages make for themselves); never to
/// the app's own Jitsi host page or its signals, which only the top frame
/// may use.
pub fn frame_may_navigate(url: &str, allowed: &[HostPattern], rules: UrlRules) -> bool {
    match Url::parse(url) {
        Ok(u) => !jitsi::is_host_url(&u) && classify(&u, allowed, rules, ViewKind::Meeting) == Nav::Allow,
        Err(_) => false,
    }
}

/// Camera or microphone for the frame whose origin is `origin`: only over
/// https (http to loopback in tests) on a meeting host. Any other kind of
/// permission is refused, whoever asks.
pub fn frame_gets_media(is_media: bool, origin: &str, allowed: &[HostPattern], rules: UrlRules) -> bool {
    is_media
        && Url::parse(origin).is_ok_and(|u| {
            matches!(u.scheme(), "https" | "http") && !jitsi::is_host_url(&u) && classify(&u, allowed, rules, ViewKind::Meeting) == Nav::Allow
        })
}

/// What the start screen does when the runtime is missing.
#[derive(Debug, PartialEq, Eq)]
pub enum Runtime {
    Present(String),
    Missing,
}

impl Runtime {
    /// From `GetAvailableCoreWebView2BrowserVersionString`: an error or an
    /// empty version both mean no usable runtime.
    pub fn from_probe(version: Result<String, ()>) -> Runtime {
        match version {
            Ok(v) if !v.trim().is_empty() => Runtime::Present(v),
            _ => Runtime::Missing,
        }
    }
}

/// The exit code of a start without WebView2 (documented with the others).
pub const EXIT_NO_WEBVIEW: i32 = crate::cli::EXIT_NO_WINDOW;

#[cfg(windows)]
pub use imp::{guard_frames, on_browser_exit, probe_runtime, tell_runtime_missing};

#[cfg(windows)]
mod imp {
    use std::sync::Arc;

    use webview2_com::Microsoft::Web::WebView2::Win32::{
        ICoreWebView2, ICoreWebView2Frame3, ICoreWebView2PermissionRequestedEventArgs, ICoreWebView2_4, COREWEBVIEW2_PERMISSION_KIND,
        COREWEBVIEW2_PERMISSION_KIND_CAMERA, COREWEBVIEW2_PERMISSION_KIND_MICROPHONE, COREWEBVIEW2_PERMISSION_STATE_ALLOW,
        COREWEBVIEW2_PERMISSION_STATE_DENY,
    };
    use webview2_com::Microsoft::Web::WebView2::Win32::{ICoreWebView2Environment5, ICoreWebView2_2};
    use webview2_com::{
        take_pwstr, BrowserProcessExitedEventHandler, FrameCreatedEventHandler, FramePermissionRequestedEventHandler, NavigationStartingEventHandler,
        PermissionRequestedEventHandler,
    };
    use windows_core::{Interface, PWSTR};

    use super::*;

    /// The installed runtime's version, if any.
    pub fn probe_runtime() -> Runtime {
        let mut version = PWSTR::null();
        // SAFETY: a null folder asks for the installed runtime; the string is
        // ours to free (take_pwstr does).
        let result = unsafe {
            webview2_com::Microsoft::Web::WebView2::Win32::GetAvailableCoreWebView2BrowserVersionString(windows_core::PCWSTR::null(), &mut version)
        };
        Runtime::from_probe(match result {
            Ok(()) if !version.is_null() => Ok(take_pwstr(version)),
            _ => Err(()),
        })
    }

    /// A plain message box; there is no window to show it in.
    pub fn tell_runtime_missing(title: &str, text: &str) {
        use windows_sys::Win32::UI::WindowsAndMessaging::{MessageBoxW, MB_ICONINFORMATION, MB_OK};
        let wide = |s: &str| s.encode_utf16().chain(std::iter::once(0)).collect::<Vec<u16>>();
        let (title, text) = (wide(title), wide(text));
        // SAFETY: both strings are NUL-terminated and outlive the call.
        unsafe {
            MessageBoxW(std::ptr::null_mut(), text.as_ptr(), title.as_ptr(), MB_OK | MB_ICONINFORMATION);
        }
    }

    fn is_media(kind: COREWEBVIEW2_PERMISSION_KIND) -> bool {
        kind == COREWEBVIEW2_PERMISSION_KIND_CAMERA || kind == COREWEBVIEW2_PERMISSION_KIND_MICROPHONE
    }

    fn decide(args: &ICoreWebView2PermissionRequestedEventArgs, allowed: &[HostPattern], rules: UrlRules) -> windows_core::Result<bool> {
        let mut kind = COREWEBVIEW2_PERMISSION_KIND::default();
        let mut uri = PWSTR::null();
        // SAFETY: out-parameters of a live event's arguments.
        unsafe {
            args.PermissionKind(&mut kind)?;
            args.Uri(&mut uri)?;
        }
        Ok(frame_gets_media(is_media(kind), &take_pwstr(uri), allowed, rules))
    }

    /// Calls `on_exit` once the browser process of this webview's
    /// environment has exited: only then has it let go of the session's
    /// user-data folder, which is deleted next.
    pub fn on_browser_exit(core: &ICoreWebView2, on_exit: Box<dyn FnOnce() + Send>) -> windows_core::Result<()> {
        let core2: ICoreWebView2_2 = core.cast()?;
        // SAFETY: COM calls on a live webview, on its own (UI) thread.
        let env: ICoreWebView2Environment5 = unsafe { core2.Environment()? }.cast()?;
        let once = std::sync::Mutex::new(Some(on_exit));
        let mut token = 0i64;
        // The handler holds the environment, so it lives until the event
        // (the process exits right after it).
        let keep = env.clone();
        let handler = BrowserProcessExitedEventHandler::create(Box::new(move |_, _| {
            let _ = &keep;
            if let Some(f) = once.lock().unwrap_or_else(|p| p.into_inner()).take() {
                f();
            }
            Ok(())
        }));
        // SAFETY: as above; the handler lives as long as the environment.
        unsafe { env.add_BrowserProcessExited(&handler, &mut token) }
    }

    /// Hooks the meeting webview: child-frame navigations and permission
    /// requests by the requesting frame's origin.
    pub fn guard_frames(core: &ICoreWebView2, allowed: Vec<HostPattern>, rules: UrlRules) -> windows_core::Result<()> {
        let allowed = Arc::new(allowed);
        let mut token = 0i64;
        let nav_allowed = allowed.clone();
        // SAFETY: COM calls on the live webview, on its own thread (with_webview).
        unsafe {
            core.add_FrameNavigationStarting(
                &NavigationStartingEventHandler::create(Box::new(move |_, args| {
                    let Some(args) = args else { return Ok(()) };
                    let mut uri = PWSTR::null();
                    args.Uri(&mut uri)?;
                    let ok = frame_may_navigate(&take_pwstr(uri), &nav_allowed, rules);
                    args.SetCancel(!ok)?;
                    Ok(())
                })),
                &mut token,
            )?;

            // Any frame, at any depth: after wry's own handler, a request
            // from a frame that is not the meeting is refused whatever the
            // top page is. Only ever narrows.
            let any_allowed = allowed.clone();
            core.add_PermissionRequested(
                &PermissionRequestedEventHandler::create(Box::new(move |_, args| {
                    let Some(args) = args else { return Ok(()) };
                    if !decide(&args, &any_allowed, rules)? {
                        args.SetState(COREWEBVIEW2_PERMISSION_STATE_DENY)?;
                    }
                    Ok(())
                })),
                &mut token,
            )?;

            // Frames of the page itself: decided here and marked handled, so
            // the webview-wide answer (by the top page) never applies.
            let core4: ICoreWebView2_4 = core.cast()?;
            let frame_allowed = allowed;
            core4.add_FrameCreated(
                &FrameCreatedEventHandler::create(Box::new(move |_, args| {
                    let Some(args) = args else { return Ok(()) };
                    let Ok(frame) = args.Frame()?.cast::<ICoreWebView2Frame3>() else { return Ok(()) };
                    let allowed = frame_allowed.clone();
                    let mut t = 0i64;
                    frame.add_PermissionRequested(
                        &FramePermissionRequestedEventHandler::create(Box::new(move |_, args| {
                            let Some(args) = args else { return Ok(()) };
                            let base: ICoreWebView2PermissionRequestedEventArgs = args.cast()?;
                            let grant = decide(&base, &allowed, rules)?;
                            base.SetState(if grant { COREWEBVIEW2_PERMISSION_STATE_ALLOW } else { COREWEBVIEW2_PERMISSION_STATE_DENY })?;
                            args.SetHandled(true)?;
                            Ok(())
                        })),
                        &mut t,
                    )?;
                    Ok(())
                })),
                &mut token,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<HostPattern> {
        vec![HostPattern::parse("bbb.example.org").unwrap(), HostPattern::parse("*.meet.example.net").unwrap()]
    }

    #[test]
    fn frames_stay_on_the_meeting_hosts() {
        let (allowed, rules) = (hosts(), UrlRules::default());
        for ok in ["https://bbb.example.org/html5client/", "https://a.meet.example.net/room", "about:blank", "about:srcdoc"] {
            assert!(frame_may_navigate(ok, &allowed, rules), "{ok}");
        }
        let host = jitsi::host_base();
        for bad in [
            "https://elsewhere.example/".to_string(),
            "http://bbb.example.org/".to_string(),
            "https://user:pw@bbb.example.org/".to_string(),
            "javascript:alert(1)".to_string(),
            "data:text/html,<script>x</script>".to_string(),
            "file:///C:/Windows/win.ini".to_string(),
            "sprechzimmer://join?v=1".to_string(),
            "not a url".to_string(),
            // The app's own page and its signals are for the top frame only.
            format!("{host}/jitsi?n=1"),
            format!("{host}/signal/left"),
        ] {
            assert!(!frame_may_navigate(&bad, &allowed, rules), "{bad}");
        }
    }

    #[test]
    fn frame_media_by_its_own_origin() {
        let (allowed, rules) = (hosts(), UrlRules::default());
        assert!(frame_gets_media(true, "https://bbb.example.org/", &allowed, rules));
        assert!(frame_gets_media(true, "https://x.meet.example.net", &allowed, rules));
        assert!(!frame_gets_media(false, "https://bbb.example.org/", &allowed, rules), "only camera and microphone");
        for bad in ["https://ads.example/", "http://bbb.example.org/", "null", "", "about:blank"] {
            assert!(!frame_gets_media(true, bad, &allowed, rules), "{bad}");
        }
        assert!(!frame_gets_media(true, &format!("{}/jitsi?n=1", jitsi::host_base()), &allowed, rules));
    }

    #[test]
    fn runtime_probe() {
        assert_eq!(Runtime::from_probe(Ok("131.0.2903.70".into())), Runtime::Present("131.0.2903.70".into()));
        assert_eq!(Runtime::from_probe(Ok("  ".into())), Runtime::Missing);
        assert_eq!(Runtime::from_probe(Err(())), Runtime::Missing);
    }
}
