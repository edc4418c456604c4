//! Errors of the diagnosis itself (the findings are report items, not errors).

/// What can stop the diagnosis or the start guard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkstationError {
    /// A policy or profile file could not be read.
    #[error("cannot read {path}: {source}")]
    ConfigRead {
        /// The file.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A policy or profile file is not valid.
    #[error("{path} is not valid: {detail}")]
    ConfigInvalid {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The start guard found a way to other networks and the policy says refuse.
    #[error("this workstation has access to other networks: {findings}")]
    InternetAccess {
        /// What was found.
        findings: String,
    },
}

impl WorkstationError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ConfigRead { .. } => "WS_CONFIG_READ",
            Self::ConfigInvalid { .. } => "WS_CONFIG_INVALID",
            Self::InternetAccess { .. } => "WS_INTERNET_ACCESS",
        }
    }
}
