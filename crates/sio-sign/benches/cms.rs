//! `cargo bench -p sio-sign`: CMS build overhead per signature WITHOUT the key operation (a signer
//! that returns a precomputed signature), and verify/s next to ring's raw verify/s.

#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use sio_pki::PkiSpec;
use sio_sign::soft::SoftwareSigner;
use sio_sign::{Carrier, SignOptions, SignatureAlgorithm, Signer, SignerError, Verifier, sign};

/// Returns the same signature every time: valid, because content and signing time are fixed.
struct Precomputed {
    cert: Vec<u8>,
    algorithm: SignatureAlgorithm,
    signature: Vec<u8>,
}

impl Signer for Precomputed {
    fn certificate_der(&self) -> &[u8] {
        &self.cert
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
    fn carrier(&self) -> Carrier {
        Carrier::Software
    }
    fn sign(&mut self, _message: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.signature.clone())
    }
}

/// Captures the signed attributes and the signature of one real signing.
struct Recorder<'a> {
    inner: &'a mut SoftwareSigner,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl Signer for Recorder<'_> {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.message = message.to_vec();
        self.signature = self.inner.sign(message)?;
        Ok(self.signature.clone())
    }
}

fn rate(mut f: impl FnMut(), budget: Duration) -> (f64, f64) {
    for _ in 0..20 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..20 {
            f();
        }
        n += 20;
    }
    let secs = start.elapsed().as_secs_f64();
    (n as f64 / secs, secs / n as f64 * 1e6)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let pki = sio_pki::generate(dir.path(), &PkiSpec::demo()).unwrap();
    let ca = std::fs::read(&pki.ca_cert).unwrap();
    let verifier = Verifier::from_pem(&ca).unwrap();
    let doc = vec![0x5au8; 2048];
    let budget = Duration::from_millis(
        std::env::var("SIO_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    );
    let time = SystemTime::now();
    println!("sio-sign bench: 2 KiB document, detached, budget {budget:?} per figure");
    for (label, user) in [("RSA-2048 PKCS#1", 0usize), ("ECDSA P-256", 1)] {
        let c = &pki.users[user].sign;
        let key = std::fs::read_to_string(c.key_path.as_ref().unwrap()).unwrap();
        let cert = std::fs::read(&c.cert_path).unwrap();
        let mut soft = SoftwareSigner::from_pem(&key, &cert).unwrap();
        let fixed = SignOptions {
            signing_time: Some(time),
            ..SignOptions::default()
        };
        let mut rec = Recorder {
            inner: &mut soft,
            message: Vec::new(),
            signature: Vec::new(),
        };
        let cms = sign(&doc, &mut [&mut rec], &fixed).unwrap();
        let (message, signature) = (rec.message, rec.signature);
        let mut pre = Precomputed {
            cert: soft.certificate_der().to_vec(),
            algorithm: soft.algorithm(),
            signature: signature.clone(),
        };
        let unchecked = SignOptions {
            check_token_signature: false,
            ..fixed
        };
        let (_, build_us) = rate(
            || drop(black_box(sign(&doc, &mut [&mut pre], &unchecked).unwrap())),
            budget,
        );
        let (_, checked_us) = rate(
            || drop(black_box(sign(&doc, &mut [&mut pre], &fixed).unwrap())),
            budget,
        );
        let (_, soft_us) = rate(
            || drop(black_box(sign(&doc, &mut [&mut soft], &fixed).unwrap())),
            budget,
        );
        let (ours, ours_us) = rate(
            || drop(black_box(verifier.verify(&cms, Some(&doc)).unwrap())),
            budget,
        );
        // A clone starts with an empty issuer cache: the CA signature on the certificate is checked too.
        let (cold, cold_us) = rate(
            || {
                drop(black_box(
                    verifier.clone().verify(&cms, Some(&doc)).unwrap(),
                ))
            },
            budget,
        );

        // ring alone: the signature over the same signed attributes with the same key.
        let public = public_key(&pre.cert);
        let alg: &dyn ring::signature::VerificationAlgorithm = if user == 0 {
            &ring::signature::RSA_PKCS1_2048_8192_SHA256
        } else {
            &ring::signature::ECDSA_P256_SHA256_ASN1
        };
        let key = ring::signature::UnparsedPublicKey::new(alg, public);
        key.verify(&message, &signature).unwrap();
        let (raw, raw_us) = rate(
            || {
                key.verify(black_box(&message), black_box(&signature))
                    .unwrap()
            },
            budget,
        );
        println!("{label}:");
        println!("  CMS build, key operation excluded:      {build_us:8.1} µs/signature");
        println!("  ... plus self-check of the token result: {checked_us:8.1} µs/signature");
        println!("  CMS build with the software key (ring):  {soft_us:8.1} µs/signature");
        println!(
            "  verify, ours (parse, digest, signature, ESS, validity, EKU; CA signature cached):"
        );
        println!("                                            {ours:9.0}/s ({ours_us:.1} µs)");
        println!("  verify, ours, cold (also the CA's signature on the certificate, P-256 CA):");
        println!("                                            {cold:9.0}/s ({cold_us:.1} µs)");
        println!("  verify (ring raw signature only):        {raw:9.0}/s ({raw_us:.1} µs)");
        println!(
            "  ratio ours / ring raw:                    {:9.2}",
            ours / raw
        );
    }
}

/// subjectPublicKey bits of a DER certificate, found with x509-cert.
fn public_key(cert: &[u8]) -> Vec<u8> {
    use der::Decode;
    let c = x509_cert::Certificate::from_der(cert).unwrap();
    c.tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec()
}
