//! Card stack: APDU backend trait, PC/SC backend, PIV application, PKCS#11 backend.
