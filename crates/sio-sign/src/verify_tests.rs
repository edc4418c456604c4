//! Unit tests of `verify.rs` (included from there with `#[path]`).

use super::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft::SoftwareSigner;
    use crate::{SignOptions, Signer, sign};

    const DOC: &[u8] = b"unsorted attributes";

    /// Other signers emit signed attributes in non-DER order and sign THOSE bytes. `der` would
    /// re-sort the SET OF on decoding; we verify over the bytes as received.
    #[test]
    fn verifies_over_the_original_unsorted_signed_attributes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::demo()).expect("pki");
        let c = &pki.users[1].sign;
        let key = std::fs::read_to_string(c.key_path.as_ref().expect("key")).expect("key");
        let mut signer =
            SoftwareSigner::from_pem(&key, &std::fs::read(&c.cert_path).expect("cert"))
                .expect("signer");
        let cms = sign(DOC, &mut [&mut signer], &SignOptions::default()).expect("sign");
        let sd = RawSignedData::parse(&cms).expect("parse");
        let si = &sd.signer_infos[0];
        let attrs_tlv = si.signed_attrs.expect("attrs");
        let attrs: Vec<&[u8]> = tlv::children(attrs_tlv.value, "t")
            .expect("children")
            .iter()
            .map(|a| a.raw)
            .rev()
            .collect();
        let body = attrs.concat();
        let signature = signer.sign(&tlv::encode(0x31, &body)).expect("sign attrs");

        // The reversed order is not DER: decoding with `der` and encoding again changes the bytes.
        let resorted =
            der::asn1::SetOfVec::<x509_cert::attr::Attribute>::from_der(&tlv::encode(0x31, &body))
                .expect("decode")
                .to_der()
                .expect("encode");
        assert_ne!(resorted, tlv::encode(0x31, &body));

        let mut info = vec![0x02, 0x01, 0x01];
        info.extend_from_slice(si.sid);
        info.extend_from_slice(si.digest_algorithm);
        info.extend(tlv::encode(0xa0, &body));
        info.extend_from_slice(si.signature_algorithm);
        info.extend(tlv::encode(0x04, &signature));
        let mut sd_body = sd.version_raw.to_vec();
        sd_body.extend(tlv::set_of(
            0x31,
            sd.digest_algorithms.iter().map(|d| d.to_vec()).collect(),
        ));
        sd_body.extend_from_slice(sd.encap_raw);
        sd_body.extend(tlv::set_of(
            0xa0,
            sd.certificates.iter().map(|d| d.to_vec()).collect(),
        ));
        sd_body.extend(tlv::encode(0x31, &tlv::encode(0x30, &info)));
        let mut ci = crate::build::ID_SIGNED_DATA.to_der().expect("oid");
        ci.extend(tlv::encode(0xa0, &tlv::encode(0x30, &sd_body)));
        let unsorted = tlv::encode(0x30, &ci);

        let ca = std::fs::read(&pki.ca_cert).expect("ca");
        let v = Verifier::from_pem(&ca)
            .expect("verifier")
            .verify(&unsorted, Some(DOC))
            .expect("verifies");
        assert!(v[0].signing_certificate_checked);
    }
}

/// Live verification: validity at the verifier's clock, signingTime within a window.
#[cfg(test)]
mod time_tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::soft::SoftwareSigner;
    use crate::{SignOptions, sign};

    const DOC: &[u8] = b"a document";
    const HOUR: Duration = Duration::from_secs(3600);

    fn signed_at(cert: &sio_pki::IssuedCert, at: SystemTime) -> Vec<u8> {
        let key = std::fs::read_to_string(cert.key_path.as_ref().expect("key")).expect("key");
        let mut signer =
            SoftwareSigner::from_pem(&key, &std::fs::read(&cert.cert_path).expect("cert"))
                .expect("signer");
        let options = SignOptions {
            signing_time: Some(at),
            ..SignOptions::default()
        };
        sign(DOC, &mut [&mut signer], &options).expect("sign")
    }

    fn live(v: Verifier) -> Verifier {
        v.validity_at_now()
            .signing_time_window(Duration::from_secs(300))
    }

    #[test]
    fn a_backdated_signing_time_does_not_revive_an_expired_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::empty()).expect("pki");
        let now = SystemTime::now();
        let mut user = sio_pki::PkiSpec::demo().users.remove(1);
        user.id = "expired".into();
        // Expired ten minutes ago; signingTime half an hour ago, inside its validity (and the
        // test CA's, which starts an hour before it was made).
        user.validity = Some(sio_pki::Validity::expired_since(now, HOUR / 6));
        let expired = sio_pki::issue_user(dir.path(), &user).expect("issue");
        let cms = signed_at(&expired.sign, now - HOUR / 2);
        let ca = std::fs::read(&pki.ca_cert).expect("ca");

        // Archived semantics (the default): valid when signed.
        let archive = Verifier::from_pem(&ca).expect("verifier");
        if let Err(e) = archive.verify(&cms, Some(DOC)) {
            panic!("archived semantics: {e}");
        }
        // Live: validity at now refuses it, whatever the signer claims.
        let e = Verifier::from_pem(&ca)
            .expect("verifier")
            .validity_at_now()
            .verify(&cms, Some(DOC))
            .expect_err("expired now");
        assert_eq!(e.code(), "SIGN_CERT_EXPIRED");
        // With the window as well, the backdated time itself is refused first.
        let e = live(Verifier::from_pem(&ca).expect("verifier"))
            .verify(&cms, Some(DOC))
            .expect_err("outside the window");
        assert_eq!(e.code(), "SIGN_SIGNING_TIME_OUTSIDE_WINDOW");
        // Signed "now" with the expired certificate: refused for the certificate.
        let cms = signed_at(&expired.sign, now);
        let e = live(Verifier::from_pem(&ca).expect("verifier"))
            .verify(&cms, Some(DOC))
            .expect_err("expired now");
        assert_eq!(e.code(), "SIGN_CERT_EXPIRED");
    }

    #[test]
    fn the_signing_time_window_is_two_sided() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::demo()).expect("pki");
        let cert = &pki.users[1].sign;
        let ca = std::fs::read(&pki.ca_cert).expect("ca");
        let v = live(Verifier::from_pem(&ca).expect("verifier"));
        let now = SystemTime::now();
        let ok = v
            .verify(&signed_at(cert, now - Duration::from_secs(60)), Some(DOC))
            .expect("within the window");
        // The test PKI's policies (UUID arc, 128-bit) are read: the key file's software carrier.
        assert!(
            ok[0]
                .certificate_policies
                .contains(&sio_pki::SOFTWARE_CARRIER_POLICY.to_string()),
            "{:?}",
            ok[0].certificate_policies
        );
        for at in [now - HOUR, now + HOUR] {
            let e = v
                .verify(&signed_at(cert, at), Some(DOC))
                .expect_err("outside the window");
            assert_eq!(e.code(), "SIGN_SIGNING_TIME_OUTSIDE_WINDOW");
            match e {
                SignError::SigningTimeOutsideWindow {
                    skew_seconds,
                    window_seconds,
                    ..
                } => {
                    assert_eq!(window_seconds, 300);
                    assert!(
                        skew_seconds.unsigned_abs().abs_diff(3600) < 60,
                        "{skew_seconds}"
                    );
                    assert_eq!(skew_seconds > 0, at > now);
                }
                other => panic!("{other}"),
            }
        }
        // Archived semantics accept an hour-old signing time.
        assert!(
            Verifier::from_pem(&ca)
                .expect("verifier")
                .verify(&signed_at(cert, now - HOUR), Some(DOC))
                .is_ok()
        );
    }
}

#[cfg(test)]
mod oid_tests {
    use super::oid_to_dotted;

    #[test]
    fn oids_with_long_arcs_read_and_malformed_ones_do_not() {
        // 1.2.398.3.3.2.4 (NCA RK, authentication certificates of individuals)
        assert_eq!(
            oid_to_dotted(&[0x2a, 0x83, 0x0e, 0x03, 0x03, 0x02, 0x04]).as_deref(),
            Some("1.2.398.3.3.2.4")
        );
        // 2.25.<2^128 - 1>.1
        let mut uuid = vec![0x69, 0x83]; // 2.25, then 2 + 17 * 7 + 7 = 128 bits
        uuid.extend([0xff; 17]);
        uuid.extend([0x7f, 0x01]);
        assert_eq!(oid_to_dotted(&uuid), Some(format!("2.25.{}.1", u128::MAX)));
        assert_eq!(oid_to_dotted(&[]), None);
        assert_eq!(oid_to_dotted(&[0x2a, 0x83]), None); // unterminated
        assert_eq!(oid_to_dotted(&[0x2a, 0x80, 0x01]), None); // non-minimal
        let mut too_long = vec![0x69];
        too_long.extend([0xff; 19]);
        too_long.push(0x7f);
        assert_eq!(oid_to_dotted(&too_long), None); // more than 128 bits
    }
}
