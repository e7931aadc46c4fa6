//! The app's own window: the UI's pages only, never navigated away, no
//! downloads, no permissions. What closing it means is the root's call
//! (`lib.rs` registers [`OnClose`] and [`Renewal`]), so this module depends
//! on no other.

use std::sync::{Mutex, MutexGuard};

use tauri::webview::{NewWindowResponse, PermissionResponse};
use tauri::{AppHandle, CloseRequestApi, Emitter, Manager, PhysicalPosition, PhysicalSize, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::ipc::events;
use crate::wipe::Paths;

pub const MAIN_WINDOW: &str = "main";

/// What happens when the user closes the window (set once at start).
pub struct OnClose<R: Runtime>(pub fn(&AppHandle<R>, &CloseRequestApi));

pub fn is_app_url(url: &url::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// The app's window, on `screen` (`#counsellor`, `#settings`) if given.
pub fn open<R: Runtime>(app: &AppHandle<R>, screen: Option<&str>) -> tauri::Result<WebviewWindow<R>> {
    build(app, screen, None)
}

/// Builds the window; with `place`, hidden until it stands where the one it
/// replaces stood (no jump).
fn build<R: Runtime>(app: &AppHandle<R>, screen: Option<&str>, place: Option<&Place>) -> tauri::Result<WebviewWindow<R>> {
    let data_dir = app.state::<Paths>().ui_webview();
    let page = match screen {
        Some(s) => format!("index.html#{s}"),
        None => "index.html".to_string(),
    };
    let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App(page.into()))
        .title("Sprechzimmer")
        .inner_size(760.0, 820.0)
        .min_inner_size(520.0, 600.0)
        .data_directory(data_dir)
        // The app's own pages only: nothing can navigate this window away.
        .on_navigation(is_app_url)
        .on_new_window(|_, _| NewWindowResponse::Deny)
        .on_download(|_, _| false)
        .on_permission_request(|_, _| PermissionResponse::Deny)
        .visible(place.is_none())
        .build()?;
    // The app's own pages need none of a browser's memory caches (WebKit's
    // default model keeps decoded pages and resources around): a counsellor
    // keeps this window all day.
    #[cfg(target_os = "linux")]
    window.with_webview(|wv| {
        use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
        if let Some(ctx) = wv.inner().context() {
            ctx.set_cache_model(CacheModel::DocumentViewer);
        }
    })?;
    let app = app.clone();
    let window_events = window.clone();
    window_events.on_window_event(move |event| match event {
        tauri::WindowEvent::CloseRequested { api, .. } => {
            if let Some(on_close) = app.try_state::<OnClose<R>>() {
                (on_close.0)(&app, api);
            }
        }
        tauri::WindowEvent::Destroyed => renew(&app),
        _ => {}
    });
    if let Some(place) = place {
        if let (Some(size), Some(position)) = (place.size, place.position) {
            let _ = window.set_size(size);
            let _ = window.set_position(position);
        }
        if place.maximized {
            let _ = window.maximize();
        }
        window.show()?;
        let _ = window.set_focus();
    }
    Ok(window)
}

/// A window being rebuilt ([`start_over`]), and what to do if the new one
/// cannot open. While one is pending the app has no window on purpose and
/// must not exit.
pub struct Renewal<R: Runtime> {
    pending: Mutex<Option<Pending>>,
    failed: fn(&AppHandle<R>),
}

#[derive(Clone)]
struct Pending {
    screen: Option<String>,
    place: Place,
}

/// Where the old window stood, for the one that replaces it.
#[derive(Clone)]
struct Place {
    position: Option<PhysicalPosition<i32>>,
    size: Option<PhysicalSize<u32>>,
    maximized: bool,
}

impl Place {
    fn of<R: Runtime>(window: &WebviewWindow<R>) -> Place {
        Place { position: window.outer_position().ok(), size: window.inner_size().ok(), maximized: window.is_maximized().unwrap_or(false) }
    }
}

impl<R: Runtime> Renewal<R> {
    pub fn new(failed: fn(&AppHandle<R>)) -> Self {
        Renewal { pending: Mutex::new(None), failed }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether the window is being rebuilt (the root then keeps the app alive).
pub fn renewing<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Renewal<R>>().is_some_and(|r| r.slot().is_some())
}

/// The window starts over on `screen` with a new webview: the old one goes,
/// and with it its web process and all the page held and grew. A reload
/// would not do: it keeps the web process, and WebKit hands little of a
/// process's heap back. The new window takes the old one's place and size.
///
/// Linux only (that is where it was measured, docs/architecture.md); `false`
/// elsewhere, where the page reloads itself instead: a WebDriver session on
/// WebView2 is bound to the webview it attached to.
pub fn start_over<R: Runtime>(window: &WebviewWindow<R>, screen: Option<&str>) -> bool {
    if !cfg!(target_os = "linux") || window.label() != MAIN_WINDOW {
        return false;
    }
    let Some(renewal) = window.try_state::<Renewal<R>>() else { return false };
    {
        let mut slot = renewal.slot();
        if slot.is_some() {
            // Already under way (a second click on "done").
            return true;
        }
        *slot = Some(Pending { screen: screen.map(str::to_string), place: Place::of(window) });
    }
    if let Err(e) = window.destroy() {
        log::warn!("app window: {e}");
        *renewal.slot() = None;
        return false;
    }
    true
}

/// The window given up while a meeting runs in the fallback browser (the
/// engine's `ReleaseWindow`): with it go its web and network processes. A
/// native status window stands in (`present` shows it) until [`restore`].
pub struct Released<R: Runtime> {
    place: Mutex<Option<Place>>,
    present: fn(&AppHandle<R>),
}

impl<R: Runtime> Released<R> {
    pub fn new(present: fn(&AppHandle<R>)) -> Self {
        Released { place: Mutex::new(None), present }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Place>> {
        self.place.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether the window stands released (the root then keeps the app alive).
pub fn released<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Released<R>>().is_some_and(|r| r.slot().is_some())
}

/// Gives the window up, remembering where it stood. On the main thread.
/// `false` if there was none to give up.
pub fn release<R: Runtime>(app: &AppHandle<R>) -> bool {
    let (Some(window), Some(released)) = (app.get_webview_window(MAIN_WINDOW), app.try_state::<Released<R>>()) else { return false };
    *released.slot() = Some(Place::of(&window));
    if let Err(e) = window.destroy() {
        log::warn!("app window: {e}");
        *released.slot() = None;
        return false;
    }
    true
}

/// The released window again, where it stood, on the first screen (the
/// page picks up what it should show); a new one if there was none. On the
/// main thread. Should it fail, as if the window had been lost.
pub fn restore<R: Runtime>(app: &AppHandle<R>) {
    restore_within(app, 100);
}

fn restore_within<R: Runtime>(app: &AppHandle<R>, turns: u32) {
    let released = app.try_state::<Released<R>>().is_some_and(|r| r.slot().is_some());
    if app.get_webview_window(MAIN_WINDOW).is_some() {
        // A released window whose destruction is still queued (the session
        // ended at once): after it. Anything else is a window to keep.
        if released && turns > 0 {
            let app2 = app.clone();
            let _ = app.run_on_main_thread(move || restore_within(&app2, turns - 1));
        }
        return;
    }
    let place = app.try_state::<Released<R>>().and_then(|r| r.slot().take());
    if let Err(e) = build(app, None, place.as_ref()) {
        log::warn!("app window: {e}");
        if let Some(renewal) = app.try_state::<Renewal<R>>() {
            (renewal.failed)(app);
        }
    }
}

/// The old window is gone: the new one, on the next turn of the loop (when
/// the label is free again).
fn renew<R: Runtime>(app: &AppHandle<R>) {
    if !renewing(app) {
        return;
    }
    let app = app.clone();
    let _ = app.clone().run_on_main_thread(move || {
        let renewal = app.state::<Renewal<R>>();
        let Some(pending) = renewal.slot().clone() else { return };
        // `show` waits for a pending renewal, so nothing else builds this
        // window meanwhile; should something have, that one stays.
        let opened = match app.get_webview_window(MAIN_WINDOW) {
            Some(window) => Ok(window),
            None => build(&app, pending.screen.as_deref(), Some(&pending.place)),
        };
        *renewal.slot() = None;
        if let Err(e) = opened {
            log::warn!("app window: {e}");
            (renewal.failed)(&app);
        }
    });
}

/// The user's zoom of the app's window (Ctrl and +/-), for as long as the
/// app runs: a rebuilt window keeps it. In memory only.
pub struct Zoom(Mutex<f64>);

impl Default for Zoom {
    fn default() -> Self {
        Zoom(Mutex::new(1.0))
    }
}

impl Zoom {
    /// A bound on what a page may store, not the UI's steps (70–200 %,
    /// `ui/app.js`): wider, so that a change of those needs no change here.
    pub const RANGE: std::ops::RangeInclusive<f64> = 0.5..=3.0;

    pub fn get(&self) -> f64 {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Kept within [`Zoom::RANGE`]; anything that is not a number is ignored.
    pub fn set(&self, zoom: f64) {
        if zoom.is_finite() {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = zoom.clamp(*Self::RANGE.start(), *Self::RANGE.end());
        }
    }
}

/// Shows the app window, on `screen` if given (otherwise as it is),
/// building the window if it was closed.
pub fn show<R: Runtime>(app: &AppHandle<R>, screen: Option<&'static str>) {
    if let Some(renewal) = app.try_state::<Renewal<R>>() {
        if let Some(pending) = renewal.slot().as_mut() {
            // The window is being rebuilt: the new one opens on this screen.
            if let Some(screen) = screen {
                pending.screen = Some(screen.to_string());
            }
            return;
        }
    }
    if let Some(released) = app.try_state::<Released<R>>() {
        if released.slot().is_some() {
            // The meeting runs in the browser: its status window stands in.
            (released.present)(app);
            return;
        }
    }
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        if let Some(screen) = screen {
            let _ = app.emit_to(MAIN_WINDOW, events::SHOW, screen);
        }
        return;
    }
    let app = app.clone();
    // Window creation belongs on the main thread's loop, not in a menu callback.
    let _ = app.clone().run_on_main_thread(move || {
        if let Err(e) = open(&app, screen) {
            log::warn!("app window: {e}");
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_app_pages_are_the_app() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(super::is_app_url(&u("tauri://localhost/index.html")));
        assert!(super::is_app_url(&u("http://tauri.localhost/index.html")));
        assert!(!super::is_app_url(&u("https://bbb.example.org/")));
        assert!(!super::is_app_url(&u("tauri://evil/")));
        assert!(!super::is_app_url(&u("file:///etc/passwd")));
    }

    #[test]
    fn the_zoom_stays_within_its_range() {
        let z = super::Zoom::default();
        assert_eq!(z.get(), 1.0);
        z.set(1.3);
        assert_eq!(z.get(), 1.3);
        z.set(40.0);
        assert_eq!(z.get(), 3.0);
        z.set(f64::NAN);
        assert_eq!(z.get(), 3.0);
        z.set(-1.0);
        assert_eq!(z.get(), 0.5);
    }
}
