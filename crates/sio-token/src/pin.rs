//! The PIN as a secret: zeroized on drop, never printed, never serialised, never cached.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::TokenError;

/// A user PIN. `Debug` prints `<redacted>`; there is no `Clone`, no `Display`, no serialisation.
///
/// Operations that need it take it by value and drop it when done, so a PIN lives for one operation.
pub struct Pin(SecretString);

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl Pin {
    /// Longest PIN accepted by any path (PKCS#11 modules allow long ones).
    pub const MAX_LEN: usize = 64;

    /// Wrap a PIN typed by the user. Refuses an empty PIN, one longer than [`Pin::MAX_LEN`] bytes,
    /// and control characters. The caller's `String` is moved in and zeroized with the secret.
    pub fn new(pin: String) -> Result<Self, TokenError> {
        let secret = SecretString::from(pin);
        let s = secret.expose_secret();
        if s.is_empty() {
            return Err(TokenError::PinFormat {
                reason: "the PIN is empty",
            });
        }
        if s.len() > Self::MAX_LEN {
            return Err(TokenError::PinFormat {
                reason: "the PIN is too long",
            });
        }
        if s.chars().any(char::is_control) {
            return Err(TokenError::PinFormat {
                reason: "the PIN contains control characters",
            });
        }
        Ok(Self(secret))
    }

    /// The PIN as PIV wants it in VERIFY: 6 to 8 bytes padded with FF to 8 (SP 800-73-4 §3.2.1).
    pub(crate) fn piv_block(&self) -> Result<Zeroizing<Vec<u8>>, TokenError> {
        let bytes = self.0.expose_secret().as_bytes();
        if !(6..=8).contains(&bytes.len()) {
            return Err(TokenError::PinFormat {
                reason: "a PIV PIN has 6 to 8 characters",
            });
        }
        let mut block = Zeroizing::new(vec![0xFF; 8]);
        block[..bytes.len()].copy_from_slice(bytes);
        Ok(block)
    }

    /// The PIN as cryptoki takes it (a second zeroizing copy that dies with the call).
    pub(crate) fn to_auth_pin(&self) -> cryptoki::types::AuthPin {
        cryptoki::types::AuthPin::from(self.0.expose_secret().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let pin = Pin::new("123456".into()).expect("valid");
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
    }

    #[test]
    fn piv_padding() {
        let pin = Pin::new("123456".into()).expect("valid");
        assert_eq!(
            pin.piv_block().expect("6 digits").as_slice(),
            b"123456\xFF\xFF"
        );
        assert!(
            Pin::new("12345".into())
                .expect("valid")
                .piv_block()
                .is_err()
        );
        assert!(Pin::new(String::new()).is_err());
        assert!(Pin::new("12\n456".into()).is_err());
    }
}
