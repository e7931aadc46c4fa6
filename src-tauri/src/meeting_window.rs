//! The meeting window: an untrusted remote page in its own webview, built
//! inside the meeting-view process (`meeting_host`), which runs no app
//! command at all. Its browsing data is private to the session; it stays on
//! the organisation's hosts; downloads are refused; camera, microphone and
//! screen go to the meeting origin only.

use tauri::webview::{DownloadEvent, NewWindowResponse, PageLoadEvent, PermissionKind, PermissionResponse};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use url::Url;

use crate::engine::{Input, Sink};
use crate::hosts;
use crate::navigation::{classify, Nav, ViewKind};
use crate::provider::jitsi;

pub const LABEL: &str = "meeting";

/// Camera, microphone and screen, for the meeting only; nothing else
/// (location, notifications, clipboard) at all. The meeting is a page on an
/// allowed meeting host (BigBlueButton), or our Jitsi host page, whose CSP
/// admits frames from the meeting origin only — the request comes from that
/// frame.
/// Nothing while the window is still hidden: a page that never reaches the
/// client stage (an error, a redirect chain) gets no media behind the
/// client's back.
/// `device_check`: the view shows the device check, whose page (and only
/// there) gets camera and microphone, never the screen.
pub fn grant(kind: PermissionKind, page: &Url, allowed: &[hosts::HostPattern], rules: hosts::UrlRules, shown: bool, device_check: bool) -> bool {
    let media = matches!(kind, PermissionKind::Camera | PermissionKind::Microphone | PermissionKind::DisplayCapture);
    let view = if device_check { ViewKind::DeviceCheck } else { ViewKind::Meeting };
    let meeting_page = match classify(page, allowed, rules, view) {
        // The app's own page of this view: the Jitsi host page, or the
        // check's, which never gets the screen.
        Nav::Allow if jitsi::is_host_url(page) => !(device_check && matches!(kind, PermissionKind::DisplayCapture)),
        Nav::Allow => matches!(page.scheme(), "https" | "http"),
        _ => false,
    };
    shown && media && meeting_page
}

/// Opens the meeting on `entry`. What the window sees goes into `sink`.
/// `device_check`: the view shows the device check, the app's own page: at
/// once (a meeting is shown once its client loads), and the check's page
/// is reachable in this view only.
#[allow(clippy::too_many_arguments)]
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    device_check: bool,
    allowed_hosts: &[hosts::HostPattern],
    data_dir: std::path::PathBuf,
    title: &str,
    entry: Url,
    rules: hosts::UrlRules,
    proxy: Option<Url>,
    sink: Sink,
) -> tauri::Result<tauri::WebviewWindow<R>> {
    if let Some(old) = app.get_webview_window(LABEL) {
        let _ = old.destroy();
    }
    let allowed = allowed_hosts.to_vec();
    let perm_allowed = allowed_hosts.to_vec();
    let (nav_sink, load_sink, window_sink, newwin_sink) = (sink.clone(), sink.clone(), sink.clone(), sink);
    let view = if device_check { ViewKind::DeviceCheck } else { ViewKind::Meeting };

    let mut builder = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::External(entry));
    if let Some(proxy) = proxy {
        builder = builder.proxy_url(proxy);
    }
    let window = builder
        .title(title)
        .inner_size(1100.0, 760.0)
        .min_inner_size(640.0, 480.0)
        // Shown once the meeting client loads, so a raw XML error never is.
        .visible(device_check)
        // Ephemeral on Linux and macOS; on Windows InPrivate still needs a
        // folder, which lives in the session folder and is wiped with it.
        .incognito(true)
        .data_directory(data_dir)
        .on_navigation(move |url| match classify(url, &allowed, rules, view) {
            Nav::Signal(signal) => {
                nav_sink(Input::Signal(signal));
                false
            }
            Nav::Allow => true,
            Nav::Outside => {
                nav_sink(Input::LeftHosts(url.clone()));
                false
            }
            Nav::Block => {
                // The app's own scheme is no other program's (a page of the
                // other view, refused here).
                if hosts::is_for_another_program(url) && !jitsi::is_host_url(url) {
                    nav_sink(Input::Offer(url.clone()));
                }
                false
            }
        })
        .on_page_load(move |_w, payload| {
            if payload.event() == PageLoadEvent::Finished {
                load_sink(Input::PageLoaded(payload.url().clone()));
            }
        })
        .on_new_window(move |url, _features| {
            newwin_sink(Input::Offer(url));
            NewWindowResponse::Deny
        })
        .on_download(|_webview, event| !matches!(event, DownloadEvent::Requested { .. }))
        .on_permission_request(move |webview, kind| {
            // Allow explicitly: WebKitGTK's default answer is "deny".
            let shown = webview.window().is_visible().unwrap_or(false);
            match webview.url() {
                Ok(page) if grant(kind, &page, &perm_allowed, rules, shown, device_check) => PermissionResponse::Allow,
                _ => PermissionResponse::Deny,
            }
        })
        .build()?;

    // WebView2 raises the main guard for the top frame only; frames get the
    // same host rule and their own permission check (see webview2.rs). The
    // device check's page has no frames (its CSP allows none) and asks for
    // the devices itself, which that check refuses to the app's own scheme.
    #[cfg(windows)]
    if !device_check {
        let (allowed, rules) = (allowed_hosts.to_vec(), rules);
        window.with_webview(move |wv| {
            // SAFETY: the controller belongs to this live webview.
            let hooked = unsafe { wv.controller().CoreWebView2() }.and_then(|core| crate::webview2::guard_frames(&core, allowed, rules));
            if hooked.is_err() {
                log::warn!("meeting window: frame guard not installed");
            }
        })?;
    }

    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            // The app ends the session, then closes this window the clean
            // way (hang up, clear, wait for the browser process).
            api.prevent_close();
            window_sink(Input::Closed);
        }
    });
    Ok(window)
}

pub fn reveal<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(LABEL) {
        if !w.is_visible().unwrap_or(true) {
            let _ = w.show();
            let _ = w.set_focus();
        }
    }
}

pub fn focus<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(LABEL) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

pub fn is_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(LABEL).is_some_and(|w| w.is_focused().unwrap_or(false))
}

/// The counsellor's Jitsi view ends the conference for everyone.
pub fn end_conference<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(LABEL) {
        let _ = w.eval("window.sprechzimmerEndConference && window.sprechzimmerEndConference()");
    }
}

/// Clears the meeting webview's browsing data, then destroys the window.
/// Returns whether the clear call succeeded (or there was no window left).
pub fn close_and_clear<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(w) = app.get_webview_window(LABEL) else { return true };
    // Jitsi: hang up properly first, so the others see the client leave.
    let _ = w.eval("window.sprechzimmerHangup && window.sprechzimmerHangup()");
    let cleared = match w.clear_all_browsing_data() {
        Ok(()) => true,
        Err(e) => {
            log::warn!("meeting window: browsing data not cleared ({e})");
            false
        }
    };
    // WebView2 lets go of the session's folder only once its browser
    // process has exited: wait for that (5 s at most) before the app wipes.
    #[cfg(windows)]
    let browser_exited = {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let _ = w.with_webview(move |wv| {
            // SAFETY: the controller belongs to this live webview.
            if let Ok(core) = unsafe { wv.controller().CoreWebView2() } {
                let _ = crate::webview2::on_browser_exit(
                    &core,
                    Box::new(move || {
                        let _ = tx.send(());
                    }),
                );
            }
        });
        rx
    };
    let _ = w.destroy();
    #[cfg(windows)]
    if browser_exited.recv_timeout(std::time::Duration::from_secs(5)).is_err() {
        log::warn!("meeting window: WebView2's browser process did not report its exit");
    }
    cleared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_only_for_the_meeting_host() {
        let allowed = vec![hosts::HostPattern::parse("bbb.example.org").unwrap()];
        let rules = hosts::UrlRules::default();
        let meeting = Url::parse("https://bbb.example.org/html5client/join").unwrap();
        let other = Url::parse("https://evil.example/").unwrap();
        let plain = Url::parse("http://bbb.example.org/html5client/join").unwrap();
        for kind in [PermissionKind::Camera, PermissionKind::Microphone, PermissionKind::DisplayCapture] {
            assert!(grant(kind, &meeting, &allowed, rules, true, false));
            assert!(!grant(kind, &other, &allowed, rules, true, false));
            assert!(!grant(kind, &plain, &allowed, rules, true, false), "not over plain http");
        }
        for kind in [PermissionKind::Geolocation, PermissionKind::Notifications, PermissionKind::ClipboardRead] {
            assert!(!grant(kind, &meeting, &allowed, rules, true, false));
        }
        // Jitsi: the request reaches us with our host page as the top page.
        let host = Url::parse(&format!("{}/jitsi?n=1", jitsi::host_base())).unwrap();
        assert!(grant(PermissionKind::Microphone, &host, &allowed, rules, true, false));
        assert!(!grant(PermissionKind::Geolocation, &host, &allowed, rules, true, false));
        let signal = Url::parse(&format!("{}/signal/left", jitsi::host_base())).unwrap();
        assert!(!grant(PermissionKind::Camera, &signal, &allowed, rules, true, false));
        assert!(!grant(PermissionKind::Camera, &Url::parse("about:blank").unwrap(), &allowed, rules, true, false));
        // The device check's page: camera and microphone, never the screen.
        let check = crate::device_check::embedded_url("n");
        assert!(grant(PermissionKind::Camera, &check, &allowed, rules, true, true));
        assert!(grant(PermissionKind::Microphone, &check, &allowed, rules, true, true));
        assert!(!grant(PermissionKind::DisplayCapture, &check, &allowed, rules, true, true));
        assert!(!grant(PermissionKind::Geolocation, &check, &allowed, rules, true, true));
        assert!(!grant(PermissionKind::Camera, &check, &allowed, rules, false, true), "not while hidden");
        assert!(!grant(PermissionKind::Camera, &check, &allowed, rules, true, false), "in a check's view only, never a meeting's");
        // Still hidden: nothing, not even for the meeting itself.
        for kind in [PermissionKind::Camera, PermissionKind::Microphone, PermissionKind::DisplayCapture] {
            assert!(!grant(kind, &meeting, &allowed, rules, false, false));
            assert!(!grant(kind, &host, &allowed, rules, false, false));
        }
    }
}
