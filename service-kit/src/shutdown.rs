//! How a service learns it must stop: [`signal`] resolves on SIGINT (Ctrl-C) or SIGTERM (what
//! `docker stop` and systemd send), and [`on_signal`] turns that into the [`CancellationToken`]
//! every worker listens to, so one signal stops the HTTP server and every loop alike.

use tokio_util::sync::CancellationToken;

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            // Without a SIGTERM handler Ctrl-C still works; never stop on our own.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// A token cancelled when the process receives SIGINT or SIGTERM (spawns the watcher).
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        signal().await;
        cancel.cancel();
    });
    token
}
