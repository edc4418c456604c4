//! Kazakh and English names of the bases, roles and services of СИО ПСО.
//!
//! The tables follow the order of the acts in force:
//!
//! - bases: the columns of Appendix 1 as of Order No. 34 of the Prosecutor General of
//!   23 February 2026 (the same six columns as Appendix 2 as of Order No. 88 of 4 July 2024);
//! - roles: the rows 1..19 of Appendix 1 as of Order No. 34 of 23 February 2026;
//! - services: the rows 1..93 of Appendix 2 ("Права доступа к сервисам") as of Order
//!   No. 88 of 4 July 2024.
//!
//! Both acts are used in their Russian text. A Kazakh name is taken verbatim (whitespace
//! normalised, footnote marks dropped) from the Kazakh text of the first Rules, Order No. 151
//! of 22 December 2015 (1-қосымша for roles and bases, 2-қосымша for services), where the
//! same entry exists there under the same name; the 2015 Russian text was used to match the
//! rows, whose numbering differs from 2024. Such names are marked [`KkSource::Seed2015`].
//! Entries that are new since 2015, or whose name changed in substance, carry a Kazakh
//! translation in the style of the 2015 names, marked [`KkSource::Translation`].
//!
//! Russian names are not part of this file.

// Entries with a translated Kazakh name (KkSource::Translation), by number:
// - BASIS_NAMES: 2, 3
// - ROLE_NAMES: 3, 4, 6-8, 12-14, 16-19
// - SERVICE_NAMES: 50, 56, 61, 76-81, 84-93

/// Names of one catalogue entry in the three UI languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names {
    /// Kazakh name.
    pub kk: &'static str,
    /// Where the Kazakh name comes from.
    pub kk_source: KkSource,
    /// English name.
    pub en: &'static str,
}

/// Provenance of a Kazakh name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KkSource {
    /// Verbatim from the Kazakh text of Order No. 151 of 22 December 2015.
    Seed2015,
    /// Translated for this catalogue: the entry is new since 2015 or was renamed.
    Translation,
}

/// An entry whose Kazakh name comes from the 2015 Kazakh text.
const fn seed(kk: &'static str, en: &'static str) -> Names {
    Names {
        kk,
        kk_source: KkSource::Seed2015,
        en,
    }
}

/// An entry whose Kazakh name is a translation.
const fn translated(kk: &'static str, en: &'static str) -> Names {
    Names {
        kk,
        kk_source: KkSource::Translation,
        en,
    }
}

/// Names of the six bases, in the order of the columns of Appendix 1 as of Order No. 34/2026:
/// criminal case; administrative case / administrative offence case (court); administrative
/// offence case (CLSSA); civil case (court); enforcement proceedings (form 4); wanted-person case.
///
/// The 2015 column "Бастапқы тексеру" (primary check) is no basis any more and has no entry.
pub(crate) const BASIS_NAMES: [Names; 6] = [
    // 1. Kazakh: Order 151/2015, 1-қосымша, column 1.
    seed("Қылмыстық іс", "Criminal case"),
    // 2. Kazakh: translation.
    translated(
        "Әкімшілік іс / әкімшілік құқық бұзушылық туралы іс (сот)",
        "Administrative case / administrative offence case (court)",
    ),
    // 3. Kazakh: translation.
    translated(
        "Әкімшілік құқық бұзушылық туралы іс (ҚСжАЕК)",
        "Administrative offence case (CLSSA)",
    ),
    // 4. Kazakh: Order 151/2015, 1-қосымша, column 4.
    seed("Азаматтық іс (сот)", "Civil case (court)"),
    // 5. Kazakh: Order 151/2015, 1-қосымша, column 6.
    seed(
        "Атқарушылық іс жүргізу (4-нысан)",
        "Enforcement proceedings (form 4)",
    ),
    // 6. Kazakh: Order 151/2015, 1-қосымша, column 7.
    seed("Іздестіру ісі", "Wanted-person case"),
];

/// Names of the roles, in the order of rows 1..19 of Appendix 1 as of Order No. 34/2026.
///
/// Abbreviations follow the act: IAB (ОВД, internal affairs bodies), NSB (ОНБ, national
/// security bodies), FMA (АФМ, Financial Monitoring Agency), MES (МЧС, Ministry of Emergency
/// Situations), SSS (СГО, State Security Service).
pub(crate) const ROLE_NAMES: [Names; 19] = [
    // 1. Kazakh: Order 151/2015, 1-қосымша, row 1.
    seed("Прокурор", "Prosecutor"),
    // 2. Kazakh: Order 151/2015, 1-қосымша, row 3.
    seed("Судья", "Judge"),
    // 3. Kazakh: translation.
    translated(
        "Ішкі істер органдарының тергеушісі (бұдан әрі – ІІО)",
        "Investigator of the internal affairs bodies (IAB)",
    ),
    // 4. Kazakh: translation.
    translated(
        "Ұлттық қауіпсіздік органдарының тергеушісі (бұдан әрі – ҰҚО)",
        "Investigator of the national security bodies (NSB)",
    ),
    // 5. Kazakh: Order 151/2015, 1-қосымша, row 7.
    seed(
        "Қазақстан Республикасы Қаржылық мониторинг агенттігінің тергеушісі (бұдан әрі – ҚМА)",
        "Investigator of the Financial Monitoring Agency of the Republic of Kazakhstan (FMA)",
    ),
    // 6. Kazakh: translation.
    translated("ІІО анықтаушысы", "Inquirer of the IAB"),
    // 7. Kazakh: translation.
    translated("ҰҚО анықтаушысы", "Inquirer of the NSB"),
    // 8. Kazakh: translation.
    translated(
        "Қазақстан Республикасы Төтенше жағдайлар министрлігінің анықтаушысы (бұдан әрі – ТЖМ)",
        "Inquirer of the Ministry of Emergency Situations of the Republic of Kazakhstan (MES)",
    ),
    // 9. Kazakh: Order 151/2015, 1-қосымша, row 16.
    seed(
        "Мемлекеттік күзет қызметінің анықтаушысы",
        "Inquirer of the State Security Service of the Republic of Kazakhstan (SSS)",
    ),
    // 10. Kazakh: Order 151/2015, 1-қосымша, row 11.
    seed("ҚМА-ның офицері", "FMA officer"),
    // 11. Kazakh: Order 151/2015, 1-қосымша, row 12.
    seed(
        "Қорғаныс министрлігінің (Қарулы Күштердің әскери полициясы Бас басқармасының) қызметкері",
        "Employee of the Ministry of Defence of the Republic of Kazakhstan (Main Directorate of the Military Police of the Armed Forces)",
    ),
    // 12. Kazakh: translation.
    translated(
        "ІІО қылмыстық-атқару жүйесінің қызметкері",
        "Employee of the penal system of the IAB",
    ),
    // 13. Kazakh: translation.
    translated("ТЖМ қызметкері", "Employee of the MES"),
    // 14. Kazakh: translation.
    translated(
        "ҰҚО қызметкері, әскери қызметшісі",
        "Employee or serviceman of the NSB",
    ),
    // 15. Kazakh: Order 151/2015, 1-қосымша, row 15.
    seed("Сот орындаушысы", "Bailiff"),
    // 16. Kazakh: translation.
    translated(
        "Мемлекеттік күзет қызметінің қызметкері",
        "Employee of the SSS",
    ),
    // 17. Kazakh: translation.
    translated(
        "ІІО әкімшілік полициясының қызметкері (айдауыл қызметін, арнаулы мекемелерді және қоғамдық тәртіпті қорғауды жүзеге асыратын өзге де бөлімшелерді қоспағанда)",
        "Employee of the administrative police of the IAB (except the escort service, special institutions and other units maintaining public order)",
    ),
    // 18. Kazakh: translation.
    translated(
        "ІІО криминалдық полициясының қызметкері",
        "Employee of the criminal police of the IAB",
    ),
    // 19. Kazakh: translation.
    translated("Кезекші бөлім қызметкері", "Employee of the duty unit"),
];

/// Names of the services, in the order of rows 1..93 of Appendix 2 as of Order No. 88/2024.
pub(crate) const SERVICE_NAMES: [Names; 93] = [
    // 1. Kazakh: Order 151/2015, 2-қосымша, row 1.
    seed(
        "\"Жеке тұлғалар\" мемлекеттік деректер базасы",
        "State database \"Individuals\"",
    ),
    // 2. Kazakh: Order 151/2015, 2-қосымша, row 2.
    seed(
        "\"Заңды тұлғалар\" мемлекеттік деректер базасы",
        "State database \"Legal entities\"",
    ),
    // 3. Kazakh: Order 151/2015, 2-қосымша, row 3.
    seed(
        "\"Жылжымайтын мүлік регистрі\" деректер базасы",
        "Database \"Real estate register\"",
    ),
    // 4. Kazakh: Order 151/2015, 2-қосымша, row 4.
    seed("\"Жер учаскесі\" деректер базасы", "Database \"Land plot\""),
    // 5. Kazakh: Order 151/2015, 2-қосымша, row 5.
    seed(
        "\"Көлік құралдары\" деректер базасы",
        "Database \"Vehicles\"",
    ),
    // 6. Kazakh: Order 151/2015, 2-қосымша, row 6.
    seed(
        "\"Тіркелген қару\" деректер базасы",
        "Database \"Registered weapons\"",
    ),
    // 7. Kazakh: Order 151/2015, 2-қосымша, row 7.
    seed(
        "\"Теміржол көлігі\" деректер базасы",
        "Database \"Railway transport\"",
    ),
    // 8. Kazakh: Order 151/2015, 2-қосымша, row 8.
    seed(
        "\"Шағын өлшемді және өзен кемелері\" деректер базасы",
        "Database \"River and small vessels\"",
    ),
    // 9. Kazakh: Order 151/2015, 2-қосымша, row 9.
    seed(
        "\"Теңіз кемелері\" деректер базасы",
        "Database \"Sea vessels\"",
    ),
    // 10. Kazakh: Order 151/2015, 2-қосымша, row 10.
    seed(
        "\"Ауылшаруашылық техникасы\" деректер базасы",
        "Database \"Agricultural machinery\"",
    ),
    // 11. Kazakh: Order 151/2015, 2-қосымша, row 11.
    seed(
        "\"Зейнетақы аударымдары\" деректер базасы",
        "Database \"Pension contributions\"",
    ),
    // 12. Kazakh: Order 151/2015, 2-қосымша, row 12.
    seed("\"Мүгедектік\" деректер базасы", "Database \"Disability\""),
    // 13. Kazakh: Order 151/2015, 2-қосымша, row 13.
    seed(
        "\"Әлеуметтік көмек\" деректер базасы",
        "Database \"Social assistance\"",
    ),
    // 14. Kazakh: Order 151/2015, 2-қосымша, row 14.
    seed(
        "\"Еңбек нарығы\" деректер базасы",
        "Database \"Labour market\"",
    ),
    // 15. Kazakh: Order 151/2015, 2-қосымша, row 15.
    seed(
        "Тұлғалардың ХҚКО-дан алған қызметтері туралы мәліметтер",
        "Information on services received by persons at Public Service Centres (PSC)",
    ),
    // 16. Kazakh: Order 151/2015, 2-қосымша, row 16.
    seed(
        "\"Арнайы есепке алу\" деректер базасы",
        "Database \"Special records\"",
    ),
    // 17. Kazakh: Order 151/2015, 2-қосымша, row 17.
    seed(
        "\"Бірыңғай біріздендірілген статистикалық жүйе\" деректер базасы",
        "Database \"Unified standardised statistical system\"",
    ),
    // 18. Kazakh: Order 151/2015, 2-қосымша, row 18.
    seed(
        "\"Атқарушылық іс жүргізу\" деректер базасы",
        "Database \"Enforcement proceedings\"",
    ),
    // 19. Kazakh: Order 151/2015, 2-қосымша, row 19.
    seed(
        "\"Сот органдарының\" деректер базасы",
        "Database \"Judicial bodies\"",
    ),
    // 20. Kazakh: Order 151/2015, 2-қосымша, row 20.
    seed(
        "\"Сот карточкалары\" деректер базасы",
        "Database \"Court record cards\"",
    ),
    // 21. Kazakh: Order 151/2015, 2-қосымша, row 21.
    seed(
        "\"Жол қозғалысы ережелерін бұзу\" деректер базасы",
        "Database \"Traffic rule violations\"",
    ),
    // 22. Kazakh: Order 151/2015, 2-қосымша, row 22.
    seed("\"Талаптар\"", "\"Record check requests\""),
    // 23. Kazakh: Order 151/2015, 2-қосымша, row 23.
    seed(
        "\"Криминалдық автокөлік\" деректер базасы",
        "Database \"Criminal motor vehicles\"",
    ),
    // 24. Kazakh: Order 151/2015, 2-қосымша, row 24.
    seed(
        "\"Криминалдық қару\" деректер базасы",
        "Database \"Criminal weapons\"",
    ),
    // 25. Kazakh: Order 151/2015, 2-қосымша, row 25.
    seed(
        "\"Жол-көлік оқиғаларының есебі\" деректер базасы",
        "Database \"Road traffic accident records\"",
    ),
    // 26. Kazakh: Order 151/2015, 2-қосымша, row 26.
    seed(
        "Мемлекеттік қызметкерге сұрау салу",
        "Request about a civil servant",
    ),
    // 27. Kazakh: Order 151/2015, 2-қосымша, row 27.
    seed(
        "Халықты құжаттау жүйесінен сурет",
        "Photo from the population documentation system",
    ),
    // 28. Kazakh: Order 151/2015, 2-қосымша, row 28.
    seed(
        "Халықты құжаттау жүйесінің 1-нысаны",
        "Form 1 from the population documentation system",
    ),
    // 29. Kazakh: Order 151/2015, 2-қосымша, row 29.
    seed(
        "\"Жүргізуші куәлігі\" деректер базасы",
        "Database \"Driving licences\"",
    ),
    // 30. Kazakh: Order 151/2015, 2-қосымша, row 30.
    seed("\"Е-Нотариат\" деректер базасы", "Database \"E-Notary\""),
    // 31. Kazakh: Order 151/2015, 2-қосымша, row 31.
    seed(
        "\"Тұлғалар өтініштерінің бірыңғай есебі\" деректер базасы",
        "Database \"Unified record of applications by persons\"",
    ),
    // 32. Kazakh: Order 151/2015, 2-қосымша, row 32.
    seed(
        "\"Азаматтық хал актілерін жазу\" деректер базасы",
        "Database \"Civil status records\"",
    ),
    // 33. Kazakh: Order 151/2015, 2-қосымша, row 33.
    seed(
        "ҚР азаматтарының мемлекеттік шекарадан өтуі",
        "State border crossings by citizens of the Republic of Kazakhstan",
    ),
    // 34. Kazakh: Order 151/2015, 2-қосымша, row 34.
    seed(
        "Шетел азаматтарының мемлекеттік шекарадан өтуі",
        "State border crossings by foreign nationals",
    ),
    // 35. Kazakh: Order 151/2015, 2-қосымша, row 35.
    seed(
        "\"Салық төлеушілердің\" деректер базасы",
        "Database \"Taxpayers\"",
    ),
    // 36. Kazakh: Order 151/2015, 2-қосымша, row 36.
    seed(
        "Салық берешегі туралы мәліметтер",
        "Information on tax arrears",
    ),
    // 37. Kazakh: Order 151/2015, 2-қосымша, row 37.
    seed(
        "Қарсы тексерістер туралы мәліметтер",
        "Information on counter-audits",
    ),
    // 38. Kazakh: Order 151/2015, 2-қосымша, row 38.
    seed(
        "ҚҚС төлеушілер туралы мәліметтер",
        "Information on VAT payers",
    ),
    // 39. Kazakh: Order 151/2015, 2-қосымша, row 39.
    seed(
        "Салық есептілігі туралы мәліметтер (СЕТМ)",
        "Information on tax reporting (SONO)",
    ),
    // 40. Kazakh: Order 151/2015, 2-қосымша, row 40.
    seed(
        "Контрагенттер бойынша мәліметтер",
        "Information on counterparties",
    ),
    // 41. Kazakh: Order 151/2015, 2-қосымша, row 41.
    seed(
        "\"Е-лицензиялау\" деректер базасы",
        "Database \"E-licensing\"",
    ),
    // 42. Kazakh: Order 151/2015, 2-қосымша, row 42.
    seed(
        "\"Электрондық мемлекеттік сатып алулар\" деректер базасы",
        "Database \"Electronic public procurement\"",
    ),
    // 43. Kazakh: Order 151/2015, 2-қосымша, row 43.
    seed(
        "\"Сыртқы экономика қызметіне қатысушылар\" деректер базасы",
        "Database \"Participants in foreign economic activity\"",
    ),
    // 44. Kazakh: Order 151/2015, 2-қосымша, row 44.
    seed(
        "\"Жолаушылар кедендік декларациялары бойынша мәліметтер\" деректер базасы",
        "Database \"Information on passenger customs declarations\"",
    ),
    // 45. Kazakh: Order 151/2015, 2-қосымша, row 45.
    seed(
        "\"Көлік құралына декларациялар бойынша мәліметтер\" деректер базасы",
        "Database \"Information on vehicle declarations\"",
    ),
    // 46. Kazakh: Order 151/2015, 2-қосымша, row 46.
    seed(
        "\"Шетелдік жұмыс күші\" деректер базасы",
        "Database \"Foreign labour\"",
    ),
    // 47. Kazakh: Order 151/2015, 2-қосымша, row 47.
    seed(
        "\"Монополистер туралы мәліметтер\" деректер базасы",
        "Database \"Information on monopolists\"",
    ),
    // 48. Kazakh: Order 151/2015, 2-қосымша, row 48.
    seed(
        "\"Жер қойнауын (көмірсутегі шикізаты) пайдалануға келісімшарттар туралы мәліметтер\" деректер базасы",
        "Database \"Information on subsoil use contracts (hydrocarbons)\"",
    ),
    // 49. Kazakh: Order 151/2015, 2-қосымша, row 49.
    seed(
        "\"Жер қойнауын (қатты пайдалы қазбалар және жерасты сулары) пайдалануға келісімшарттар туралы мәліметтер\" деректер базасы",
        "Database \"Information on subsoil use contracts (solid minerals and groundwater)\"",
    ),
    // 50. Kazakh: translation.
    translated(
        "\"Тексерулерді есепке алу\" деректер базасы",
        "Database \"Inspection records\"",
    ),
    // 51. Kazakh: Order 151/2015, 2-қосымша, row 51.
    seed(
        "Бюджетке түсімдер туралы мәліметтер",
        "Information on budget revenues",
    ),
    // 52. Kazakh: Order 151/2015, 2-қосымша, row 52.
    seed(
        "\"Қазақстан темір жолы\" деректер базасы",
        "Database \"Kazakhstan Temir Zholy\"",
    ),
    // 53. Kazakh: Order 151/2015, 2-қосымша, row 53.
    seed(
        "\"Қазақтелеком\" деректер базасы",
        "Database \"Kazakhtelecom\"",
    ),
    // 54. Kazakh: Order 151/2015, 2-қосымша, row 54.
    seed(
        "\"Тергеуден/анықтаудан жасырынғандар\" деректер базасы",
        "Database \"Persons evading investigation/inquiry\"",
    ),
    // 55. Kazakh: Order 151/2015, 2-қосымша, row 55.
    seed(
        "\"Хабар-ошарсыз жоғалғандар\" деректер базасы",
        "Database \"Missing persons\"",
    ),
    // 56. Kazakh: translation.
    translated(
        "\"Борышкерлер және жауапкерлер\" деректер базасы",
        "Database \"Debtors and defendants\"",
    ),
    // 57. Kazakh: Order 151/2015, 2-қосымша, row 56.
    seed(
        "\"Шетелдік жұмысшылардың бұзулары\" деректер базасы",
        "Database \"Violations by foreign workers\"",
    ),
    // 58. Kazakh: Order 151/2015, 2-қосымша, row 57.
    seed("Жылжымайтын мүлікке тыйым салу", "Ban on real estate"),
    // 59. Kazakh: Order 151/2015, 2-қосымша, row 58.
    seed(
        "Заңды тұлғаға (филиал, өкілдік) тыйым салу",
        "Ban on a legal entity (branch, representative office)",
    ),
    // 60. Kazakh: Order 151/2015, 2-қосымша, row 59.
    seed(
        "Жеке тұлғаның қатысуына тыйым салу",
        "Ban on the participation of an individual",
    ),
    // 61. Kazakh: translation.
    translated("Көлік құралдарына тыйым салу", "Ban on vehicles"),
    // 62. Kazakh: Order 151/2015, 2-қосымша, row 60.
    seed(
        "Шетел азаматтарын елден шығару рәсімін бақылау",
        "Monitoring of the expulsion procedure for foreign nationals",
    ),
    // 63. Kazakh: Order 151/2015, 2-қосымша, row 61.
    seed(
        "Мемлекеттік сатып алулардың жауапсыз қатысушыларын тексеру",
        "Check for unscrupulous participants in public procurement",
    ),
    // 64. Kazakh: Order 151/2015, 2-қосымша, row 62.
    seed(
        "Мекенжайлар мен байланыс телефондарын іздеу",
        "Search for addresses and contact telephone numbers",
    ),
    // 65. Kazakh: Order 151/2015, 2-қосымша, row 63.
    seed(
        "Мемлекеттік қызметшілер туралы мәліметтер",
        "Information on civil servants",
    ),
    // 66. Kazakh: Order 151/2015, 2-қосымша, row 64.
    seed("Техникалық байқаудан өту", "Vehicle technical inspection"),
    // 67. Kazakh: Order 151/2015, 2-қосымша, row 65.
    seed(
        "Жер учаскесіне ауыртпалық салу/алу",
        "Imposing/lifting an encumbrance on a land plot",
    ),
    // 68. Kazakh: Order 151/2015, 2-қосымша, row 66.
    seed("Пошта жіберілімдері", "Postal items"),
    // 69. Kazakh: Order 151/2015, 2-қосымша, row 67.
    seed(
        "ЖОО-лардың студенттері мен түлектері туралы мәліметтер",
        "Information on university students and graduates",
    ),
    // 70. Kazakh: Order 151/2015, 2-қосымша, row 68.
    seed(
        "Этил спиртінің және/немесе шарап материалының өндірісі және айналымы жөніндегі декларация туралы мәліметтер",
        "Information on declarations on the production and turnover of ethyl alcohol and/or wine materials",
    ),
    // 71. Kazakh: Order 151/2015, 2-қосымша, row 69.
    seed(
        "Алкоголь өнімінің өндірісі және айналымы жөніндегі декларация туралы мәліметтер",
        "Information on declarations on the production and turnover of alcoholic products",
    ),
    // 72. Kazakh: Order 151/2015, 2-қосымша, row 70.
    seed(
        "Алкоголь өнімінің айналымы жөніндегі декларация туралы мәліметтер",
        "Information on declarations on the turnover of alcoholic products",
    ),
    // 73. Kazakh: Order 151/2015, 2-қосымша, row 71.
    seed(
        "Мұнай өнімдері жөніндегі декларация туралы мәліметтер (2-нұсқа)",
        "Information on declarations on petroleum products (version 2)",
    ),
    // 74. Kazakh: Order 151/2015, 2-қосымша, row 72.
    seed(
        "Мұнай өнімдері жөніндегі декларация туралы мәліметтер (3-нұсқа)",
        "Information on declarations on petroleum products (version 3)",
    ),
    // 75. Kazakh: Order 151/2015, 2-қосымша, row 75.
    seed(
        "Жеке тұлғаны диспансерлік есепке алу туралы мәліметтер (Д-есепке алу туралы)",
        "Information on the dispensary registration of an individual (D-registration)",
    ),
    // 76. Kazakh: translation.
    translated(
        "Қазақстан Республикасында уақытша болатын шетелдіктерді тіркеу",
        "Registration of foreigners temporarily staying in the Republic of Kazakhstan",
    ),
    // 77. Kazakh: translation.
    translated(
        "Шетелдіктер мен азаматтығы жоқ адамдарды тіркеу және оларға Қазақстан Республикасында тұрақты тұруға рұқсат беру",
        "Registration of foreigners and stateless persons and issue of permits for permanent residence in the Republic of Kazakhstan",
    ),
    // 78. Kazakh: translation.
    translated(
        "Шетелдіктерге жеке тұлғаларда еңбек қызметін жүзеге асыруға рұқсат беру",
        "Issue of permits to foreigners to work for individuals",
    ),
    // 79. Kazakh: translation.
    translated(
        "Қазақстан Республикасынан тыс жерлерге тұрақты тұруға кету үшін құжаттарды ресімдеу",
        "Processing of documents for leaving the Republic of Kazakhstan for permanent residence",
    ),
    // 80. Kazakh: translation.
    translated(
        "Жеке істер бойынша Қазақстан Республикасына келуге шақыруларды ресімдеу",
        "Processing of invitations to enter the Republic of Kazakhstan on private matters",
    ),
    // 81. Kazakh: translation.
    translated(
        "Қазақстан Республикасының азаматтығына қабылдауды және азаматтығынан шығуды тіркеу",
        "Registration of admission to and renunciation of citizenship of the Republic of Kazakhstan",
    ),
    // 82. Kazakh: Order 151/2015, 2-қосымша, row 78.
    seed("1-деңгейдегі өзара байланыстар", "First-level links"),
    // 83. Kazakh: Order 151/2015, 2-қосымша, row 79.
    seed("2-деңгейдегі өзара байланыстар", "Second-level links"),
    // 84. Kazakh: translation.
    translated(
        "\"Қандас\" автоматтандырылған ақпараттық жүйесі",
        "Automated information system \"Qandas\"",
    ),
    // 85. Kazakh: translation.
    translated(
        "Сотталғандар туралы мәліметтер (ҚАЖК)",
        "Information on convicted persons (Penal System Committee)",
    ),
    // 86. Kazakh: translation.
    translated(
        "Интерпол – \"Криминалдық автомотокөлік құралдары\" деректер базасы",
        "Interpol – database \"Criminal motor vehicles\"",
    ),
    // 87. Kazakh: translation.
    translated(
        "Интерпол – \"Іздестірілетін қылмыскерлер, оның ішінде террористер, хабар-ошарсыз жоғалғандар және жедел есепте тұрған адамдар\" деректер базасы",
        "Interpol – database \"Wanted criminals, including terrorists, missing persons and persons on operational record\"",
    ),
    // 88. Kazakh: translation.
    translated(
        "Интерпол – \"Ұрланған/жоғалған құжаттар\" деректер базасы",
        "Interpol – database \"Stolen/lost documents\"",
    ),
    // 89. Kazakh: translation.
    translated(
        "Әскери міндеттілер мен әскерге шақырылушылар туралы мәліметтер",
        "Information on persons liable for military service and conscripts",
    ),
    // 90. Kazakh: translation.
    translated(
        "Банк шоттарының және олардағы ақша қаражаты қалдықтарының болуы",
        "Existence of bank accounts and the balances on them",
    ),
    // 91. Kazakh: translation.
    translated(
        "Бірінші кредиттік бюродан алынған кредиттік тарих туралы мәліметтер",
        "Credit history information from the First Credit Bureau",
    ),
    // 92. Kazakh: translation.
    translated("Мобильді азаматтар базасы", "Mobile citizens database"),
    // 93. Kazakh: translation.
    translated(
        "Ресімделген және (немесе) брондалған авиабилеттер туралы мәліметтер",
        "Information on issued and/or booked air tickets",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Numbers (1-based) of the translated entries, as listed at the top of this file.
    const TRANSLATED_BASES: &[usize] = &[2, 3];
    const TRANSLATED_ROLES: &[usize] = &[3, 4, 6, 7, 8, 12, 13, 14, 16, 17, 18, 19];
    const TRANSLATED_SERVICES: &[usize] = &[
        50, 56, 61, 76, 77, 78, 79, 80, 81, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93,
    ];

    fn check_table(table: &str, names: &[Names], translated: &[usize]) {
        let mut kk = HashSet::new();
        let mut en = HashSet::new();
        for (i, n) in names.iter().enumerate() {
            let no = i + 1;
            for (lang, s) in [("kk", n.kk), ("en", n.en)] {
                assert!(!s.trim().is_empty(), "{table} {no}: empty {lang} name");
                assert_eq!(
                    s,
                    s.trim(),
                    "{table} {no}: {lang} name has outer whitespace"
                );
                assert!(
                    !s.contains("  "),
                    "{table} {no}: {lang} name has a double space"
                );
                assert!(
                    !s.contains(['\t', '\n', '\r']),
                    "{table} {no}: {lang} name has a control character"
                );
                assert!(
                    !s.ends_with('*'),
                    "{table} {no}: {lang} name keeps a footnote mark"
                );
            }
            assert!(kk.insert(n.kk), "{table} {no}: duplicate kk name {}", n.kk);
            assert!(en.insert(n.en), "{table} {no}: duplicate en name {}", n.en);
            assert!(
                n.en.is_ascii() || n.en.contains('–'),
                "{table} {no}: en name has unexpected non-ASCII text"
            );
            let expected = if translated.contains(&no) {
                KkSource::Translation
            } else {
                KkSource::Seed2015
            };
            assert_eq!(n.kk_source, expected, "{table} {no}: kk_source");
        }
    }

    #[test]
    fn bases_are_complete_and_distinct() {
        check_table("basis", &BASIS_NAMES, TRANSLATED_BASES);
    }

    #[test]
    fn roles_are_complete_and_distinct() {
        check_table("role", &ROLE_NAMES, TRANSLATED_ROLES);
    }

    #[test]
    fn services_are_complete_and_distinct() {
        check_table("service", &SERVICE_NAMES, TRANSLATED_SERVICES);
    }

    #[test]
    fn kazakh_names_are_cyrillic() {
        for n in BASIS_NAMES.iter().chain(&ROLE_NAMES).chain(&SERVICE_NAMES) {
            assert!(
                !n.kk.chars().any(|c| c.is_ascii_alphabetic()),
                "Latin letters in kk name {}",
                n.kk
            );
        }
    }
}
