//! Test PKI generator shaped like NCA RK: CA, gateway TLS, user auth/sign certificates, CRL.
