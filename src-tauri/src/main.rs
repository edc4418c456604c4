//! АРМ СИО ПСО, the desktop application: a thin Tauri v2 shell over `sio-app`.
//!
//! One Tauri command per entry of the contract's command table (declared once in
//! crates/sio-app/src/dispatch.rs; the UI's side is generated into ui/src/lib/types/app.ts), each
//! forwarding its JSON argument object to [`sio_app::App::dispatch`]; events of the application
//! layer go to the window with `emit`. No logic lives here. Configuration: see src-tauri/README.md
//! (`SIO_POLICY`, `SIO_DATA_DIR`, `SIO_KEYSTORE`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::{Arc, OnceLock};

use serde_json::Value;
use sio_app::{App, AppConfig, ErrorBody, EventSink};
use tauri::{Emitter, Manager};

/// Events go to the window once the Tauri app exists.
#[derive(Default)]
struct WindowSink(OnceLock<tauri::AppHandle>);

impl EventSink for WindowSink {
    fn emit(&self, event: &str, payload: Value) {
        if let Some(h) = self.0.get() {
            if let Err(e) = h.emit(event, payload) {
                tracing::warn!(event, error = %e, "event not delivered");
            }
        }
    }
}

/// The argument object of an invocation (`{}` when the UI sent none).
fn payload(request: &tauri::ipc::Request<'_>) -> Value {
    match request.body() {
        tauri::ipc::InvokeBody::Json(v) => v.clone(),
        tauri::ipc::InvokeBody::Raw(_) => Value::Null,
    }
}

/// One Tauri command per contract command, each a plain forward to `App::dispatch`. Called by
/// `sio_app::for_each_command!` with every name of the table.
macro_rules! commands {
    ($($name:ident),* $(,)?) => {
        $(
            #[tauri::command(rename_all = "snake_case")]
            async fn $name(
                app: tauri::State<'_, App>,
                request: tauri::ipc::Request<'_>,
            ) -> Result<Value, ErrorBody> {
                app.dispatch(stringify!($name), payload(&request)).await
            }
        )*
        fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

/// WebKitGTK draws the page without GPU compositing (`HardwareAccelerationPolicy::Never`), unless
/// `SIO_WEBVIEW_ACCELERATION=default` keeps WebKit's own choice. The screens are forms, tables and
/// a PDF on a canvas; on the workstations (often no GPU: Mesa's software GL) compositing holds
/// ~85 MiB more in the web process and starts later (issue 21, docs/PERFORMANCE.md "Desktop start
/// and memory"). Set in `setup`, before the event loop has run, so before the page is loaded.
fn render_in_software(window: &tauri::WebviewWindow) {
    if std::env::var_os("SIO_WEBVIEW_ACCELERATION").is_some_and(|v| v == "default") {
        return;
    }
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }) {
        tracing::warn!(error = %e, "webview settings not applied");
    }
}

// The list is the contract's command table (crates/sio-app/src/dispatch.rs), handed over by
// `sio_app::for_each_command!`: a command added there is registered here without an edit.
sio_app::for_each_command!(commands);

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let sink = Arc::new(WindowSink::default());
    let app = App::new(AppConfig::from_env(), sink.clone());
    let result = tauri::Builder::default()
        .manage(app.clone())
        // The saved language, set before any script of the page runs (sio_app::start_script).
        .plugin(
            tauri::plugin::Builder::<_>::new("sio-start")
                .js_init_script(app.start_script())
                .build(),
        )
        .invoke_handler(handler())
        .setup(move |tauri_app| {
            if let Some(window) = tauri_app.get_webview_window("main") {
                render_in_software(&window);
            }
            let _ = sink.0.set(tauri_app.handle().clone());
            let background = app.clone();
            tauri::async_runtime::spawn(async move { background.run_background().await });
            // The reader watch lives as long as the application.
            tauri_app.manage(app.start_card_watch());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("arm-sio-pso: {e}");
        std::process::exit(1);
    }
}
