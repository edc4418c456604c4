//! What a person's name may hold, in any document that carries one (HR applications of
//! 2015 Appendix 5: the applicant's and the head's full names).
//!
//! A name is letters of the Kazakh and Russian Cyrillic alphabets and of the Latin alphabet
//! (including the letters of the Kazakh Latin alphabet of Presidential Decree No. 569 of
//! 26 October 2017 as amended and its 2021 revision, e.g. `Ä Ğ Ñ Ö Ş Ū Ü İ`, and the accented
//! Latin letters of foreign names), separated by single spaces, hyphens, apostrophes and dots (`Д'Артаньян`,
//! `Иванов-Петров`, `Серікова А.Б.`). It starts with a letter and holds 1 to
//! [`MAX_CHARS`] characters.
//!
//! Everything else is refused with `CORE_NAME_INVALID`, in particular what turns a stored name
//! into an attack on whoever reads it later: control characters (C0, DEL, C1: tab, CR and LF
//! included), the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
//! marks (U+200E, U+200F, U+061C) that make a name display as something else, zero-width and
//! other invisible characters, combining marks (a name is sent composed, NFC), and the starts
//! of a spreadsheet formula (`=`, `+`, `-`, `@`; OWASP "CSV Injection").
//!
//! The client checks a name before anything is signed; the gateway checks it again and decides.

use crate::error::CoreError;

/// The longest name accepted, in characters (Unicode scalar values).
pub const MAX_CHARS: usize = 100;

/// Why a name is refused (the detail of [`CoreError::PersonName`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// Empty, or only spaces.
    Empty,
    /// Longer than [`MAX_CHARS`] characters.
    TooLong,
    /// Does not start with a letter (a formula start `= + - @`, a space, a separator).
    BadStart,
    /// Two spaces in a row, or a space at the end.
    Spacing,
    /// A control character (tab, CR, LF, other C0/C1, DEL).
    Control,
    /// A bidirectional override, isolate or mark.
    Bidi,
    /// Any other character that is not a letter of the three alphabets or a separator.
    Character,
}

impl NameProblem {
    /// What the problem is, in English (the UI translates by the code).
    pub fn describe(self) -> &'static str {
        match self {
            NameProblem::Empty => "it is empty",
            NameProblem::TooLong => "it is longer than 100 characters",
            NameProblem::BadStart => "it must start with a letter",
            NameProblem::Spacing => "it has two spaces in a row or a space at the end",
            NameProblem::Control => "it holds a control character",
            NameProblem::Bidi => "it holds a text-direction control character",
            NameProblem::Character => {
                "it holds a character other than Kazakh, Russian or Latin letters, spaces, hyphens, apostrophes and dots"
            }
        }
    }
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Letters of the Russian and Kazakh Cyrillic alphabets.
fn is_cyrillic_letter(c: char) -> bool {
    matches!(
        c,
        'А'..='я' | 'Ё' | 'ё'
        // Kazakh: Ә Ғ Қ Ң Ө Ұ Ү Һ І (capital and small).
        | 'Ә' | 'ә' | 'Ғ' | 'ғ' | 'Қ' | 'қ' | 'Ң' | 'ң' | 'Ө' | 'ө'
        | 'Ұ' | 'ұ' | 'Ү' | 'ү' | 'Һ' | 'һ' | 'І' | 'і'
    )
}

/// Latin letters: basic, Latin-1 Supplement and Latin Extended-A letters (the Kazakh Latin
/// alphabets and foreign names), and `Ǵ ǵ` of the 2018 Kazakh Latin alphabet.
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{017F}') && c != '×' && c != '÷')
        || matches!(c, 'Ǵ' | 'ǵ')
}

fn is_letter(c: char) -> bool {
    is_cyrillic_letter(c) || is_latin_letter(c)
}

/// Apostrophes: ASCII, the right single quotation mark and the modifier letter apostrophe.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The first problem of `name`, if any (see the module documentation for the rule).
pub fn problem(name: &str) -> Option<NameProblem> {
    if name.trim().is_empty() {
        return Some(NameProblem::Empty);
    }
    // Count without walking a huge input to its end.
    if name.chars().nth(MAX_CHARS).is_some() {
        return Some(NameProblem::TooLong);
    }
    // Characters first, so that a control or direction character is named as such wherever
    // it stands (also at the start).
    for c in name.chars() {
        if c.is_control() {
            return Some(NameProblem::Control);
        }
        if is_bidi_control(c) {
            return Some(NameProblem::Bidi);
        }
        if !(is_letter(c) || c == ' ' || c == '-' || c == '.' || is_apostrophe(c)) {
            return Some(NameProblem::Character);
        }
    }
    if !name.chars().next().is_some_and(is_letter) {
        return Some(NameProblem::BadStart);
    }
    if name.contains("  ") || name.ends_with(' ') {
        return Some(NameProblem::Spacing);
    }
    None
}

/// Check a person's name: `Ok` or [`CoreError::PersonName`] (`CORE_NAME_INVALID`).
pub fn check(name: &str) -> Result<(), CoreError> {
    match problem(name) {
        None => Ok(()),
        Some(p) => Err(CoreError::PersonName(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass() {
        for n in [
            "ИВАНОВ АЛЕКСЕЙ",
            "СЕРІКОВА АЙГЕРІМ",
            "ӘБІЛҚАЙЫР Ұлжан Ғалымқызы",
            "ҢӨҮҺІ Әсет",
            "Иванов-Петров И.И.",
            "Серікова А. Б.",
            "O'Brien Patrick",
            "D\u{2019}Artagnan",
            "Nursultan Ábişev",
            "Äliya Nūrğali Şäkenqyzy",
            "Ǵalym",
            "Jürgen Müller",
            "Ё",
        ] {
            assert_eq!(problem(n), None, "{n}");
            assert!(check(n).is_ok());
        }
    }

    #[test]
    fn attacks_and_junk_are_refused() {
        let cases: &[(&str, NameProblem)] = &[
            ("", NameProblem::Empty),
            ("   ", NameProblem::Empty),
            ("=HYPERLINK(\"http://x\")", NameProblem::Character),
            ("=1+2", NameProblem::Character),
            ("+Иванов", NameProblem::Character),
            ("-Иванов", NameProblem::BadStart),
            ("@Иванов", NameProblem::Character),
            ("'Иванов", NameProblem::BadStart),
            (".Иванов", NameProblem::BadStart),
            (" Иванов", NameProblem::BadStart),
            ("Иванов ", NameProblem::Spacing),
            ("Иванов  Иван", NameProblem::Spacing),
            ("Иванов\tИван", NameProblem::Control),
            ("\tИванов", NameProblem::Control),
            ("Иванов\r\nИван", NameProblem::Control),
            ("Иванов\u{0085}", NameProblem::Control),
            ("Иванов\u{7f}", NameProblem::Control),
            ("Иванов\u{202E}вонави", NameProblem::Bidi),
            ("\u{202A}Иванов", NameProblem::Bidi),
            ("Иванов\u{2066}", NameProblem::Bidi),
            ("Иванов\u{2069}", NameProblem::Bidi),
            ("Иванов\u{200F}", NameProblem::Bidi),
            ("Иванов\u{200B}Иван", NameProblem::Character),
            ("Иван\u{0306}", NameProblem::Character),
            ("Иванов1", NameProblem::Character),
            ("Ivanov<script>", NameProblem::Character),
            ("Ivanov;DROP", NameProblem::Character),
            ("Αλέξης", NameProblem::Character),
            ("a×b", NameProblem::Character),
        ];
        for (n, p) in cases {
            assert_eq!(problem(n), Some(*p), "{n:?}");
            assert_eq!(check(n).unwrap_err().code(), "CORE_NAME_INVALID");
        }
        let long = "Ә".repeat(MAX_CHARS);
        assert_eq!(problem(&long), None);
        assert_eq!(
            problem(&format!("{long}а")),
            Some(NameProblem::TooLong),
            "101 characters"
        );
        assert_eq!(problem(&"а".repeat(1_000_000)), Some(NameProblem::TooLong));
    }
}
