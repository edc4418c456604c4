//! The one error type of the GOST crate, with stable codes (docs/failure-codes.md, "GOST").

/// Why a GOST operation failed. Callers in sio-sign, sio-token and sio-pki map it onto their own
/// errors; the code is stable and listed in docs/failure-codes.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GostError {
    /// A public or private key of the wrong length, a point not on the curve, a scalar out of range.
    #[error("not a valid GOST R 34.10-2012 key for this parameter set")]
    KeyInvalid,
    /// A signature of the wrong length for the curve.
    #[error("a GOST R 34.10-2012 signature of the wrong length")]
    SignatureMalformed,
    /// The signature does not verify with the key over the message.
    #[error("the GOST R 34.10-2012 signature does not verify")]
    BadSignature,
    /// A key OID or parameter set that is not GOST R 34.10-2012 or names no curve we know.
    #[error("not a known GOST R 34.10-2012 key algorithm or parameter set")]
    UnknownParameterSet,
    /// The system's random number generator failed while signing or generating a key.
    #[error("the system random number generator failed")]
    Random,
}

sio_error::coded! {
    GostError, default DoNotTrust;
    Self::KeyInvalid => "GOST_KEY_INVALID",
    Self::SignatureMalformed => "GOST_SIGNATURE_MALFORMED",
    Self::BadSignature => "GOST_BAD_SIGNATURE",
    Self::UnknownParameterSet => "GOST_UNKNOWN_PARAMETER_SET" [FixInput],
    Self::Random => "GOST_RANDOM_FAILED" [Helpdesk],
}
