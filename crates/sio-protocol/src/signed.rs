//! The envelope of a signed document: the document in the clear plus a detached CMS.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::canonical::{canonical_bytes, canonical_json};
use crate::error::ProtocolError;

/// A document with legal weight and its signature.
///
/// `cms` is a DER CMS `SignedData` (RFC 5652), base64 (standard alphabet, padded), **detached**:
/// its encapsulated content is absent and its signatures cover the canonical bytes
/// ([`crate::canonical`]) of `document`. HR applications carry two `SignerInfo`s in one
/// `SignedData`. `openssl cms -verify -binary -content doc.json -inform DER` verifies it when
/// `doc.json` holds the canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[schemars(rename = "Signed{T}")]
pub struct Signed<T> {
    /// The document, as JSON.
    pub document: T,
    /// Base64 DER of the detached CMS SignedData over the canonical bytes of `document`.
    pub cms: String,
}

/// A document type with a fixed `doc` identifier.
pub trait Document: Serialize + DeserializeOwned {
    /// The value of the `doc` member, e.g. `sio.login/v1`.
    const DOC_TYPE: &'static str;
}

impl<T: Document> Signed<T> {
    /// Canonical bytes the client signs (and the gateway verifies).
    pub fn canonical_bytes(document: &T) -> Result<Vec<u8>, ProtocolError> {
        Ok(canonical_bytes(document)?)
    }

    /// Wrap a document and the DER of its detached CMS.
    pub fn new(document: T, cms_der: &[u8]) -> Self {
        Self {
            document,
            cms: STANDARD.encode(cms_der),
        }
    }
}

/// A signed envelope as received, before the document is trusted: what the gateway verifies.
#[derive(Debug, Clone)]
pub struct ReceivedSigned {
    /// The canonical bytes of the document as it arrived.
    pub canonical: Vec<u8>,
    /// DER of the CMS.
    pub cms_der: Vec<u8>,
    document: Value,
}

impl ReceivedSigned {
    /// Decode an envelope from a request body.
    pub fn from_body(body: &[u8]) -> Result<Self, ProtocolError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            document: Value,
            cms: String,
        }
        let raw: Raw = serde_json::from_slice(body)
            .map_err(|e| ProtocolError::MalformedJson(e.to_string()))?;
        if !raw.document.is_object() {
            return Err(ProtocolError::MalformedJson(
                "document must be an object".into(),
            ));
        }
        let canonical = canonical_json(&raw.document)?;
        let cms_der = STANDARD
            .decode(raw.cms.trim())
            .map_err(|_| ProtocolError::BadBase64)?;
        Ok(Self {
            canonical,
            cms_der,
            document: raw.document,
        })
    }

    /// The `doc` member, if any.
    pub fn doc_type(&self) -> Option<&str> {
        self.document.get("doc").and_then(Value::as_str)
    }

    /// Parse the typed document (call after the signature has been verified).
    pub fn parse<T: Document>(&self) -> Result<T, ProtocolError> {
        if self.doc_type() != Some(T::DOC_TYPE) {
            return Err(ProtocolError::WrongDocumentType {
                expected: T::DOC_TYPE,
            });
        }
        serde_json::from_value(self.document.clone())
            .map_err(|e| ProtocolError::MalformedJson(e.to_string()))
    }
}
