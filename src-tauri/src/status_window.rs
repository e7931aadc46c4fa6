//! The small native window that stands in for the app's window while a
//! client's meeting runs, in the meeting window or the fallback browser
//! ("Beratung läuft – anzeigen / verlassen"). It is plain GTK, with no webview: the app's own
//! window and its web processes are gone meanwhile (issue 15), yet
//! keyboard and screen-reader users still find the way out of the meeting
//! (GTK buttons, read over AT-SPI). It also carries a link the meeting
//! wanted to open, which the app's window would otherwise have offered.
//!
//! What its buttons do is the root's call ([`Actions`], registered by
//! `lib.rs`), so this module depends on no other of the shell. Linux only,
//! where the window is released (`engine::Engine::set_release_window`);
//! elsewhere every function does nothing.

use tauri::{AppHandle, Runtime};

use crate::i18n::{self, Lang};
use crate::ipc::LinkOffer;

/// What the window's buttons and its close button do.
pub struct Actions<R: Runtime> {
    /// Brings the meeting's browser window to the front.
    pub show: fn(&AppHandle<R>),
    /// Leaves the meeting (as "leave" on the app's meeting screen).
    pub leave: fn(&AppHandle<R>),
    /// The window's close button (as closing the app's window).
    pub close: fn(&AppHandle<R>),
    /// Opens a link the meeting offered, in the system browser.
    pub open_link: fn(&AppHandle<R>, &str),
}

/// Opens the status window; `place` says where the session is (a line
/// of the catalogue, in the app's language), `at` where the app's window
/// stood (logical pixels). Call on the main thread.
pub fn open<R: Runtime>(app: &AppHandle<R>, place: &str, at: Option<(i32, i32)>) {
    #[cfg(target_os = "linux")]
    imp::open(app, place, at, i18n::current());
    #[cfg(not(target_os = "linux"))]
    let _ = (app, place, at);
}

/// Brings the status window to the front (the tray's "show", a second
/// start). Call on the main thread.
pub fn present() {
    #[cfg(target_os = "linux")]
    imp::present();
}

/// Hides the window; [`present`] brings it back. Call on the main thread.
pub fn hide() {
    #[cfg(target_os = "linux")]
    imp::hide();
}

/// Offers a link the meeting wanted to open. Call on the main thread.
pub fn offer(offer: &LinkOffer) {
    #[cfg(target_os = "linux")]
    imp::offer(offer);
    #[cfg(not(target_os = "linux"))]
    let _ = offer;
}

/// Says something in the window: a link that could not be opened, a link
/// that arrived while the meeting runs. Call on the main thread.
pub fn notice(text: &str) {
    #[cfg(target_os = "linux")]
    imp::notice(text);
    #[cfg(not(target_os = "linux"))]
    let _ = text;
}

/// Closes the window, if one is open. Call on the main thread.
pub fn close() {
    #[cfg(target_os = "linux")]
    imp::close();
}

/// The window's texts, in `lang`.
/// The buttons say what those of the app's meeting screen say.
pub struct Texts {
    pub title: String,
    pub text: String,
    pub hint: String,
    pub show: String,
    pub leave: String,
    pub link: String,
    pub open_link: String,
    pub ignore_link: String,
}

impl Texts {
    pub fn new(lang: Lang, place: &str) -> Texts {
        Texts {
            title: i18n::t(lang, "status.title"),
            text: place.to_string(),
            hint: i18n::t(lang, "status.hint"),
            show: i18n::t(lang, "meeting.show"),
            leave: i18n::t(lang, "meeting.leave"),
            link: i18n::t(lang, "meeting.external_link"),
            open_link: i18n::t(lang, "meeting.external_open"),
            ignore_link: i18n::t(lang, "meeting.external_ignore"),
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::cell::RefCell;

    use gtk::prelude::*;
    use tauri::{AppHandle, Manager, Runtime};

    use super::{Actions, Texts};
    use crate::i18n::Lang;
    use crate::ipc::LinkOffer;

    struct Status {
        window: gtk::Window,
        notice: gtk::Label,
        offer: gtk::Box,
        offer_url: gtk::Label,
        url: RefCell<Option<String>>,
        open_link: gtk::Button,
    }

    thread_local! {
        // GTK lives on the main thread, and so does this window.
        static CURRENT: RefCell<Option<std::rc::Rc<Status>>> = const { RefCell::new(None) };
        // A notice from before the window was up (the release is queued
        // behind it on the main thread).
        static WAITING: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    fn actions<R: Runtime>(app: &AppHandle<R>) -> Option<tauri::State<'_, Actions<R>>> {
        app.try_state::<Actions<R>>()
    }

    fn current() -> Option<std::rc::Rc<Status>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    fn label(text: &str) -> gtk::Label {
        let l = gtk::Label::new(Some(text));
        l.set_line_wrap(true);
        l.set_max_width_chars(48);
        l.set_xalign(0.0);
        l.set_selectable(false);
        l
    }

    pub fn open<R: Runtime>(app: &AppHandle<R>, place: &str, at: Option<(i32, i32)>, lang: Lang) {
        if current().is_some() {
            present();
            return;
        }
        let texts = Texts::new(lang, place);
        let window = gtk::Window::new(gtk::WindowType::Toplevel);
        window.set_title(&texts.title);
        window.set_resizable(false);
        // The client was just let in: the meeting keeps the focus. The
        // status window is there to be switched to.
        window.set_focus_on_map(false);
        window.set_border_width(18);
        match at {
            Some((x, y)) => window.move_(x, y),
            None => window.set_position(gtk::WindowPosition::Center),
        }
        if let Some(icon) = app.default_window_icon() {
            let (w, h) = (icon.width() as i32, icon.height() as i32);
            let bytes = gtk::glib::Bytes::from(icon.rgba());
            let pixbuf = gtk::gdk_pixbuf::Pixbuf::from_bytes(&bytes, gtk::gdk_pixbuf::Colorspace::Rgb, true, 8, w, h, w * 4);
            window.set_icon(Some(&pixbuf));
        }

        let column = gtk::Box::new(gtk::Orientation::Vertical, 14);
        column.pack_start(&label(&texts.text), false, false, 0);
        column.pack_start(&label(&texts.hint), false, false, 0);

        let buttons = gtk::Box::new(gtk::Orientation::Horizontal, 10);
        let show = gtk::Button::with_label(&texts.show);
        let leave = gtk::Button::with_label(&texts.leave);
        buttons.pack_start(&show, false, false, 0);
        buttons.pack_end(&leave, false, false, 0);
        column.pack_start(&buttons, false, false, 0);
        // What the window has to say: hidden until there is something. An
        // alert, so a screen reader says it when it appears.
        let notice = label("");
        if let Some(a) = notice.accessible() {
            a.set_role(gtk::atk::Role::Alert);
        }
        column.pack_start(&notice, false, false, 0);

        // A link the meeting wanted to open: hidden until there is one.
        let offer = gtk::Box::new(gtk::Orientation::Vertical, 8);
        offer.pack_start(&gtk::Separator::new(gtk::Orientation::Horizontal), false, false, 0);
        offer.pack_start(&label(&texts.link), false, false, 0);
        let offer_url = label("");
        offer_url.set_selectable(true);
        offer.pack_start(&offer_url, false, false, 0);
        let offer_buttons = gtk::Box::new(gtk::Orientation::Horizontal, 10);
        let open_link = gtk::Button::with_label(&texts.open_link);
        let ignore_link = gtk::Button::with_label(&texts.ignore_link);
        offer_buttons.pack_start(&open_link, false, false, 0);
        offer_buttons.pack_start(&ignore_link, false, false, 0);
        offer.pack_start(&offer_buttons, false, false, 0);
        column.pack_start(&offer, false, false, 0);
        window.add(&column);

        let status = std::rc::Rc::new(Status {
            window: window.clone(),
            notice: notice.clone(),
            offer: offer.clone(),
            offer_url,
            url: RefCell::new(None),
            open_link,
        });

        let a = app.clone();
        show.connect_clicked(move |_| {
            if let Some(actions) = actions(&a) {
                (actions.show)(&a);
            }
        });
        let a = app.clone();
        leave.connect_clicked(move |button| {
            // Once: the session's end closes this window.
            button.set_sensitive(false);
            if let Some(actions) = actions(&a) {
                (actions.leave)(&a);
            }
        });
        let (a, s) = (app.clone(), std::rc::Rc::downgrade(&status));
        status.open_link.connect_clicked(move |_| {
            let Some(s) = s.upgrade() else { return };
            let url = s.url.borrow_mut().take();
            s.offer_url.set_text("");
            s.offer.hide();
            // An earlier notice goes; the action may say a new one.
            s.notice.hide();
            if let (Some(url), Some(actions)) = (url, actions(&a)) {
                (actions.open_link)(&a, &url);
            }
        });
        let s = std::rc::Rc::downgrade(&status);
        ignore_link.connect_clicked(move |_| {
            if let Some(s) = s.upgrade() {
                s.url.borrow_mut().take();
                s.offer_url.set_text("");
                s.offer.hide();
            }
        });
        let a = app.clone();
        window.connect_delete_event(move |_, _| {
            if let Some(actions) = actions(&a) {
                (actions.close)(&a);
            }
            // The close action decides whether the window goes.
            gtk::glib::Propagation::Stop
        });

        // The text direction of this window only (the tray's menu keeps its own).
        set_direction(window.upcast_ref(), if lang.is_rtl() { gtk::TextDirection::Rtl } else { gtk::TextDirection::Ltr });
        window.show_all();
        offer.hide();
        notice.hide();
        // Where the keyboard starts once the window is switched to.
        show.grab_focus();
        CURRENT.with(|c| *c.borrow_mut() = Some(status));
        if let Some(text) = WAITING.with(|w| w.borrow_mut().take()) {
            notice_now(&text);
        }
    }

    fn set_direction(widget: &gtk::Widget, direction: gtk::TextDirection) {
        widget.set_direction(direction);
        if let Some(container) = widget.downcast_ref::<gtk::Container>() {
            for child in container.children() {
                set_direction(&child, direction);
            }
        }
    }

    pub fn present() {
        if let Some(s) = current() {
            s.window.set_urgency_hint(false);
            s.window.show();
            s.window.present();
        }
    }

    pub fn hide() {
        if let Some(s) = current() {
            s.window.hide();
        }
    }

    pub fn offer(offer: &LinkOffer) {
        let Some(s) = current() else { return };
        s.notice.hide();
        s.offer_url.set_text(&format!("{} — {}", offer.host, offer.url));
        *s.url.borrow_mut() = Some(offer.url.clone());
        s.offer.show_all();
        // Asked for attention, not given the keyboard: a key meant for the
        // meeting must not open a link the meeting chose.
        s.window.set_urgency_hint(true);
    }

    pub fn notice(text: &str) {
        if current().is_none() {
            WAITING.with(|w| *w.borrow_mut() = Some(text.to_string()));
            return;
        }
        notice_now(text);
    }

    fn notice_now(text: &str) {
        let Some(s) = current() else { return };
        s.notice.set_text(text);
        s.notice.show();
        s.window.set_urgency_hint(true);
    }

    pub fn close() {
        WAITING.with(|w| w.borrow_mut().take());
        if let Some(s) = CURRENT.with(|c| c.borrow_mut().take()) {
            // SAFETY: the thread-local held the only strong reference; the
            // buttons' handlers hold weak ones and check them.
            unsafe { s.window.destroy() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Texts;
    use crate::i18n::Lang;

    #[test]
    fn the_window_speaks_every_language() {
        for lang in Lang::ALL {
            let t = Texts::new(lang, "Die Beratung läuft.");
            assert_eq!(t.text, "Die Beratung läuft.");
            let embedded = crate::i18n::tf(lang, "status.embedded", &[("window", "W")]);
            assert!(embedded.contains('W') && !embedded.contains("{window}"), "{lang:?}: {embedded}");
            for (key, text) in [("status.title", &t.title), ("status.hint", &t.hint), ("meeting.show", &t.show), ("meeting.leave", &t.leave)] {
                assert!(!text.is_empty() && text != key, "{lang:?}: {key}");
            }
        }
    }
}
