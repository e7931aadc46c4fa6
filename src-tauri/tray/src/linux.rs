//! The tray on Linux: a StatusNotifierItem with its menu over D-Bus
//! (`ksni`), what KDE, GNOME's AppIndicator extension, Xfce, Cinnamon and
//! the others show. No GTK: that is most of the memory the full app's tray
//! costs.

use ksni::TrayMethods;
use sprechzimmer_core::agent::Listener;
use tokio::sync::mpsc;

use crate::menu::{Action, Entries};

struct Tray {
    entries: Entries,
    actions: mpsc::UnboundedSender<Action>,
    icon: crate::icon::Rgba,
}

impl ksni::Tray for Tray {
    fn id(&self) -> String {
        sprechzimmer_core::APP_ID.into()
    }

    fn title(&self) -> String {
        "Sprechzimmer".into()
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        // RGBA to ARGB, as the specification has it.
        let data = self.icon.pixels.chunks_exact(4).flat_map(|p| [p[3], p[0], p[1], p[2]]).collect();
        vec![ksni::Icon { width: self.icon.width as i32, height: self.icon.height as i32, data }]
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip { title: "Sprechzimmer".into(), ..Default::default() }
    }

    /// A click on the icon opens the app, as in the full app's tray.
    fn activate(&mut self, _x: i32, _y: i32) {
        let _ = self.actions.send(Action::Open);
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        let item = |a: Action| -> ksni::MenuItem<Self> {
            ksni::menu::StandardItem {
                label: self.entries.label(a).replace('_', "__"),
                activate: Box::new(move |t: &mut Self| {
                    let _ = t.actions.send(a);
                }),
                ..Default::default()
            }
            .into()
        };
        vec![item(Action::Start), ksni::MenuItem::Separator, item(Action::Open), item(Action::Settings), item(Action::Quit)]
    }

    /// A desktop whose tray host goes away and comes back (a restarted
    /// panel) gets the icon again: keep serving.
    fn watcher_offline(&self, _reason: ksni::OfflineReason) -> bool {
        true
    }
}

fn fail(socket: &std::path::Path, e: &dyn std::fmt::Display) -> ! {
    eprintln!("sprechzimmer-tray: {e}");
    let _ = std::fs::remove_file(socket);
    std::process::exit(1);
}

pub fn run(entries: Entries, listener: Listener) {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sprechzimmer-tray: {e}");
            std::process::exit(1);
        }
    };
    let (actions, mut wanted) = mpsc::unbounded_channel();
    let (leave_tx, mut leave) = mpsc::unbounded_channel();
    // The socket goes with the agent however it ends (quit, logout).
    let socket = listener.path().to_path_buf();
    std::thread::spawn(move || {
        let leaving = listener.wait();
        let _ = leave_tx.send((leaving, listener));
    });
    rt.block_on(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
            (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
        else {
            fail(&socket, &"no signal handlers")
        };
        let tray = || Tray { entries: Entries::new(entries.app.clone(), entries.lang), actions: actions.clone(), icon: crate::icon::app() };
        let handle = match tray().spawn().await {
            Ok(h) => h,
            // At login the panel may come up after autostart: register
            // anyway, the host picks the item up when it starts.
            Err(ksni::Error::Watcher(_)) | Err(ksni::Error::WontShow) => {
                log::info!("tray agent: no tray host yet; the icon appears when one starts");
                match tray().assume_sni_available(true).spawn().await {
                    Ok(h) => h,
                    Err(e) => fail(&socket, &e),
                }
            }
            Err(e) => fail(&socket, &e),
        };
        log::info!("tray agent: in the tray, without a window");
        loop {
            tokio::select! {
                Some((leaving, listener)) = leave.recv() => {
                    handle.shutdown().await;
                    log::info!("tray agent: the app takes the tray over");
                    drop(listener);
                    drop(leaving);
                    return;
                }
                Some(a) = wanted.recv() => {
                    if a == Action::Quit {
                        handle.shutdown().await;
                        let _ = std::fs::remove_file(&socket);
                        log::info!("tray agent: quit from the tray");
                        return;
                    }
                    entries.launch(a);
                }
                _ = async { tokio::select! { _ = term.recv() => {}, _ = int.recv() => {}, _ = hup.recv() => {} } } => {
                    handle.shutdown().await;
                    let _ = std::fs::remove_file(&socket);
                    log::info!("tray agent: ended by a signal (logout)");
                    return;
                }
            }
        }
    });
}
