//! Decoding never panics: random bytes and random mutations of a valid envelope either decode or
//! fail with a stable code. (A deterministic generator, so failures reproduce.)

use sio_protocol::*;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n.max(1)
    }
}

fn valid_body() -> Vec<u8> {
    let body = serde_json::json!({
        "document": {
            "doc": "sio.request/v1",
            "request_id": "6f1c1a2e-8d52-4c1e-9a59-3b0b7e0f2a11",
            "user_iin": "850415300121",
            "role": 3,
            "basis": "criminal",
            "service": 1,
            "case": {"kind": "criminal_case", "erdr": "241500031000123"},
            "subject": {"kind": "individual", "id": "900101300106"},
            "signed_at": "2026-03-01T10:00:00+05:00"
        },
        "cms": "MAA="
    });
    serde_json::to_vec(&body).expect("json")
}

fn exercise(bytes: &[u8]) {
    match ReceivedSigned::from_body(bytes) {
        Ok(r) => {
            let _ = r.doc_type();
            for code in [
                r.parse::<RequestDocument>().err().map(|e| e.code()),
                r.parse::<LoginDocument>().err().map(|e| e.code()),
                r.parse::<ApplicationDocument>().err().map(|e| e.code()),
            ]
            .into_iter()
            .flatten()
            {
                assert!(code.starts_with("PROTO_"), "{code}");
            }
            if let Ok(doc) = r.parse::<RequestDocument>() {
                let _ = doc.to_spec().map(|s| s.check());
            }
        }
        Err(e) => assert!(e.code().starts_with("PROTO_"), "{}", e.code()),
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(42);
    for _ in 0..5_000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&bytes);
    }
}

#[test]
fn mutated_envelopes_never_panic() {
    let base = valid_body();
    exercise(&base);
    let alphabet = b"{}[]\",:0123456789.-eE+ntrufalsx\\\xd0\xb0\x00\xff";
    let mut rng = Lcg(7);
    for _ in 0..20_000 {
        let mut b = base.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len());
            match rng.below(3) {
                0 => b[i] = alphabet[rng.below(alphabet.len())],
                1 => {
                    b.remove(i);
                }
                _ => b.insert(i, alphabet[rng.below(alphabet.len())]),
            }
        }
        exercise(&b);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut s = String::from("{\"document\":");
    for _ in 0..100_000 {
        s.push('[');
    }
    exercise(s.as_bytes());
}
