//! Minimal BER-TLV (ISO 7816-4 §5.2) as PIV uses it: tags of up to three bytes, lengths of up to
//! three bytes (81 xx, 82 xx xx). Parsing never panics on any input.

/// One TLV element borrowed from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, as the big-endian number of its bytes (5FC105 → 0x5FC105).
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Parse one element from the start of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), &'static str> {
    let (&first, mut rest) = input.split_first().ok_or("empty TLV")?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while bit 8 is set; at most two more.
        for i in 0..2 {
            let (&b, r) = rest.split_first().ok_or("truncated tag")?;
            rest = r;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
            if i == 1 {
                return Err("tag longer than three bytes");
            }
        }
    }
    let (&l0, r) = rest.split_first().ok_or("missing length")?;
    rest = r;
    let len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x81..=0x83 => {
            let n = usize::from(l0 & 0x7F);
            if rest.len() < n {
                return Err("truncated length");
            }
            let (lb, r) = rest.split_at(n);
            rest = r;
            lb.iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return Err("unsupported length form"),
    };
    if rest.len() < len {
        return Err("value shorter than its length");
    }
    let (value, rest) = rest.split_at(len);
    Ok((Tlv { tag, value }, rest))
}

/// Parse a whole buffer of concatenated elements.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, &'static str> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Find the first element with `tag` among the elements of `input`.
pub fn find(input: &[u8], tag: u32) -> Result<Option<&[u8]>, &'static str> {
    Ok(parse_all(input)?
        .into_iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value))
}

/// Encode one element. `tag` is written with as many bytes as it needs.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take(3).take_while(|b| **b == 0).count();
    out.extend_from_slice(&tag_bytes[skip..]);
    encode_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

fn encode_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_lengths_and_tags() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234] {
            let v = vec![7u8; len];
            for tag in [0x53, 0x7C, 0x5FC105] {
                let e = encode(tag, &v);
                let (t, rest) = parse_one(&e).expect("parse");
                assert_eq!((t.tag, t.value.len(), rest.len()), (tag, len, 0));
            }
        }
    }

    #[test]
    fn piv_get_data_request() {
        // SP 800-73-4 §3.1.2: 5C 03 5F C1 05 selects the PIV Authentication certificate.
        assert_eq!(
            encode(0x5C, &[0x5F, 0xC1, 0x05]),
            [0x5C, 0x03, 0x5F, 0xC1, 0x05]
        );
    }

    #[test]
    fn truncated_is_error() {
        assert!(parse_one(&[0x53, 0x82, 0x01]).is_err());
        assert!(parse_one(&[0x53, 0x05, 1, 2]).is_err());
        assert!(parse_one(&[0x5F]).is_err());
        assert!(parse_one(&[0x5F, 0xC1, 0x85, 0x81, 0x00]).is_err());
        assert!(parse_one(&[0x53, 0x84, 0, 0, 0, 0]).is_err());
    }
}
