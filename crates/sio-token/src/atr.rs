//! The ATR catalogue: which token an ATR belongs to and which path serves it.
//!
//! The data is `data/atr-catalogue.tsv`, compiled in with `include_str!` and parsed on first use;
//! each row cites where its ATR comes from. An ATR that is not listed is not an error: such tokens
//! are used through their PKCS#11 module.

use std::sync::OnceLock;

use crate::TokenError;

const CATALOGUE: &str = include_str!("../data/atr-catalogue.tsv");

/// How a token is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenPath {
    /// The built-in PIV application over PC/SC.
    Piv,
    /// A PKCS#11 module, by file name; `vendor` means the module the administrator configures.
    Pkcs11(String),
}

/// One catalogue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The ATR.
    pub atr: Vec<u8>,
    /// The mask (same length; 1 bits must match).
    pub mask: Vec<u8>,
    /// Name to show.
    pub name: String,
    /// The path that serves this token.
    pub path: TokenPath,
    /// Where the ATR was taken from.
    pub source: String,
}

impl CatalogueEntry {
    /// Whether `atr` matches this entry.
    pub fn matches(&self, atr: &[u8]) -> bool {
        atr.len() == self.atr.len()
            && atr
                .iter()
                .zip(&self.atr)
                .zip(&self.mask)
                .all(|((a, e), m)| a & m == e & m)
    }
}

fn hex_field(field: &str) -> Result<Vec<u8>, String> {
    let compact: String = field.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(compact).map_err(|e| e.to_string())
}

/// Parse catalogue text (the format described at the top of the data file).
pub fn parse_catalogue(text: &str) -> Result<Vec<CatalogueEntry>, TokenError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let err = |detail: String| TokenError::Catalogue {
            line: i + 1,
            detail,
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [atr, mask, name, path, source] = cols.as_slice() else {
            return Err(err(format!("{} columns, 5 expected", cols.len())));
        };
        let atr = hex_field(atr).map_err(|e| err(format!("ATR: {e}")))?;
        if atr.is_empty() || atr.len() > 33 {
            return Err(err("an ATR has 1 to 33 bytes".into()));
        }
        let mask = if *mask == "-" {
            vec![0xFF; atr.len()]
        } else {
            hex_field(mask).map_err(|e| err(format!("mask: {e}")))?
        };
        if mask.len() != atr.len() {
            return Err(err("the mask is not as long as the ATR".into()));
        }
        let path = match *path {
            "piv" => TokenPath::Piv,
            p => match p.strip_prefix("pkcs11:") {
                Some(module) if !module.is_empty() => TokenPath::Pkcs11(module.to_owned()),
                _ => return Err(err(format!("path {p:?}: piv or pkcs11:<module> expected"))),
            },
        };
        if name.trim().is_empty() || source.trim().is_empty() {
            return Err(err("name and source are required".into()));
        }
        out.push(CatalogueEntry {
            atr,
            mask,
            name: name.trim().to_owned(),
            path,
            source: source.trim().to_owned(),
        });
    }
    Ok(out)
}

/// The built-in catalogue.
pub fn catalogue() -> &'static [CatalogueEntry] {
    static PARSED: OnceLock<Vec<CatalogueEntry>> = OnceLock::new();
    PARSED.get_or_init(|| match parse_catalogue(CATALOGUE) {
        Ok(c) => c,
        Err(e) => {
            // A defect of the shipped file; the unit test below keeps it from being released.
            tracing::error!(error = %e, "the built-in ATR catalogue does not parse");
            Vec::new()
        }
    })
}

/// The catalogue entry for `atr`, if the token is known.
pub fn identify(atr: &[u8]) -> Option<&'static CatalogueEntry> {
    catalogue().iter().find(|e| e.matches(atr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_catalogue_parses() {
        let c = parse_catalogue(CATALOGUE).expect("the shipped catalogue parses");
        assert!(c.len() >= 15);
        for name in [
            "Kaztoken",
            "Kazakhstan ID card",
            "eToken PRO 72K",
            "eToken 5110",
            "JaCarta",
            "YubiKey",
            "virtual PIV",
        ] {
            assert!(c.iter().any(|e| e.name.contains(name)), "{name}");
        }
    }

    #[test]
    fn identify_exact_and_masked() {
        let virt = [
            0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B,
        ];
        assert_eq!(identify(&virt).map(|e| &e.path), Some(&TokenPath::Piv));
        let kaztoken = hex_field("3B 88 01 4B 41 5A 54 4F 4B 45 4E 82").expect("hex");
        assert_eq!(
            identify(&kaztoken).map(|e| e.name.as_str()),
            Some("Kaztoken")
        );
        let passport_33 = hex_field("3B 39 19 00 53 4F 4D 41 44 53 33 30 33").expect("hex");
        assert!(identify(&passport_33).is_some());
        let passport_35 = hex_field("3B 39 19 00 53 4F 4D 41 44 53 33 30 35").expect("hex");
        assert!(identify(&passport_35).is_none());
        assert!(identify(&[0x3B, 0x00]).is_none());
    }

    #[test]
    fn bad_rows_are_errors() {
        assert!(parse_catalogue("3B 00\t-\tx\tpiv").is_err());
        assert!(parse_catalogue("ZZ\t-\tx\tpiv\ts").is_err());
        assert!(parse_catalogue("3B 00\tFF\tx\tpiv\ts").is_err());
        assert!(parse_catalogue("3B 00\t-\tx\tpkcs11:\ts").is_err());
    }
}
