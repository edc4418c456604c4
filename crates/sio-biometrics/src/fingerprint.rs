//! Fingerprint through the OS biometric stack (fprintd over D-Bus on Linux).
