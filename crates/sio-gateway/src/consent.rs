//! The consent the user signs on the first login: rule 17 of the Rules (Order of the Prosecutor
//! General No. 21 of 13 January 2023; 2015 r.17 in the same words) — «при первичном входе
//! пользователь подписывает Соглашение … по форме согласно приложению 6 … средствами ЭЦП НУЦ;
//! электронное подписанное соглашение и дата подписания фиксируются в Системе».
//!
//! The text is Appendix 6 to those Rules as amended by Order No. 88 of 4 July 2024, copied
//! verbatim from the act (`consent/ru.txt`; only whitespace and indentation normalised, the
//! conversion's bookmark removed), with the form's blanks filled for the user: the city (locality
//! `L` of the user's authentication certificate), the date (Astana), the full name and position
//! (the gateway's user record, the position as recorded from the HR application) and the name of
//! the state body (the user record's organisation). The filled Russian text is what is signed:
//! the consent document states its language and its SHA-256, and the gateway recomputes both.
//!
//! Language. The acts give no Kazakh text of the 2024 edition; the only Kazakh Appendix 6 is the
//! 2015 one (Order 151/2015, repealed by Order 21/2023), which differs in substance (it lacks
//! §8, §11.3, §11.8, §17 of 2024). A user must not sign a repealed text, so the signed text is
//! always the Russian text of the edition in force; a Kazakh user is shown a Kazakh notice saying
//! so, and the 2015 Kazakh text only as a marked reference (`consent/kk-2015.txt`). English is a
//! courtesy translation, marked not legally binding, never signed.

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use sio_protocol::{
    ConsentDocument, ConsentFields, ConsentLanguage, ConsentText, ReceivedSigned, SessionInfo,
    SessionStage,
};

use crate::auth::{SessionRow, User, check_clock, load_user, session_info, set_stage};
use crate::certs::sha256_hex;
use crate::clock::{now, stamp};
use crate::error::GwError;
use crate::server::Shared;

/// Version of the consent text. Changes whenever any text below changes; a user whose signed
/// version differs is asked to sign again (stage `consent` after the second factor).
pub(crate) const CONSENT_VERSION: &str = "app6-2024.2";

/// Appendix 6 (Order 21/2023 as amended by Order 88/2024), Russian, verbatim, blanks unfilled.
pub(crate) const RU_FORM: &str = include_str!("consent/ru.txt");
/// Appendix 6 of the 2015 Rules (Order 151/2015, repealed), Kazakh, verbatim: reference only.
pub(crate) const KK_2015: &str = include_str!("consent/kk-2015.txt");
/// English courtesy translation of the 2024 text (not legally binding).
pub(crate) const EN: &str = include_str!("consent/en.txt");

/// What a Kazakh-speaking user is told above the Russian text.
pub(crate) const KK_NOTICE: &str = "Назар аударыңыз: қол қойылатын мәтін — Қазақстан Республикасы \
Бас Прокурорының 2023 жылғы 13 қаңтардағы № 21 бұйрығымен бекітілген Қағидаларға 6-қосымшаның \
(2024 жылғы 4 шілдедегі № 88 бұйрықтың редакциясында) орыс тіліндегі мәтіні, өйткені актілерде осы \
редакцияның мемлекеттік тілдегі мәтіні берілмеген. Төменде 2015 жылғы редакцияның (№ 151 бұйрық, \
күшін жойған) қазақ тіліндегі мәтіні тек анықтама үшін көрсетіледі; оған қол қойылмайды.";

/// The blanks of the form, exactly as the act writes them.
const BLANK_CITY: &str = "город _________";
const BLANK_DATE: &str = "\"___\"_________20 ___ года";
const BLANK_PERSON: &str = "в лице ________________________________________________\n\
_____________________________________________________________________\n\
_____________________________________________________________________\n\
(фамилия, имя, отчество (при его наличии), должность)";
const BLANK_BODY: &str = "являющийся сотрудником ______________________________________________,";

const MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// `"6" декабря 2026 года`, the act's quotes kept.
fn ru_date(d: NaiveDate) -> String {
    let month = MONTHS_GENITIVE
        .get(d.month0() as usize)
        .copied()
        .unwrap_or("");
    format!("\"{}\" {} {} года", d.day(), month, d.year())
}

/// Replace the one occurrence of `blank` in `text`; a form without it is an internal error (the
/// embedded text is tested).
fn fill_one(text: &str, blank: &str, with: &str) -> Result<String, GwError> {
    if text.matches(blank).count() != 1 {
        return Err(GwError::Internal(format!(
            "the consent form lacks the blank {:?}",
            blank.lines().next().unwrap_or(blank)
        )));
    }
    Ok(text.replacen(blank, with, 1))
}

/// Collapse whitespace and drop control characters of a value written into the form.
fn clean(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// The Russian form with `f`'s fields written into its blanks: the text that is signed.
pub(crate) fn fill_ru(f: &ConsentFields) -> Result<String, GwError> {
    let mut t = RU_FORM.to_owned();
    if let Some(city) = f.city.as_deref().map(clean).filter(|c| !c.is_empty()) {
        t = fill_one(&t, BLANK_CITY, &format!("город {city}"))?;
    }
    if let Some(d) = f.date {
        t = fill_one(&t, BLANK_DATE, &ru_date(d))?;
    }
    let name = clean(&f.full_name);
    let position = f
        .position
        .as_deref()
        .map(clean)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "____________________".into());
    t = fill_one(
        &t,
        BLANK_PERSON,
        &format!(
            "в лице {name}, {position}\n(фамилия, имя, отчество (при его наличии), должность)"
        ),
    )?;
    t = fill_one(
        &t,
        BLANK_BODY,
        &format!("являющийся сотрудником {},", clean(&f.organisation_name)),
    )?;
    Ok(t)
}

/// The consent for fields `f`.
pub(crate) fn consent_text(f: ConsentFields) -> Result<ConsentText, GwError> {
    let ru = fill_ru(&f)?;
    Ok(ConsentText {
        version: CONSENT_VERSION.into(),
        signed_language: ConsentLanguage::Ru,
        sha256: sha256_hex(ru.as_bytes()),
        form_date: f.date,
        ru,
        kk: KK_NOTICE.into(),
        en: EN.into(),
        fields: f,
        kk_reference_2015: KK_2015.into(),
    })
}

/// The locality (`L=`) of an RFC 4514 subject, unescaped; `None` if absent or hex-encoded.
fn locality(subject: &str) -> Option<String> {
    let mut parts = Vec::new();
    let (mut cur, mut esc) = (String::new(), false);
    for c in subject.chars() {
        match (esc, c) {
            (true, c) => {
                cur.push(c);
                esc = false;
            }
            (false, '\\') => esc = true,
            (false, ',' | '+') => parts.push(std::mem::take(&mut cur)),
            (false, c) => cur.push(c),
        }
    }
    parts.push(cur);
    parts.iter().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        let v = v.trim();
        (k.trim().eq_ignore_ascii_case("L") && !v.is_empty() && !v.starts_with('#'))
            .then(|| v.to_owned())
    })
}

/// The city of the session's authentication certificate (NCA RK writes the locality as `L`).
fn session_city(conn: &Connection, token_hash: &str) -> Result<Option<String>, GwError> {
    let der: Option<Vec<u8>> = conn
        .query_row(
            "SELECT der FROM session_certs WHERE session = ?1 AND kind = 'auth' LIMIT 1",
            [token_hash],
            |r| r.get(0),
        )
        .optional()
        .map_err(GwError::db("load the session's certificate"))?;
    Ok(der
        .and_then(|d| sio_sign::CertSummary::from_der(&d).ok())
        .and_then(|c| locality(&c.subject)))
}

/// The user's recorded position (HR application), if any.
fn position(conn: &Connection, iin: &str) -> Result<Option<String>, GwError> {
    let p: Option<String> = conn
        .query_row("SELECT position FROM users WHERE iin = ?1", [iin], |r| {
            r.get(0)
        })
        .optional()
        .map_err(GwError::db("load a user's position"))?;
    Ok(p.filter(|p| !p.trim().is_empty()))
}

/// The form's fields for `user` in session `s` on `date`.
pub(crate) fn fields(
    conn: &Connection,
    s: &SessionRow,
    user: &User,
    date: NaiveDate,
) -> Result<ConsentFields, GwError> {
    Ok(ConsentFields {
        city: session_city(conn, &s.token_hash)?,
        date: Some(date),
        full_name: user.full_name.clone(),
        position: position(conn, &user.iin)?,
        organisation_name: user.organisation_name.clone(),
    })
}

/// Today in Astana.
fn astana_today(at: DateTime<Utc>) -> NaiveDate {
    sio_core::time::to_astana(at).date_naive()
}

/// `GET /v1/consent`: the text for this user today.
pub(crate) fn text_for(sh: &Shared, s: &SessionRow, user: &User) -> Result<ConsentText, GwError> {
    let conn = sh.reader()?;
    consent_text(fields(&conn, s, user, astana_today(now()))?)
}

/// `POST /v1/consent`: check and keep the signed consent (rule 17; Appendix 6 §16: the
/// confirmation is signed with the user's signature). The document must name the Russian text of
/// the current version filled for this user, for a form date of today or yesterday (Astana; a
/// form fetched before midnight), and its hash must be of exactly that text.
pub(crate) fn sign_consent(
    sh: &Shared,
    s: &mut SessionRow,
    user: &User,
    body: &[u8],
) -> Result<SessionInfo, GwError> {
    match s.stage {
        SessionStage::SecondFactor => {
            return Err(GwError::WrongStage("pass the second factor first"));
        }
        SessionStage::Consent | SessionStage::Active => {}
    }
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    let sigs = verifiers.document(&received.canonical, &received.cms_der, 1)?;
    let doc: ConsentDocument = received.parse()?;
    if sigs.first().and_then(|v| v.certificate.iin.as_deref()) != Some(user.iin.as_str())
        || doc.iin != user.iin
    {
        return Err(GwError::SignerMismatch);
    }
    if doc.consent_version != CONSENT_VERSION {
        return Err(GwError::ConsentMismatch("another version of the text"));
    }
    if doc.text_language != ConsentLanguage::Ru {
        return Err(GwError::ConsentMismatch(
            "only the Russian text of the edition in force is signed",
        ));
    }
    check_clock(doc.signed_at.with_timezone(&Utc), at)?;
    let today = astana_today(at);
    let date = doc
        .form_date
        .filter(|d| *d == today || *d + Duration::days(1) == today)
        .ok_or(GwError::ConsentMismatch("the form's date is not today"))?;
    let conn = sh.db()?;
    let text = consent_text(fields(&conn, s, user, date)?)?;
    if doc.text_sha256 != text.sha256 {
        return Err(GwError::ConsentMismatch("another text"));
    }
    crate::db::durable(&conn, |conn| {
        conn.execute(
            "UPDATE users SET consent_version = ?2, consent_signed_at = ?3, consent_document = ?4, consent_cms = ?5 WHERE iin = ?1",
            params![user.iin, doc.consent_version, stamp(at), received.canonical, received.cms_der],
        )
        .map_err(GwError::db("store the consent"))
    })?;
    set_stage(&conn, s, SessionStage::Active)?;
    tracing::info!(user = %user.iin, version = CONSENT_VERSION, "consent signed");
    let user = load_user(&conn, &user.iin)?.ok_or(GwError::NoSession)?;
    Ok(session_info(s, &user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Phrases of Appendix 6 (Order 88/2024) the paraphrase of before lacked (issue 18 item 5).
    pub(crate) const KNOWN: &[&str] = &[
        "Согласие на условия использования системы информационного обмена правоохранительных, специальных государственных и иных органов",
        "(фамилия, имя, отчество (при его наличии), должность)",
        "(наименование государственного органа)",
        "8. Вход в СИО ПСО осуществляется посредством электронной цифровой подписи Национального удостоверяющего центра Республики Казахстан",
        "Вход в СИО ПСО посредством ЭЦП на файловой системе не допускается.",
        // §11.2, §11.3, §11.5, §11.8
        "2) в случае длительного, более двух месяцев, отсутствия на рабочем месте подать электронную заявку на блокировку своей учетной записи;",
        "3) в случае изменения прав пользователя по причине перевода на другую должность или подразделение в течение суток со дня подписания приказа направлять посредством портала СИО ПСО электронную Заявку;",
        "5) не использовать СИО ПСО в целях умышленного нарушения законодательства Республики Казахстан и международных договоров;",
        "8) соблюдение Единых требований в области информационно-коммуникационных технологий и обеспечения информационной безопасности, утвержденных постановлением Правительства Республики Казахстан от 20 декабря 2016 года № 832",
        "16. Подтверждение о согласии, подписывается ЭЦП пользователя СИО ПСО.",
        // §17
        "17. Нарушение пользователем положений настоящего согласия может привести к временному приостановлению или полному закрытию доступа к СИО ПСО, удалению учетной записи пользователя, а также привлечению к ответственности, установленной законами Республики Казахстан.",
    ];

    fn fields() -> ConsentFields {
        ConsentFields {
            city: Some("АСТАНА".into()),
            date: NaiveDate::from_ymd_opt(2026, 12, 6),
            full_name: "Иванов Иван Иванович".into(),
            position: Some("следователь".into()),
            organisation_name: "Департамент полиции г. Астаны".into(),
        }
    }

    #[test]
    fn the_embedded_text_is_appendix_6_of_2024_verbatim() {
        let t = flat(RU_FORM);
        for k in KNOWN {
            assert!(t.contains(&flat(k)), "missing: {k}");
        }
        // All 17 points and the five chapters, in order.
        let mut at = 0;
        for n in 1..=17 {
            let p = format!("\n{n}. ");
            let i = RU_FORM[at..]
                .find(&p)
                .unwrap_or_else(|| panic!("point {n}"));
            at += i + 1;
        }
        assert!(EN.starts_with("COURTESY TRANSLATION — NOT LEGALLY BINDING"));
        assert!(KK_2015.contains("6-қосымша") && !KK_2015.contains("7-қосымша"));
    }

    /// Against the act itself when the seeds are there (../shared/seeds relative to the
    /// workspace): every line of the embedded text is the act's, in the act's order.
    #[test]
    fn the_embedded_text_matches_the_seed() {
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/seeds/001_cec488be3c767f1b.txt");
        let Ok(act) = std::fs::read_to_string(&seed) else {
            eprintln!(
                "SKIP: {} not present; known phrases checked only",
                seed.display()
            );
            return;
        };
        let start = act.find("Приложение 6\n").expect("Appendix 6 in the seed");
        let act = flat(
            &act[start..]
                .replace("[bookmark: z88]", "")
                .replace('\u{a0}', " "),
        );
        assert_eq!(act, flat(RU_FORM), "the embedded text differs from the act");
    }

    #[test]
    fn the_fields_are_filled_and_the_hash_is_of_the_filled_russian_text() {
        let t = consent_text(fields()).unwrap();
        assert_eq!(t.sha256, sha256_hex(t.ru.as_bytes()));
        assert_eq!(t.signed_language, ConsentLanguage::Ru);
        assert!(t.ru.contains("город АСТАНА\n"));
        assert!(t.ru.contains("\"6\" декабря 2026 года"));
        assert!(t.ru.contains("1. Пользователь, в лице Иванов Иван Иванович, следователь\n"));
        assert!(t.ru.contains("являющийся сотрудником Департамент полиции г. Астаны,\n"));
        assert!(!t.ru.contains("____"), "a blank left: {}", t.ru);
        for k in KNOWN.iter().skip(3) {
            assert!(flat(&t.ru).contains(&flat(k)), "missing after filling: {k}");
        }
        // Another name, another text, another hash.
        let mut other = fields();
        other.full_name = "Петров Пётр".into();
        assert_ne!(consent_text(other).unwrap().sha256, t.sha256);
    }

    /// A text changed without a new `CONSENT_VERSION` would not be asked again of users who
    /// signed the old one: the texts of each version are pinned here.
    #[test]
    fn the_version_changes_with_the_text() {
        let all = [RU_FORM, KK_2015, EN, KK_NOTICE].concat();
        assert_eq!(
            (CONSENT_VERSION, sha256_hex(all.as_bytes()).as_str()),
            (
                "app6-2024.2",
                "c80a58edbb047390e2d85ada0cabc03328eb2bb68fa318ac738d4f3ebf48ed34"
            ),
            "the consent texts changed: give CONSENT_VERSION a new value and pin the new hash"
        );
    }

    #[test]
    fn unknown_city_and_position_leave_their_blanks() {
        let mut f = fields();
        f.city = None;
        f.position = None;
        let t = consent_text(f).unwrap();
        assert!(t.ru.contains("город _________"));
        assert!(t.ru.contains("в лице Иванов Иван Иванович, ____"));
    }

    #[test]
    fn locality_is_read_from_an_rfc4514_subject() {
        assert_eq!(
            locality("CN=ИВАНОВ ИВАН,L=АСТАНА,C=KZ").as_deref(),
            Some("АСТАНА")
        );
        assert_eq!(locality("CN=A\\,L=B,C=KZ"), None);
        assert_eq!(locality("L=#0c03414243"), None);
    }
}
