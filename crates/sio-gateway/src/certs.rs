//! Certificate helpers (the parsing itself is sio-sign's `CertSummary`).

use ring::digest;

/// SHA-256 of bytes, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}

/// The TLS client certificate of a connection (already verified by rustls: chain, validity, CRL).
#[derive(Debug, Clone)]
pub(crate) struct PeerCert {
    /// SHA-256 of the DER, lowercase hex.
    pub(crate) sha256: String,
    /// ИИН from SERIALNUMBER=IIN…, when the certificate is a personal one.
    pub(crate) iin: Option<String>,
}

impl PeerCert {
    pub(crate) fn from_der(der: &[u8]) -> Self {
        Self {
            sha256: sha256_hex(der),
            iin: sio_sign::CertSummary::from_der(der)
                .ok()
                .and_then(|s| s.iin),
        }
    }
}
