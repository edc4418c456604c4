//! The one error contract of АРМ СИО ПСО.
//!
//! Every error a user can see carries a stable machine code from `docs/failure-codes.md` and a
//! coarse what-to-do class ([`Remedy`]). Every error enum of the workspace implements [`Coded`];
//! the desktop app, the command line and the gateway turn any [`Coded`] into their error body in
//! one place each (see [`Summary`]). Each enum also lists its own codes ([`CodeList`]), so the
//! failure-code catalogue test checks those lists against the catalogue instead of scraping the
//! sources.
//!
//! The [`coded!`] macro builds all of it from ONE table per enum — the `code()` match, the list of
//! codes, the remedies and the wrapped causes — so the match and the list cannot drift apart.

use std::fmt;

/// What the person in front of the error should do, as a coarse class.
///
/// The UI keys its localized "what to do" texts by code (`errors.<CODE>` in
/// `ui/src/lib/i18n`), which stays the primary lookup: a code's own text is always more precise
/// than its class. The remedy is the class of that advice, for what has no text of its own (a new
/// code, another component's code) and for callers that act on the class (retry later, ask for the
/// PIN again, send the user to log in) without matching code strings. On the wire it is
/// [`Remedy::key`], a `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Remedy {
    /// Correct what was typed or chosen (a form field, an argument, a file given).
    FixInput,
    /// Enter the PIN again; the error says how many tries are left.
    RetryPin,
    /// Insert or check the token, the card or the reader (or the biometric device).
    CheckDevice,
    /// The certificate or the PIN can no longer be used: the issuing office (NCA RK, PUK).
    IssuingOffice,
    /// The session ended or is locked: log in (or unlock) again.
    LogIn,
    /// Wait: until the time the error gives (lockout, cool-down), or until the result is ready.
    Wait,
    /// A transient failure of the channel or a service: try again later.
    RetryLater,
    /// Set this computer's clock to Astana time.
    FixClock,
    /// The administrator of the workstation (policy, configuration, keyring, disk).
    Administrator,
    /// The operator of СИО ПСО (account, rights, registration, enrolment).
    Operator,
    /// Do not trust or use what was received (tampered, untrusted, revoked); report it.
    DoNotTrust,
    /// An internal failure: try again, then call the helpdesk with the code and the time.
    Helpdesk,
    /// Nothing to do (already done, or the refusal is the answer).
    Nothing,
}

impl Remedy {
    /// Every class, in declaration order.
    pub const ALL: &'static [Remedy] = &[
        Remedy::FixInput,
        Remedy::RetryPin,
        Remedy::CheckDevice,
        Remedy::IssuingOffice,
        Remedy::LogIn,
        Remedy::Wait,
        Remedy::RetryLater,
        Remedy::FixClock,
        Remedy::Administrator,
        Remedy::Operator,
        Remedy::DoNotTrust,
        Remedy::Helpdesk,
        Remedy::Nothing,
    ];

    /// The stable wire key (`snake_case`), e.g. `retry_pin` (the app body's `remedy`).
    pub const fn key(self) -> &'static str {
        match self {
            Remedy::FixInput => "fix_input",
            Remedy::RetryPin => "retry_pin",
            Remedy::CheckDevice => "check_device",
            Remedy::IssuingOffice => "issuing_office",
            Remedy::LogIn => "log_in",
            Remedy::Wait => "wait",
            Remedy::RetryLater => "retry_later",
            Remedy::FixClock => "fix_clock",
            Remedy::Administrator => "administrator",
            Remedy::Operator => "operator",
            Remedy::DoNotTrust => "do_not_trust",
            Remedy::Helpdesk => "helpdesk",
            Remedy::Nothing => "nothing",
        }
    }

    /// The class of a wire key; `None` for a key this version does not know.
    pub fn from_key(key: &str) -> Option<Remedy> {
        Remedy::ALL.iter().copied().find(|r| r.key() == key)
    }
}

impl fmt::Display for Remedy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An error with a stable code (docs/failure-codes.md) and a what-to-do class.
///
/// Implemented by every error enum of the workspace, normally through [`coded!`]. The code is
/// `&str` rather than `&'static str` for the one error that carries a code it did not choose: a
/// refusal of the gateway received over the wire (sio-client's `ClientError::Gateway`); every
/// enum built with [`coded!`] also has an inherent `code()` returning `&'static str`.
pub trait Coded: std::error::Error {
    /// The stable machine code.
    fn code(&self) -> &str;

    /// What to do about it. Default: [`Remedy::Helpdesk`].
    fn remedy(&self) -> Remedy {
        Remedy::Helpdesk
    }

    /// The coded error this one wraps and takes its code from, if any (e.g. a gateway error
    /// wrapping a signature error). [`Summary::of`] walks these for the typed extras.
    fn wrapped(&self) -> Option<&dyn Coded> {
        None
    }

    /// For PIN errors: tries left before the PIN blocks (0 when blocked), when known.
    fn tries_left(&self) -> Option<u8> {
        None
    }

    /// For lockouts and cool-downs: until when (RFC 3339, Astana time).
    fn until(&self) -> Option<String> {
        None
    }

    /// For failures of the card a session runs on: what happened to it, when this error says so.
    fn card_state(&self) -> Option<CardState> {
        None
    }
}

/// What a failure says about the card (or token) a session runs on: the app locks the session
/// on these, deciding on this value rather than on code strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    /// The card left its reader: its PIN verification is gone.
    Removed,
    /// The card answers but no longer holds the PIN verification (reset by another program, or
    /// the PIN presented was refused).
    NotAuthenticated,
    /// The smart-card service (pcscd) went away during the operation: whatever the card had
    /// verified is gone with its connection.
    ServiceGone,
}

/// The codes one error enum (or code table) can return, for the failure-code catalogue check.
pub trait CodeList {
    /// Every code, each once, in table order.
    const CODES: &'static [&'static str];
}

/// Everything an error body needs from a [`Coded`] error, the typed extras included: the one
/// conversion the app's and the gateway's error bodies are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary<'a> {
    /// The stable code.
    pub code: &'a str,
    /// What to do.
    pub remedy: Remedy,
    /// For PIN errors: tries left (from the error or any coded cause).
    pub tries_left: Option<u8>,
    /// For lockouts and cool-downs: until when (from the error or any coded cause).
    pub until: Option<String>,
    /// What the failure says about the session's card (from the error or any coded cause).
    pub card: Option<CardState>,
}

impl<'a> Summary<'a> {
    /// Summarize `e`: its code and remedy, and the extras of the first error along its coded
    /// causes that has them.
    pub fn of<E: Coded + ?Sized>(e: &'a E) -> Summary<'a> {
        let mut tries_left = e.tries_left();
        let mut until = e.until();
        let mut card = e.card_state();
        let mut next: Option<&dyn Coded> = e.wrapped();
        // Causes nest a few levels at most (request → channel → signature); bound it anyway.
        for _ in 0..16 {
            let Some(c) = next else { break };
            tries_left = tries_left.or(c.tries_left());
            until = until.or_else(|| c.until());
            card = card.or(c.card_state());
            next = c.wrapped();
        }
        Summary {
            code: e.code(),
            remedy: e.remedy(),
            tries_left,
            until,
            card,
        }
    }
}

/// Whether `code` has the form of a stable code: upper-case ASCII words joined by `_`, starting
/// with a letter (`GW_ACCOUNT_LOCKED`).
pub fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.first().is_some_and(u8::is_ascii_uppercase)
        && b.last().is_some_and(|c| *c != b'_')
        && code.contains('_')
        && !code.contains("__")
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// One table per error enum: the inherent `code()` match, [`CodeList`], and [`Coded`] (remedy,
/// wrapped cause, typed extras), so the codes, the list and the classes cannot drift apart.
///
/// ```
/// # #[derive(Debug, thiserror::Error)] #[error("inner")] pub struct Inner;
/// # sio_error::coded! { Inner, default Helpdesk; Self => "DEMO_INNER" }
/// #[derive(Debug, thiserror::Error)]
/// pub enum DemoError {
///     #[error("bad input")]
///     Input(String),
///     #[error("wrong PIN")]
///     WrongPin { tries_left: Option<u8> },
///     #[error(transparent)]
///     Inner(Inner),
/// }
///
/// sio_error::coded! {
///     DemoError, default FixInput, extras {
///         fn tries_left(&self) -> Option<u8> {
///             match self { Self::WrongPin { tries_left } => *tries_left, _ => None }
///         }
///     };
///     Self::Input(_) => "DEMO_INPUT",
///     Self::WrongPin { .. } => "DEMO_WRONG_PIN" [RetryPin],
///     Self::Inner(e) => e.code(),
/// }
///
/// use sio_error::{CodeList, Coded, Remedy};
/// assert_eq!(DemoError::Input("x".into()).code(), "DEMO_INPUT");
/// assert_eq!(Coded::remedy(&DemoError::WrongPin { tries_left: Some(2) }), Remedy::RetryPin);
/// assert_eq!(Coded::code(&DemoError::Inner(Inner)), "DEMO_INNER");
/// assert_eq!(<DemoError as CodeList>::CODES, &["DEMO_INPUT", "DEMO_WRONG_PIN"]);
/// ```
///
/// Rows are `pattern => "CODE"` (the enum's default remedy), `pattern => "CODE" [Remedy]`, or
/// `pattern => inner.code()` for a variant that wraps another coded error and takes its code,
/// remedy and extras (the wrapped error's codes are in ITS list, not this one). Use `table`
/// instead of the default-remedy header for a code table that is not an error type (no
/// [`Coded`], an inherent `remedy()` instead).
#[macro_export]
macro_rules! coded {
    ($ty:ty, default $def:ident $(, extras { $($extra:item)* })? ; $($rows:tt)*) => {
        $crate::coded!(@row [error] [$ty] [$def] [$($($extra)*)?] [] [] [] [] ; $($rows)*);
    };
    (table $ty:ty, default $def:ident ; $($rows:tt)*) => {
        $crate::coded!(@row [table] [$ty] [$def] [] [] [] [] [] ; $($rows)*);
    };
    // A row with its own remedy.
    (@row [$mode:ident] [$ty:ty] [$def:ident] [$($extra:tt)*] [$($c:tt)*] [$($r:tt)*] [$($s:tt)*] [$($l:tt)*] ;
        $pat:pat => $code:literal [$rem:ident] $(, $($rest:tt)*)?) => {
        $crate::coded!(@row [$mode] [$ty] [$def] [$($extra)*]
            [$($c)* $pat => $code,]
            [$($r)* $pat => $crate::Remedy::$rem,]
            [$($s)*]
            [$($l)* $code,] ; $($($rest)*)?);
    };
    // A row with the enum's default remedy.
    (@row [$mode:ident] [$ty:ty] [$def:ident] [$($extra:tt)*] [$($c:tt)*] [$($r:tt)*] [$($s:tt)*] [$($l:tt)*] ;
        $pat:pat => $code:literal $(, $($rest:tt)*)?) => {
        $crate::coded!(@row [$mode] [$ty] [$def] [$($extra)*]
            [$($c)* $pat => $code,]
            [$($r)* $pat => $crate::Remedy::$def,]
            [$($s)*]
            [$($l)* $code,] ; $($($rest)*)?);
    };
    // A variant wrapping another coded error.
    (@row [$mode:ident] [$ty:ty] [$def:ident] [$($extra:tt)*] [$($c:tt)*] [$($r:tt)*] [$($s:tt)*] [$($l:tt)*] ;
        $pat:pat => $inner:ident . code() $(, $($rest:tt)*)?) => {
        $crate::coded!(@row [$mode] [$ty] [$def] [$($extra)*]
            [$($c)* $pat => $inner.code(),]
            [$($r)* $pat => $crate::Coded::remedy($inner),]
            [$($s)* $pat => ::core::option::Option::Some($inner as &dyn $crate::Coded),]
            [$($l)*] ; $($($rest)*)?);
    };
    (@row [error] [$ty:ty] [$def:ident] [$($extra:tt)*] [$($c:tt)*] [$($r:tt)*] [$($s:tt)*] [$($l:tt)*] ;) => {
        #[allow(unreachable_pub)]
        impl $ty {
            /// The stable machine code of this error (docs/failure-codes.md).
            pub fn code(&self) -> &'static str {
                match self { $($c)* }
            }
        }
        impl $crate::CodeList for $ty {
            const CODES: &'static [&'static str] = &[$($l)*];
        }
        impl $crate::Coded for $ty {
            fn code(&self) -> &str {
                <$ty>::code(self)
            }
            fn remedy(&self) -> $crate::Remedy {
                match self { $($r)* }
            }
            #[allow(unreachable_patterns, clippy::match_single_binding)]
            fn wrapped(&self) -> ::core::option::Option<&dyn $crate::Coded> {
                match self {
                    $($s)*
                    _ => ::core::option::Option::None,
                }
            }
            $($extra)*
        }
    };
    (@row [table] [$ty:ty] [$def:ident] [] [$($c:tt)*] [$($r:tt)*] [] [$($l:tt)*] ;) => {
        #[allow(unreachable_pub)]
        impl $ty {
            /// The stable machine code (docs/failure-codes.md).
            pub fn code(&self) -> &'static str {
                match self { $($c)* }
            }
            /// What to do about it.
            pub fn remedy(&self) -> $crate::Remedy {
                match self { $($r)* }
            }
        }
        impl $crate::CodeList for $ty {
            const CODES: &'static [&'static str] = &[$($l)*];
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Leaf {
        #[error("wrong PIN")]
        WrongPin { tries_left: Option<u8> },
        #[error("locked")]
        Locked,
        #[error("broken")]
        Broken,
    }

    coded! {
        Leaf, default Helpdesk, extras {
            fn tries_left(&self) -> Option<u8> {
                match self {
                    Self::WrongPin { tries_left } => *tries_left,
                    _ => None,
                }
            }
            fn until(&self) -> Option<String> {
                matches!(self, Self::Locked).then(|| "2026-12-05T12:00:00+05:00".to_owned())
            }
            fn card_state(&self) -> Option<CardState> {
                matches!(self, Self::Broken).then_some(CardState::Removed)
            }
        };
        Self::WrongPin { .. } => "T_WRONG_PIN" [RetryPin],
        Self::Locked => "T_LOCKED" [Wait],
        Self::Broken => "T_BROKEN",
    }

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("bad {0}")]
        Input(&'static str),
        #[error(transparent)]
        Leaf(#[from] Leaf),
        #[error(transparent)]
        Middle(Middle),
    }

    #[derive(Debug, thiserror::Error)]
    enum Middle {
        #[error(transparent)]
        Leaf(Leaf),
    }

    coded! { Middle, default Helpdesk; Self::Leaf(e) => e.code() }

    coded! {
        Outer, default FixInput;
        Self::Input(_) => "T_INPUT",
        Self::Leaf(e) => e.code(),
        Self::Middle(e) => e.code(),
    }

    #[derive(Debug, Clone, Copy)]
    enum Plain {
        A,
        B,
    }

    coded! {
        table Plain, default Operator;
        Self::A => "T_A",
        Self::B => "T_B" [Nothing],
    }

    #[test]
    fn the_table_gives_codes_remedies_and_lists() {
        assert_eq!(Leaf::Broken.code(), "T_BROKEN");
        assert_eq!(Coded::remedy(&Leaf::Broken), Remedy::Helpdesk);
        assert_eq!(Coded::remedy(&Leaf::Locked), Remedy::Wait);
        assert_eq!(Coded::remedy(&Outer::Input("x")), Remedy::FixInput);
        assert_eq!(
            <Leaf as CodeList>::CODES,
            ["T_WRONG_PIN", "T_LOCKED", "T_BROKEN"]
        );
        // A wrapper lists only its own codes; the wrapped one lists its own.
        assert_eq!(<Outer as CodeList>::CODES, ["T_INPUT"]);
        assert!(<Middle as CodeList>::CODES.is_empty());
        assert_eq!(
            (Plain::A.code(), Plain::A.remedy()),
            ("T_A", Remedy::Operator)
        );
        assert_eq!(
            (Plain::B.code(), Plain::B.remedy()),
            ("T_B", Remedy::Nothing)
        );
    }

    #[test]
    fn a_wrapper_takes_code_remedy_and_extras_of_what_it_wraps() {
        let e = Outer::Middle(Middle::Leaf(Leaf::WrongPin {
            tries_left: Some(2),
        }));
        assert_eq!(e.code(), "T_WRONG_PIN");
        let s = Summary::of(&e);
        assert_eq!(
            s,
            Summary {
                code: "T_WRONG_PIN",
                remedy: Remedy::RetryPin,
                tries_left: Some(2),
                until: None,
                card: None,
            }
        );
        let locked = Summary::of(&Outer::Leaf(Leaf::Locked));
        assert_eq!(locked.until.as_deref(), Some("2026-12-05T12:00:00+05:00"));
        assert_eq!(locked.remedy, Remedy::Wait);
        // The card's state travels through wrappers as the other extras do.
        let removed = Summary::of(&Outer::Middle(Middle::Leaf(Leaf::Broken)));
        assert_eq!(removed.card, Some(CardState::Removed));
        // Through a trait object too.
        let dynamic: &dyn Coded = &Outer::Input("x");
        assert_eq!(Summary::of(dynamic).code, "T_INPUT");
    }

    #[test]
    fn remedy_keys_are_stable_and_round_trip() {
        for r in Remedy::ALL {
            assert_eq!(Remedy::from_key(r.key()), Some(*r));
            assert!(r.key().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(Remedy::from_key("something_new"), None);
        assert_eq!(Remedy::RetryPin.to_string(), "retry_pin");
    }

    #[test]
    fn code_form() {
        assert!(is_code("GW_ACCOUNT_LOCKED"));
        assert!(is_code("CORE_ARTICLE_OUTSIDE_CHAPTER_8"));
        for bad in ["", "GW_", "_GW", "gw_x", "GW", "GW__X", "GW-X", "1GW_X"] {
            assert!(!is_code(bad), "{bad}");
        }
    }
}
