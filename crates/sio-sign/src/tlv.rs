//! A minimal DER walker that keeps the ORIGINAL bytes of every element.
//!
//! `der` decodes a SET OF into a sorted vector; signatures, certificate hashes and co-signing must
//! work on the bytes as they were received, so the outer structure of CMS is walked here and only
//! leaves are handed to `der`.

use crate::SignError;

/// One element: tag octet, value, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    pub(crate) raw: &'a [u8],
}

/// Read one element from the front of `input`; returns it and the rest.
pub(crate) fn read<'a>(
    input: &'a [u8],
    what: &'static str,
) -> Result<(Tlv<'a>, &'a [u8]), SignError> {
    let bad = || SignError::Malformed(what);
    let tag = *input.first().ok_or_else(bad)?;
    if tag & 0x1f == 0x1f {
        return Err(bad()); // multi-octet tags do not occur in CMS
    }
    let first = *input.get(1).ok_or_else(bad)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else if first == 0x80 {
        return Err(SignError::BerIndefiniteLength);
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(bad());
        }
        let bytes = input.get(2..2 + n).ok_or_else(bad)?;
        if bytes[0] == 0 {
            return Err(bad()); // not minimal: BER
        }
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        if len < 0x80 {
            return Err(bad());
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len).ok_or_else(bad)?;
    let raw = input.get(..end).ok_or_else(bad)?;
    Ok((
        Tlv {
            tag,
            value: &raw[header..],
            raw,
        },
        &input[end..],
    ))
}

/// Read exactly one element with tag `tag` that fills `input`.
pub(crate) fn read_one<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, SignError> {
    let (tlv, rest) = read(input, what)?;
    if tlv.tag != tag || !rest.is_empty() {
        return Err(SignError::Malformed(what));
    }
    Ok(tlv)
}

/// The children of a constructed element.
pub(crate) fn children<'a>(value: &'a [u8], what: &'static str) -> Result<Vec<Tlv<'a>>, SignError> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (tlv, r) = read(rest, what)?;
        out.push(tlv);
        rest = r;
    }
    Ok(out)
}

/// Encode a header + value.
pub(crate) fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
    out
}

/// Encode a DER SET OF from already encoded elements: sorted, duplicates dropped.
pub(crate) fn set_of(tag: u8, mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    elements.dedup();
    encode(tag, &elements.concat())
}

/// Does `input` use a BER indefinite length anywhere (constructed elements only)?
pub(crate) fn has_indefinite_length(input: &[u8]) -> bool {
    let mut i = 0usize;
    let mut depth_budget = 10_000usize;
    while i < input.len().saturating_sub(1) && depth_budget > 0 {
        depth_budget -= 1;
        let tag = input[i];
        let first = input[i + 1];
        if first == 0x80 && tag & 0x20 != 0 {
            return true;
        }
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            let Some(bytes) = input.get(i.saturating_add(2)..i.saturating_add(2 + n)) else {
                return false;
            };
            (
                bytes.iter().fold(0usize, |a, b| {
                    a.saturating_mul(256).saturating_add(usize::from(*b))
                }),
                2 + n,
            )
        };
        // Descend into constructed elements, skip primitive ones.
        i = if tag & 0x20 != 0 {
            i + header
        } else {
            i.saturating_add(header).saturating_add(len)
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_rejects_indefinite() {
        let (t, rest) = read(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xff], "t").expect("read");
        assert_eq!(t.tag, 0x30);
        assert_eq!(t.value, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        assert!(matches!(
            read(&[0x30, 0x80, 0, 0], "t"),
            Err(SignError::BerIndefiniteLength)
        ));
        assert!(has_indefinite_length(&[
            0x30, 0x06, 0x30, 0x80, 0x02, 0x01, 0x00, 0x00
        ]));
        assert!(!has_indefinite_length(&[0x30, 0x03, 0x02, 0x01, 0x05]));
    }

    #[test]
    fn rejects_truncated_and_non_minimal() {
        assert!(read(&[0x30, 0x05, 0x02], "t").is_err());
        assert!(read(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5], "t").is_err());
        assert!(read(&[], "t").is_err());
        assert!(read(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff], "t").is_err());
    }

    #[test]
    fn long_lengths_round_trip() {
        let v = vec![7u8; 300];
        let enc = encode(0x04, &v);
        assert_eq!(&enc[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let (t, _) = read(&enc, "t").expect("read");
        assert_eq!(t.value.len(), 300);
    }
}
