//! PKCS#11 backend on `cryptoki`: modules, tokens, certificates, login, signing.
//!
//! ## Hardware or software
//! A key is reported as [`Carrier::Hardware`] only when its slot has `CKF_HW_SLOT` (the module says
//! the slot is a physical device: OpenSC sets it for every reader slot) and the token is not a
//! known software token (SoftHSM). SoftHSM2 does not set `CKF_HW_SLOT`, so its keys are
//! [`Carrier::Software`] and refused for login by [`crate::admit_carrier`]. The flag is what the
//! module reports; an administrator decides which modules are installed.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};

use crate::cert::{CertificateInfo, KeyKind};
use crate::pin::Pin;
use crate::piv::{Rejected, Unverified, Verified};
use crate::pkcs11_gost::{self, GostMechanism};
use crate::{TokenError, encoding};

/// The mechanism object for a vendor-defined value (the TC26 GOST mechanisms).
fn vendor_mechanism(value: u64) -> Result<Mechanism<'static>, TokenError> {
    let mt = MechanismType::new_vendor_defined(value).map_err(ck("name a GOST mechanism"))?;
    Ok(Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
        mt, None,
    )))
}

fn mechanism_name(value: u64) -> &'static str {
    match value {
        pkcs11_gost::CKM_GOSTR3410_512 => "CKM_GOSTR3410_512",
        pkcs11_gost::CKM_GOSTR3410_WITH_GOSTR3411_12_256 => "CKM_GOSTR3410_WITH_GOSTR3411_12_256",
        pkcs11_gost::CKM_GOSTR3410_WITH_GOSTR3411_12_512 => "CKM_GOSTR3410_WITH_GOSTR3411_12_512",
        _ => "a vendor-defined mechanism",
    }
}

/// OpenSC's PKCS#11 module on Debian (amd64).
pub const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// SoftHSM2's PKCS#11 module on Debian.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn ck(operation: &'static str) -> impl FnOnce(CkError) -> TokenError {
    move |source| TokenError::Pkcs11 { operation, source }
}

fn rv(e: &CkError) -> Option<RvError> {
    match e {
        CkError::Pkcs11(rv, _) => Some(*rv),
        _ => None,
    }
}

/// A loaded and initialised PKCS#11 module.
///
/// A module is loaded and `C_Initialize`d once per process and path; loading it again returns the
/// same instance (a second `C_Initialize` would fail, and finalising one copy would break the other).
#[derive(Clone)]
pub struct Pkcs11Module {
    ctx: Pkcs11,
    path: PathBuf,
}

impl fmt::Debug for Pkcs11Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Module")
            .field("path", &self.path)
            .finish()
    }
}

/// How a token's user PIN stands, from the token flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs11PinStatus {
    /// No warning flag is set.
    Normal,
    /// `CKF_USER_PIN_COUNT_LOW`: a wrong PIN was entered since the last success.
    CountLow,
    /// `CKF_USER_PIN_FINAL_TRY`: one more wrong PIN blocks it.
    FinalTry,
    /// `CKF_USER_PIN_LOCKED`.
    Locked,
}

/// A token found in a slot.
#[derive(Debug, Clone)]
pub struct Pkcs11Token {
    /// Slot id, to pass to [`Pkcs11Module::open`].
    pub slot_id: u64,
    /// Slot description (for OpenSC: the reader name).
    pub slot_description: String,
    /// Token label.
    pub label: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Hardware or software (see the module documentation).
    pub carrier: Carrier,
    /// User PIN flags.
    pub pin: Pkcs11PinStatus,
    /// `CKF_PROTECTED_AUTHENTICATION_PATH`: the PIN is entered on the device (PIN pad).
    pub protected_authentication_path: bool,
}

impl Pkcs11Module {
    /// Load and initialise the module at `path` (or return the instance already loaded).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, TokenError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
        let path = path.as_ref().to_path_buf();
        let mut loaded = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(ctx) = loaded.get(&path) {
            return Ok(Self {
                ctx: ctx.clone(),
                path,
            });
        }
        let failed = |e: CkError| TokenError::Pkcs11Module {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let ctx = Pkcs11::new(&path).map_err(failed)?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) => {}
            Err(e) if rv(&e) == Some(RvError::CryptokiAlreadyInitialized) => {}
            Err(e) => return Err(failed(e)),
        }
        loaded.insert(path.clone(), ctx.clone());
        Ok(Self { ctx, path })
    }

    /// The module path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn slot(&self, slot_id: u64) -> Result<Slot, TokenError> {
        self.ctx
            .get_slots_with_token()
            .map_err(ck("list slots"))?
            .into_iter()
            .find(|s| s.id() == slot_id)
            .ok_or_else(|| TokenError::NoCard {
                reader: format!("slot {slot_id}"),
            })
    }

    fn describe(&self, slot: Slot) -> Result<Pkcs11Token, TokenError> {
        let si = self.ctx.get_slot_info(slot).map_err(ck("read slot info"))?;
        let ti = self
            .ctx
            .get_token_info(slot)
            .map_err(ck("read token info"))?;
        let software = ti.manufacturer_id().contains("SoftHSM") || ti.model().contains("SoftHSM");
        let carrier = if si.hardware_slot() && !software {
            Carrier::Hardware
        } else {
            Carrier::Software
        };
        Ok(Pkcs11Token {
            slot_id: slot.id(),
            slot_description: si.slot_description().trim().to_owned(),
            label: ti.label().trim().to_owned(),
            manufacturer: ti.manufacturer_id().trim().to_owned(),
            model: ti.model().trim().to_owned(),
            serial: ti.serial_number().trim().to_owned(),
            carrier,
            pin: pin_status_of(&ti),
            protected_authentication_path: ti.protected_authentication_path(),
        })
    }

    /// The slots that hold a token.
    pub fn tokens(&self) -> Result<Vec<Pkcs11Token>, TokenError> {
        let slots = self.ctx.get_slots_with_token().map_err(ck("list slots"))?;
        slots.into_iter().map(|s| self.describe(s)).collect()
    }

    /// Open a read-only session with the token in `slot_id`.
    pub fn open(&self, slot_id: u64) -> Result<Pkcs11Session<Unverified>, TokenError> {
        let slot = self.slot(slot_id)?;
        let token = self.describe(slot)?;
        let session = self.ctx.open_ro_session(slot).map_err(ck("open session"))?;
        Ok(Pkcs11Session {
            module: self.clone(),
            slot,
            token,
            session,
            _state: PhantomData,
        })
    }
}

fn pin_status_of(ti: &cryptoki::slot::TokenInfo) -> Pkcs11PinStatus {
    if ti.user_pin_locked() {
        Pkcs11PinStatus::Locked
    } else if ti.user_pin_final_try() {
        Pkcs11PinStatus::FinalTry
    } else if ti.user_pin_count_low() {
        Pkcs11PinStatus::CountLow
    } else {
        Pkcs11PinStatus::Normal
    }
}

/// A certificate object on a token.
#[derive(Debug, Clone)]
pub struct Pkcs11Certificate {
    /// `CKA_ID`, shared with the matching private key.
    pub id: Vec<u8>,
    /// `CKA_LABEL`.
    pub label: String,
    /// The parsed certificate.
    pub info: CertificateInfo,
}

/// A session with a token; `S` is [`Unverified`] or [`Verified`].
pub struct Pkcs11Session<S = Unverified> {
    module: Pkcs11Module,
    slot: Slot,
    token: Pkcs11Token,
    session: Session,
    _state: PhantomData<S>,
}

impl<S> fmt::Debug for Pkcs11Session<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Session")
            .field("module", &self.module.path)
            .field("token", &self.token.label)
            .finish()
    }
}

impl<S> Pkcs11Session<S> {
    /// The token this session is on.
    pub fn token(&self) -> &Pkcs11Token {
        &self.token
    }

    /// The user PIN flags as the token reports them now.
    pub fn pin_status(&self) -> Result<Pkcs11PinStatus, TokenError> {
        let ti = self
            .module
            .ctx
            .get_token_info(self.slot)
            .map_err(ck("read token info"))?;
        Ok(pin_status_of(&ti))
    }

    /// Check that the token offers the mechanism this product signs `algorithm` with
    /// (`C_GetMechanismInfo`; `cryptoki` drops vendor-defined values from `C_GetMechanismList`).
    /// Only GOST algorithms are checked; a token that lacks the mechanism gives
    /// [`TokenError::MechanismMissing`].
    pub fn require_mechanism(&self, algorithm: SignatureAlgorithm) -> Result<(), TokenError> {
        let Some(GostMechanism { mechanism, .. }) = pkcs11_gost::gost_mechanism(algorithm) else {
            return Ok(());
        };
        let mt =
            MechanismType::new_vendor_defined(mechanism).map_err(ck("name a GOST mechanism"))?;
        match self.module.ctx.get_mechanism_info(self.slot, mt) {
            Ok(info) if info.sign() => Ok(()),
            Ok(_) => Err(TokenError::MechanismMissing {
                mechanism,
                mechanism_name: mechanism_name(mechanism),
                algorithm: algorithm.to_string(),
            }),
            Err(e) if rv(&e) == Some(RvError::MechanismInvalid) => {
                Err(TokenError::MechanismMissing {
                    mechanism,
                    mechanism_name: mechanism_name(mechanism),
                    algorithm: algorithm.to_string(),
                })
            }
            Err(e) => Err(TokenError::Pkcs11 {
                operation: "read mechanism info",
                source: e,
            }),
        }
    }

    /// All certificates on the token that parse.
    pub fn certificates(&self) -> Result<Vec<Pkcs11Certificate>, TokenError> {
        let handles = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .map_err(ck("find certificates"))?;
        let mut out = Vec::new();
        for h in handles {
            let attrs = self
                .session
                .get_attributes(
                    h,
                    &[
                        AttributeType::Id,
                        AttributeType::Label,
                        AttributeType::Value,
                    ],
                )
                .map_err(ck("read certificate"))?;
            let (mut id, mut label, mut value) = (Vec::new(), String::new(), None);
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                    Attribute::Value(v) => value = Some(v),
                    _ => {}
                }
            }
            let Some(der) = value else { continue };
            match crate::cert::parse(&der) {
                Ok(info) => out.push(Pkcs11Certificate { id, label, info }),
                Err(e) => {
                    tracing::warn!(label, error = %e, "skipping a certificate that does not parse")
                }
            }
        }
        Ok(out)
    }
}

fn login_error(e: CkError, ti: Option<cryptoki::slot::TokenInfo>) -> TokenError {
    match rv(&e) {
        Some(RvError::PinIncorrect) => {
            let status = ti.as_ref().map(pin_status_of);
            match status {
                Some(Pkcs11PinStatus::Locked) => TokenError::PinBlocked,
                Some(Pkcs11PinStatus::FinalTry) => TokenError::WrongPin {
                    tries_left: Some(1),
                },
                _ => TokenError::WrongPin { tries_left: None },
            }
        }
        Some(RvError::PinLocked) => TokenError::PinBlocked,
        Some(RvError::PinLenRange | RvError::PinInvalid) => TokenError::PinFormat {
            reason: "the token does not accept a PIN of this form",
        },
        _ => TokenError::Pkcs11 {
            operation: "login",
            source: e,
        },
    }
}

impl Pkcs11Session<Unverified> {
    /// Log in as the user. On failure the session comes back with the error; a wrong PIN carries
    /// `tries_left: Some(1)` when the token raises `CKF_USER_PIN_FINAL_TRY`, and a locked PIN is
    /// [`TokenError::PinBlocked`].
    pub fn login(self, pin: Pin) -> Result<Pkcs11Session<Verified>, Rejected<Self>> {
        let result = self.session.login(UserType::User, Some(&pin.to_auth_pin()));
        drop(pin);
        self.finish_login(result)
    }

    /// Log in on the token's own PIN pad (`CKF_PROTECTED_AUTHENTICATION_PATH`, see
    /// [`Pkcs11Token::protected_authentication_path`]): `C_Login` with no PIN; the PIN never passes
    /// through this process.
    pub fn login_on_pad(self) -> Result<Pkcs11Session<Verified>, Rejected<Self>> {
        if !self.token.protected_authentication_path {
            let error = TokenError::PinPad {
                detail: "the token has no protected authentication path".into(),
            };
            return Err(Rejected {
                session: Box::new(self),
                error,
            });
        }
        let result = self.session.login(UserType::User, None);
        self.finish_login(result)
    }

    fn finish_login(
        self,
        result: Result<(), CkError>,
    ) -> Result<Pkcs11Session<Verified>, Rejected<Self>> {
        match result {
            Ok(()) => {}
            Err(e) if rv(&e) == Some(RvError::UserAlreadyLoggedIn) => {}
            Err(e) => {
                let ti = self.module.ctx.get_token_info(self.slot).ok();
                let error = login_error(e, ti);
                return Err(Rejected {
                    session: Box::new(self),
                    error,
                });
            }
        }
        let Self {
            module,
            slot,
            token,
            session,
            ..
        } = self;
        Ok(Pkcs11Session {
            module,
            slot,
            token,
            session,
            _state: PhantomData,
        })
    }
}

impl Pkcs11Session<Verified> {
    /// A signer for the key with `CKA_ID` = `id` (the id of its certificate). A key with
    /// `CKA_ALWAYS_AUTHENTICATE` needs [`Pkcs11Session::signer_with_pin`].
    pub fn signer(&mut self, id: &[u8]) -> Result<Pkcs11Signer<'_>, TokenError> {
        self.make_signer(id, None)
    }

    /// A signer that does the context-specific login with `pin` before its first signature, then
    /// drops the PIN.
    pub fn signer_with_pin(&mut self, id: &[u8], pin: Pin) -> Result<Pkcs11Signer<'_>, TokenError> {
        self.make_signer(id, Some(pin))
    }

    fn make_signer(&mut self, id: &[u8], pin: Option<Pin>) -> Result<Pkcs11Signer<'_>, TokenError> {
        let cert = self
            .certificates()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| TokenError::NoCertificate {
                location: format!("token {:?} id {}", self.token.label, hex::encode(id)),
            })?;
        let key = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .map_err(ck("find private key"))?
            .into_iter()
            .next()
            .ok_or_else(|| TokenError::KeyNotFound {
                location: format!("token {:?} id {}", self.token.label, hex::encode(id)),
            })?;
        let always_authenticate = self
            .session
            .get_attributes(key, &[AttributeType::AlwaysAuthenticate])
            .ok()
            .into_iter()
            .flatten()
            .any(|a| matches!(a, Attribute::AlwaysAuthenticate(true)));
        if always_authenticate && pin.is_none() {
            return Err(TokenError::NotAuthenticated {
                operation: "signing with an always-authenticate key",
            });
        }
        let algorithm = match cert.info.key {
            KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
            KeyKind::EcP256 => SignatureAlgorithm::EcdsaP256Sha256,
            KeyKind::EcP384 => SignatureAlgorithm::EcdsaP384Sha384,
            other => match self.gost_algorithm(key, &cert.info) {
                Some(alg) => {
                    let alg = alg?;
                    self.require_mechanism(alg)?;
                    alg
                }
                None => {
                    return Err(TokenError::UnsupportedKey {
                        detail: format!("{other:?}"),
                    });
                }
            },
        };
        Ok(Pkcs11Signer {
            label: self.token.label.clone(),
            carrier: self.token.carrier,
            session: Mutex::new(self),
            key,
            cert: cert.info,
            algorithm,
            always_authenticate,
            pin,
        })
    }
}

impl Pkcs11Session<Verified> {
    /// The GOST algorithm of `key` from `CKA_KEY_TYPE` and the parameter set. `cryptoki` 0.12 has
    /// no attribute type for `CKA_GOSTR3410_PARAMS`, so the parameter set is taken from the
    /// key's certificate (the same OID the token keeps in that attribute).
    fn gost_algorithm(
        &self,
        key: ObjectHandle,
        cert: &CertificateInfo,
    ) -> Option<Result<SignatureAlgorithm, TokenError>> {
        let key_type = self
            .session
            .get_attributes(key, &[AttributeType::KeyType])
            .ok()?
            .into_iter()
            .find_map(|a| match a {
                Attribute::KeyType(t) => Some(u64::from(t)),
                _ => None,
            })?;
        let params = gost_params_of(cert.der()).unwrap_or_default();
        pkcs11_gost::gost_algorithm(key_type, &params)
    }
}

/// The DER parameter-set OID of a GOST certificate's public key.
fn gost_params_of(cert_der: &[u8]) -> Option<Vec<u8>> {
    use der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    let params = cert
        .tbs_certificate
        .subject_public_key_info
        .algorithm
        .parameters?;
    sio_gost::param_set_der(&params.to_der().ok()?)
}

/// A private key on a PKCS#11 token, made only from a logged-in session.
pub struct Pkcs11Signer<'s> {
    /// Behind a mutex: a PKCS#11 session is `Send` but not `Sync`, and a [`Signer`] is both.
    session: Mutex<&'s mut Pkcs11Session<Verified>>,
    label: String,
    carrier: Carrier,
    key: ObjectHandle,
    cert: CertificateInfo,
    algorithm: SignatureAlgorithm,
    always_authenticate: bool,
    pin: Option<Pin>,
}

impl fmt::Debug for Pkcs11Signer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.label)
            .field("algorithm", &self.algorithm)
            .field("always_authenticate", &self.always_authenticate)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer<'_> {
    /// Use RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) instead of PKCS#1 v1.5; only for RSA keys.
    pub fn with_pss(mut self) -> Result<Self, TokenError> {
        if !matches!(self.cert.key, KeyKind::Rsa { .. }) {
            return Err(TokenError::UnsupportedKey {
                detail: "PSS needs an RSA key".into(),
            });
        }
        self.algorithm = SignatureAlgorithm::RsaPssSha256;
        Ok(self)
    }

    /// The parsed certificate of the key.
    pub fn certificate(&self) -> &CertificateInfo {
        &self.cert
    }

    /// Sign and report the module's failure as a [`TokenError`].
    pub fn sign_message(&mut self, message: &[u8]) -> Result<Vec<u8>, TokenError> {
        let pss = || PkcsPssParams {
            hash_alg: MechanismType::SHA256,
            mgf: PkcsMgfType::MGF1_SHA256,
            s_len: 32u64.into(),
        };
        let gost = pkcs11_gost::gost_mechanism(self.algorithm);
        let hash = match gost {
            Some(_) => Vec::new(),
            None => encoding::digest(self.algorithm, message),
        };
        let (mechanism, input, hashing) = match self.algorithm {
            SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512 => {
                let m = gost.ok_or_else(|| TokenError::bad("sign", "no GOST mechanism"))?;
                // PKCS#11 GOST mechanisms: the raw one signs the Streebog digest made here, the
                // hashing one takes the message (see the pkcs11_gost module documentation).
                let data = if m.host_hash {
                    pkcs11_gost::streebog_digest(self.algorithm, message)
                } else {
                    message.to_vec()
                };
                (
                    vendor_mechanism(m.mechanism)?,
                    data,
                    vendor_mechanism(m.mechanism)?,
                )
            }
            SignatureAlgorithm::RsaPkcs1Sha256 => (
                Mechanism::RsaPkcs,
                encoding::sha256_digest_info(&hash),
                Mechanism::Sha256RsaPkcs,
            ),
            SignatureAlgorithm::RsaPssSha256 => (
                Mechanism::RsaPkcsPss(pss()),
                hash,
                Mechanism::Sha256RsaPkcsPss(pss()),
            ),
            SignatureAlgorithm::EcdsaP384Sha384 => (Mechanism::Ecdsa, hash, Mechanism::EcdsaSha384),
            _ => (Mechanism::Ecdsa, hash, Mechanism::EcdsaSha256),
        };
        let token = self
            .session
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let raw = if self.always_authenticate {
            let pin = self.pin.take().ok_or(TokenError::NotAuthenticated {
                operation: "signing with an always-authenticate key",
            })?;
            // PKCS#11 §5.1: the context-specific login comes between C_SignInit and C_Sign, so the
            // operation is multi-part; a hash-and-sign mechanism takes the message in C_SignUpdate,
            // the raw one (when the module has no hashing variant) takes the prepared input.
            let mechanisms = token
                .module
                .ctx
                .get_mechanism_list(token.slot)
                .map_err(ck("list mechanisms"))?;
            let (mechanism, data) = if mechanisms.contains(&hashing.mechanism_type()) {
                (hashing, message.to_vec())
            } else {
                (mechanism, input)
            };
            let session = &token.session;
            session
                .sign_init(&mechanism, self.key)
                .map_err(ck("sign init"))?;
            let login = session.login(UserType::ContextSpecific, Some(&pin.to_auth_pin()));
            drop(pin);
            login.map_err(|e| login_error(e, None))?;
            session.sign_update(&data).map_err(ck("sign"))?;
            session.sign_final().map_err(ck("sign"))?
        } else {
            token
                .session
                .sign(&mechanism, self.key, &input)
                .map_err(|e| match rv(&e) {
                    Some(RvError::UserNotLoggedIn) => {
                        TokenError::NotAuthenticated { operation: "sign" }
                    }
                    _ => TokenError::Pkcs11 {
                        operation: "sign",
                        source: e,
                    },
                })?
        };
        match self.algorithm {
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha384 => {
                // Modules return raw r‖s (PKCS#11 §2.3.1).
                encoding::ecdsa_raw_to_der(&raw)
                    .ok_or_else(|| TokenError::bad("sign", "odd-length ECDSA signature"))
            }
            SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512 => {
                pkcs11_gost::token_signature_to_signer(self.algorithm, &raw)
            }
            _ => Ok(raw),
        }
    }
}

impl Signer for Pkcs11Signer<'_> {
    fn certificate_der(&self) -> &[u8] {
        self.cert.der()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn carrier(&self) -> Carrier {
        self.carrier
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.sign_message(message).map_err(SignerError::from)
    }
}
