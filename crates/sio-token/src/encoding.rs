//! Signature encodings the token does not do itself: PKCS#1 v1.5 and PSS message encoding for a
//! raw RSA operation, and the DER form of an ECDSA signature returned as raw `r‖s`.

use rand::RngCore;
use sha2::{Digest, Sha256, Sha384};
use sio_sign::SignatureAlgorithm;

use crate::tlv;

/// DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The hash of `message` that `algorithm` signs.
pub fn digest(algorithm: SignatureAlgorithm, message: &[u8]) -> Vec<u8> {
    match algorithm {
        SignatureAlgorithm::EcdsaP384Sha384 => Sha384::digest(message).to_vec(),
        _ => Sha256::digest(message).to_vec(),
    }
}

/// DigestInfo (DER) for a SHA-256 hash: what `CKM_RSA_PKCS` signs.
pub fn sha256_digest_info(hash: &[u8]) -> Vec<u8> {
    let mut out = SHA256_DIGEST_INFO.to_vec();
    out.extend_from_slice(hash);
    out
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2): `00 01 FF… 00 DigestInfo`, `k` bytes long.
pub fn pkcs1v15_sha256(hash: &[u8], k: usize) -> Option<Vec<u8>> {
    let t = sha256_digest_info(hash);
    if k < t.len() + 11 {
        return None;
    }
    let mut em = vec![0xFF; k];
    em[0] = 0x00;
    em[1] = 0x01;
    em[k - t.len() - 1] = 0x00;
    em[k - t.len()..].copy_from_slice(&t);
    Some(em)
}

fn mgf1_sha256(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-256, MGF1-SHA-256 and a 32-byte salt, left-padded to
/// `k` = modulus bytes so the card can apply the raw RSA operation. `mod_bits` is the modulus size.
pub fn pss_sha256(hash: &[u8], mod_bits: usize) -> Option<Vec<u8>> {
    let mut salt = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    pss_sha256_with_salt(hash, mod_bits, &salt)
}

fn pss_sha256_with_salt(hash: &[u8], mod_bits: usize, salt: &[u8; 32]) -> Option<Vec<u8>> {
    let em_bits = mod_bits.checked_sub(1)?;
    let em_len = em_bits.div_ceil(8);
    let h_len = 32;
    if hash.len() != h_len || em_len < h_len + salt.len() + 2 {
        return None;
    }
    let mut m = Sha256::new();
    m.update([0u8; 8]);
    m.update(hash);
    m.update(salt);
    let h = m.finalize();
    let db_len = em_len - h_len - 1;
    let mut db = vec![0u8; db_len];
    db[db_len - salt.len() - 1] = 0x01;
    db[db_len - salt.len()..].copy_from_slice(salt);
    for (d, m) in db.iter_mut().zip(mgf1_sha256(&h, db_len)) {
        *d ^= m;
    }
    db[0] &= 0xFF >> (8 * em_len - em_bits);
    let k = mod_bits.div_ceil(8);
    let mut em = vec![0u8; k - em_len];
    em.extend_from_slice(&db);
    em.extend_from_slice(&h);
    em.push(0xBC);
    Some(em)
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let start = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len().saturating_sub(1));
        bytes.get(start..).unwrap_or(&[])
    };
    let mut v = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        v.push(0x00);
    }
    v.extend_from_slice(trimmed);
    tlv::encode(0x02, &v)
}

/// Convert a raw `r‖s` ECDSA signature (PKCS#11 `CKM_ECDSA`) to DER `Ecdsa-Sig-Value`.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || raw.len() % 2 != 0 {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = der_uint(r);
    body.extend_from_slice(&der_uint(s));
    Some(tlv::encode(0x30, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_layout() {
        let em = pkcs1v15_sha256(&[0xAA; 32], 256).expect("fits");
        assert_eq!(em.len(), 256);
        assert_eq!(&em[..3], [0x00, 0x01, 0xFF]);
        assert_eq!(em[256 - 52], 0x00);
        assert_eq!(&em[256 - 51..256 - 32], SHA256_DIGEST_INFO);
        assert!(pkcs1v15_sha256(&[0; 32], 40).is_none());
    }

    #[test]
    fn pss_layout() {
        let em = pss_sha256_with_salt(&[1; 32], 2048, &[2; 32]).expect("fits");
        assert_eq!(em.len(), 256);
        assert_eq!(em[255], 0xBC);
        assert_eq!(em[0] & 0x80, 0);
        // A modulus of 2049 bits: emLen = 256, k = 257, so one leading zero byte.
        let em = pss_sha256_with_salt(&[1; 32], 2049, &[2; 32]).expect("fits");
        assert_eq!((em.len(), em[0]), (257, 0));
    }

    #[test]
    fn raw_to_der() {
        let mut raw = vec![0u8; 64];
        raw[31] = 0x01;
        raw[32] = 0x80;
        let der = ecdsa_raw_to_der(&raw).expect("even");
        assert_eq!(&der[..5], [0x30, 0x26, 0x02, 0x01, 0x01]);
        assert_eq!(&der[5..8], [0x02, 0x21, 0x00]);
        assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_none());
        assert_eq!(
            ecdsa_raw_to_der(&[0, 0]).expect("zero"),
            [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]
        );
    }
}
