//! Key recognition: a SubjectPublicKeyInfo (or its AlgorithmIdentifier) → a GOST public key.
//!
//! Key parameters: `SEQUENCE { publicKeyParamSet OID, digestParamSet OID OPTIONAL, ... }`
//! (RFC 4491 §2.3.1, RFC 9215 §4.3); a bare parameter-set OID is taken too. The public key is an
//! OCTET STRING of `X‖Y`, each little-endian, inside the BIT STRING (RFC 4491 §2.3.2,
//! RFC 9215 §4.3).

use const_oid::ObjectIdentifier as Oid;
use der::asn1::OctetStringRef;
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::oid::{self, GostArc};
use crate::{GostCurve, GostError, Streebog};

/// The curve and OID arc of a GOST key, from its AlgorithmIdentifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyParams {
    /// The parameter set.
    pub curve: GostCurve,
    /// The arc of the key's OIDs (TC26 or NCA RK).
    pub arc: GostArc,
}

/// The parameter-set OID of GOST key parameters (`SEQUENCE { paramSet, [digest] }` or a bare OID).
pub fn param_set(parameters: &der::Any) -> Option<Oid> {
    if let Ok(oid) = parameters.decode_as::<Oid>() {
        return Some(oid);
    }
    let fields: Vec<der::Any> = parameters.decode_as().ok()?;
    fields.first()?.decode_as::<Oid>().ok()
}

/// The parameter-set OID of GOST key parameters given as DER, re-encoded as DER (the value a
/// PKCS#11 token keeps in `CKA_GOSTR3410_PARAMS`).
pub fn param_set_der(parameters_der: &[u8]) -> Option<Vec<u8>> {
    let any = der::Any::from_der(parameters_der).ok()?;
    param_set(&any)?.to_der().ok()
}

/// The GOST key an AlgorithmIdentifier names. `None`: not a GOST key algorithm at all;
/// `Some(Err)`: a GOST key OID whose parameters name no known curve of its size.
pub fn key_params(algorithm: &AlgorithmIdentifierOwned) -> Option<Result<KeyParams, GostError>> {
    let (arc, size) = oid::key_algorithm(&algorithm.oid)?;
    let curve = algorithm
        .parameters
        .as_ref()
        .and_then(param_set)
        .and_then(|set| oid::curve_of(&set))
        .filter(|c| c.size() == size);
    Some(
        curve
            .map(|curve| KeyParams { curve, arc })
            .ok_or(GostError::UnknownParameterSet),
    )
}

/// The public key `X‖Y` (little-endian halves): the OCTET STRING inside the SPKI BIT STRING.
pub fn public_xy(spki_bits: &[u8]) -> Option<&[u8]> {
    OctetStringRef::from_der(spki_bits)
        .ok()
        .map(|o| o.as_bytes())
}

/// A GOST R 34.10-2012 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    params: KeyParams,
    xy: Vec<u8>,
}

impl PublicKey {
    /// A key from its curve and `X‖Y` (little-endian halves); checks the length and that the
    /// point is on the curve.
    pub fn new(params: KeyParams, xy: &[u8]) -> Result<Self, GostError> {
        crate::curve::check_public(params.curve, xy)?;
        Ok(Self {
            params,
            xy: xy.to_vec(),
        })
    }

    /// Recognise a SubjectPublicKeyInfo: `Ok(None)` if it is not a GOST key.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Option<Self>, GostError> {
        let Some(params) = key_params(&spki.algorithm) else {
            return Ok(None);
        };
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(GostError::KeyInvalid)?;
        let xy = public_xy(bits).ok_or(GostError::KeyInvalid)?;
        Self::new(params?, xy).map(Some)
    }

    /// Recognise a DER SubjectPublicKeyInfo: `Ok(None)` if it is not a GOST key.
    pub fn from_spki_der(der: &[u8]) -> Result<Option<Self>, GostError> {
        let spki = SubjectPublicKeyInfoOwned::from_der(der).map_err(|_| GostError::KeyInvalid)?;
        Self::from_spki(&spki)
    }

    /// Curve and arc.
    pub fn params(&self) -> KeyParams {
        self.params
    }

    /// The curve.
    pub fn curve(&self) -> GostCurve {
        self.params.curve
    }

    /// `X‖Y`, little-endian halves.
    pub fn xy(&self) -> &[u8] {
        &self.xy
    }

    /// Verify `signature` (`s‖r` big-endian, or its byte-reversal) over `message`, hashed here
    /// with the curve's Streebog.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), GostError> {
        let digest = Streebog::of(self.params.curve).digest(message);
        crate::curve::verify(self.params.curve, &self.xy, &digest, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid_der(oid: &str) -> Vec<u8> {
        Oid::new_unwrap(oid).to_der().expect("oid")
    }

    #[test]
    fn parameter_sets_come_from_both_parameter_forms() {
        let mut body = oid_der("1.2.643.7.1.2.1.1.1");
        body.extend(oid_der("1.2.643.7.1.1.2.2"));
        let mut seq = vec![0x30, body.len() as u8];
        seq.extend(body);
        assert_eq!(
            param_set_der(&seq).expect("seq"),
            oid_der("1.2.643.7.1.2.1.1.1")
        );
        assert_eq!(
            param_set_der(&oid_der("1.2.643.2.2.35.1")).expect("bare"),
            oid_der("1.2.643.2.2.35.1")
        );
        assert!(param_set_der(&[0x05, 0x00]).is_none());
        assert!(param_set_der(&[0x30, 0x00]).is_none());
        assert!(param_set_der(&[]).is_none());
    }

    #[test]
    fn key_parameters_must_fit_the_key_size() {
        let alg = |key: Oid, set: &str| AlgorithmIdentifierOwned {
            oid: key,
            parameters: der::Any::from_der(&oid_der(set)).ok(),
        };
        assert_eq!(
            key_params(&alg(oid::KZ_KEY_512, "1.2.398.3.10.1.1.2.2.1")),
            Some(Ok(KeyParams {
                curve: GostCurve::Tc26_512A,
                arc: GostArc::Kz
            }))
        );
        assert_eq!(
            key_params(&alg(oid::TC26_KEY_256, "1.2.643.7.1.2.1.2.1")),
            Some(Err(GostError::UnknownParameterSet))
        );
        assert_eq!(
            key_params(&alg(
                Oid::new_unwrap("1.2.840.10045.2.1"),
                "1.2.840.10045.3.1.7"
            )),
            None
        );
    }
}
