//! Thin shim over `sio-test-support` (the world every end-to-end test builds: test PKI, virtual
//! card, reference gateway, policy file, `sio` binary, keyctl session runner), kept so that test
//! files with `mod support;` compile unchanged. New tests may `use sio_test_support as support;`.
#![allow(unused_imports)] // each test binary uses some

pub(crate) use sio_test_support::*;
