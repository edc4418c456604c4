//! The diagnosis saved to a file for the helpdesk (issue 19 item 9). The backend runs the checks
//! itself and writes what they found (the webview does not download files): to the user's
//! downloads folder (`XDG_DOWNLOAD_DIR`, else `~/Downloads`), as `sio-diagnosis-<time>.json`.
//! Nothing from the UI is written, so the command cannot be used to put other content on disk.

use std::path::PathBuf;

use crate::app::App;
use crate::error::{ErrorBody, app};

fn downloads() -> Option<PathBuf> {
    std::env::var_os("XDG_DOWNLOAD_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Downloads")))
}

impl App {
    /// `save_diagnosis`: run the diagnosis, save it as JSON; answers the file's path.
    pub async fn save_diagnosis(&self) -> Result<String, ErrorBody> {
        let report = self.diagnose().await?;
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| app("APP_INTERNAL", e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let dir = downloads().ok_or_else(|| {
                app(
                    "APP_DIAGNOSIS_NOT_SAVED",
                    "no home or downloads folder to save the diagnosis in",
                )
            })?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| app("APP_DIAGNOSIS_NOT_SAVED", format!("{}: {e}", dir.display())))?;
            let name = format!(
                "sio-diagnosis-{}.json",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            );
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| {
                app(
                    "APP_DIAGNOSIS_NOT_SAVED",
                    format!("{}: {e}", path.display()),
                )
            })?;
            Ok(path.display().to_string())
        })
        .await
        .map_err(|e| app("APP_INTERNAL", e.to_string()))?
    }
}
