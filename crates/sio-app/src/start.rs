//! What the page needs before its first layout (issue 21): the saved language, handed to the
//! webview as an initialisation script so the UI starts in it instead of laying the first screen
//! out in a default language and again when `get_settings` answers.
//!
//! The shell (src-tauri) registers [`App::start_script`] as a webview initialisation script; the
//! webview runs it before any script of the page (it is not a `<script>` element, so the page's
//! CSP, which forbids inline scripts, does not apply to it). It carries the user's settings only
//! — nothing secret, nothing about a session. The UI reads it in `ui/src/lib/i18n/start.ts` and
//! falls back to its default when it is absent (the browser build, tests).

use serde::Serialize;

use crate::App;
use crate::model::{Language, Settings};

/// The global the script sets (`window.__SIO_START__`); `ui/src/lib/i18n/start.ts` reads it.
pub const START_GLOBAL: &str = "__SIO_START__";

/// The start values: the language of the first screen.
#[derive(Serialize)]
struct Start {
    language: Language,
}

/// The initialisation script for `settings`:
/// `window.__SIO_START__ = Object.freeze({"language":"ru"});`. The values are serialised as JSON
/// (a JSON text is a JavaScript expression), never pasted into the script as text.
#[must_use]
pub fn start_script(settings: &Settings) -> String {
    let start = Start {
        language: settings.language,
    };
    // A struct of one enum cannot fail to serialise; `null` would leave the UI's default.
    let json = serde_json::to_string(&start).unwrap_or_else(|_| "null".to_owned());
    format!("window.{START_GLOBAL} = Object.freeze({json});")
}

impl App {
    /// The webview's initialisation script with the saved settings (see the module's notes).
    #[must_use]
    pub fn start_script(&self) -> String {
        start_script(&self.get_settings())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn script_sets_the_language_as_json() {
        for (language, code) in [
            (Language::Kk, "kk"),
            (Language::Ru, "ru"),
            (Language::En, "en"),
        ] {
            let script = start_script(&Settings { language });
            assert_eq!(
                script,
                format!("window.__SIO_START__ = Object.freeze({{\"language\":\"{code}\"}});")
            );
            let json = script
                .strip_prefix("window.__SIO_START__ = Object.freeze(")
                .and_then(|s| s.strip_suffix(");"))
                .unwrap();
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(value, serde_json::json!({ "language": code }));
        }
    }
}
