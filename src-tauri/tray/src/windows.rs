//! The tray on Windows: the notification area through Win32 (`tray-icon`,
//! the crate Tauri's own tray uses), with a plain message loop.

use std::sync::mpsc;

use sprechzimmer_core::agent::{Leaving, Listener};
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use windows_sys::Win32::System::Threading::GetCurrentThreadId;
use windows_sys::Win32::UI::WindowsAndMessaging::{DispatchMessageW, GetMessageW, PostThreadMessageW, TranslateMessage, MSG, WM_QUIT};

use crate::menu::{Action, Entries};

pub fn run(entries: Entries, listener: Listener) {
    let menu = Menu::new();
    let item = |a: Action| MenuItem::with_id(a.id(), entries.label(a), true, None);
    let built = menu
        .append_items(&[&item(Action::Start), &PredefinedMenuItem::separator(), &item(Action::Open), &item(Action::Settings), &item(Action::Quit)])
        .map_err(|e| e.to_string())
        .and_then(|()| {
            let icon = crate::icon::app();
            let icon = tray_icon::Icon::from_rgba(icon.pixels, icon.width, icon.height).map_err(|e| e.to_string())?;
            TrayIconBuilder::new()
                .with_id(sprechzimmer_core::APP_ID)
                .with_menu(Box::new(menu))
                .with_tooltip("Sprechzimmer")
                .with_icon(icon)
                .with_menu_on_left_click(false)
                .build()
                .map_err(|e| e.to_string())
        });
    let tray = match built {
        Ok(t) => t,
        Err(e) => {
            log::warn!("tray agent: no tray ({e})");
            std::process::exit(1);
        }
    };
    log::info!("tray agent: in the tray, without a window");

    // SAFETY: no preconditions.
    let me = unsafe { GetCurrentThreadId() };
    let (leave_tx, leave_rx) = mpsc::channel::<Leaving>();
    std::thread::spawn(move || {
        let leaving = listener.wait();
        let _ = leave_tx.send(leaving);
        // SAFETY: posting to this process's own UI thread.
        unsafe { PostThreadMessageW(me, WM_QUIT, 0, 0) };
        // The named events live as long as the listener: until exit.
        std::mem::forget(listener);
    });

    let mut msg: MSG = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: the standard message loop on this thread's queue.
        let got = unsafe { GetMessageW(&mut msg, std::ptr::null_mut(), 0, 0) };
        if got <= 0 {
            break;
        }
        unsafe {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        while let Ok(e) = MenuEvent::receiver().try_recv() {
            match Action::from_id(e.id().0.as_str()) {
                Some(Action::Quit) => {
                    log::info!("tray agent: quit from the tray");
                    drop(tray);
                    return;
                }
                Some(a) => entries.launch(a),
                None => {}
            }
        }
        while let Ok(e) = TrayIconEvent::receiver().try_recv() {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = e {
                entries.launch(Action::Open);
            }
        }
    }
    // Asked to leave: the icon goes first, then the app hears it is gone.
    drop(tray);
    log::info!("tray agent: the app takes the tray over");
    drop(leave_rx.try_recv());
}
