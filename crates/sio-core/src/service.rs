//! The 93 services (databases) of СИО ПСО and the bases on which each may be requested.
//!
//! Source: Appendix 2 "Права доступа к сервисам" to the Rules, as worded by Order of the
//! Prosecutor General No. 88 of 4 Jul 2024 (seed 001). Marks of the table:
//! - "+": the service in full ([`Access::Full`]);
//! - "+усеченный" (footnote 1): the truncated service of the State Pension Payment Centre, without
//!   the amounts paid in ([`Access::Truncated`]; service 11 on bases 2–4);
//! - "только по определенным статьям" (footnote 2): services of the State Revenue Committee,
//!   available in criminal cases under the articles of Chapter 8 of the Criminal Code only
//!   ([`Access::Articles`]; services 37–40 and 70–74, rule 2 as of 2024);
//! - an empty cell: not allowed on that basis.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::basis::Basis;
use crate::error::CoreError;
use crate::names::{Names, SERVICE_NAMES};

/// How a service may be requested on a basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// "+": the whole service.
    Full,
    /// "+усеченный": the truncated variant, without the amounts paid in (footnote 1).
    Truncated,
    /// "только по определенным статьям": only in a criminal case under Criminal Code
    /// Chapter 8, articles 214–249 (footnote 2).
    Articles,
}

impl Access {
    /// The stable key used on the wire and in `sio catalogue --json`.
    pub fn key(self) -> &'static str {
        match self {
            Access::Full => "full",
            Access::Truncated => "truncated",
            Access::Articles => "articles",
        }
    }
}

/// A service's number in Appendix 2 (1–93). Holds only numbers that exist in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ServiceId(u8);

/// One row of Appendix 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The row number.
    pub id: ServiceId,
    /// The service's name as written in the seed (Russian), footnote marks removed.
    pub name_ru: &'static str,
    access: [Option<Access>; 6],
}

impl Service {
    /// How the service may be requested on `basis`; `None` where the cell is empty.
    pub fn access(&self, basis: Basis) -> Option<Access> {
        self.access[basis.index()]
    }

    /// The bases with a mark, with the mark, in column order.
    pub fn marks(&self) -> impl Iterator<Item = (Basis, Access)> + '_ {
        Basis::ALL
            .into_iter()
            .filter_map(|b| self.access(b).map(|a| (b, a)))
    }
}

const F: Option<Access> = Some(Access::Full);
const T: Option<Access> = Some(Access::Truncated);
const A: Option<Access> = Some(Access::Articles);
const N: Option<Access> = None;

const fn svc(no: u8, name_ru: &'static str, access: [Option<Access>; 6]) -> Service {
    Service {
        id: ServiceId(no),
        name_ru,
        access,
    }
}

/// Appendix 2 as of Order 88/2024. Columns: 1 criminal, 2 administrative (court),
/// 3 administrative offence (КПСиСУ), 4 civil (court), 5 enforcement (form 4), 6 wanted-person.
/// `F` "+", `T` "+усеченный", `A` "только по определенным статьям", `N` empty.
#[rustfmt::skip]
pub const SERVICES: [Service; 93] = [
    svc(1, "Государственная база данных \"Физические лица\"", [F, F, F, F, F, F]),
    svc(2, "Государственная база данных \"Юридические лица\"", [F, F, F, F, F, F]),
    svc(3, "База данных \"Регистр недвижимости\"", [F, F, F, F, F, F]),
    svc(4, "База данных \"Земельный участок\"", [F, F, F, F, F, F]),
    svc(5, "База данных \"Транспортные средства\"", [F, F, F, F, F, F]),
    svc(6, "База данных \"Зарегистрированное оружие\"", [F, F, F, F, F, F]),
    svc(7, "База данных \"Железнодорожный транспорт\"", [F, F, F, F, F, F]),
    svc(8, "База данных \"Речные и маломерные суда\"", [F, F, F, F, F, F]),
    svc(9, "База данных \"Морские суда\"", [F, F, F, F, F, F]),
    svc(10, "База данных \"Сельхозтехника\"", [F, F, F, F, F, F]),
    svc(11, "База данных \"Пенсионные отчисления\"", [F, T, T, T, F, F]), // footnote 1
    svc(12, "База данных \"Инвалидность\"", [F, F, F, F, F, F]),
    svc(13, "База данных \"Социальная помощь\"", [F, F, F, F, F, F]),
    svc(14, "База данных \"Рынок труда\"", [F, F, F, F, F, F]),
    svc(15, "Сведения о полученных услугах лицами в ЦОН", [F, F, F, F, F, F]),
    svc(16, "База данных \"Специальные учеты\"", [F, F, F, F, F, F]),
    svc(17, "База данных \"Единая унифицированная статистическая система\"", [F, F, F, F, F, F]),
    svc(18, "База данных \"Исполнительных производств\"", [F, F, F, F, F, F]),
    svc(19, "База данных \"Судебных органов\"", [F, F, F, F, F, F]),
    svc(20, "База данных \"Судебных карточек\"", [F, F, F, F, F, F]),
    svc(21, "База данных \"Нарушения правил дорожного движения\"", [F, F, F, F, F, F]),
    svc(22, "\"Требования\"", [F, F, F, F, F, F]),
    svc(23, "База данных \"Криминальный автотранспорт\"", [F, F, F, N, N, F]),
    svc(24, "База данных \"Криминальное оружие\"", [F, F, F, N, N, F]),
    svc(25, "База данных \"Учет дорожно-транспортных происшествий\"", [F, F, F, F, F, F]),
    svc(26, "Запрос на госслужащего", [F, N, N, F, F, F]),
    svc(27, "Фото из системы документирования населения", [F, F, F, F, F, F]),
    svc(28, "Форма 1 из Системы документирования населения", [F, F, F, F, F, F]),
    svc(29, "База данных \"Водительское удостоверение\"", [F, F, F, F, F, F]),
    svc(30, "База данных \"Е-Нотариат\"", [F, N, N, F, F, F]),
    svc(31, "База данных \"Единый учет обращений лиц\"", [F, F, F, F, F, F]),
    svc(32, "База данных \"Записи актов гражданского состояния\"", [F, F, F, F, F, F]),
    svc(33, "Пересечение государственной границы гражданами Республики Казахстан", [F, F, F, F, F, F]),
    svc(34, "Пересечение государственной границы иностранными гражданами", [F, F, F, F, F, F]),
    svc(35, "База данных \"Налогоплательщиков\"", [F, F, F, F, F, F]),
    svc(36, "Сведения о налоговой задолженности", [F, F, F, F, F, F]),
    svc(37, "Сведения о встречных проверках", [A, N, N, N, N, N]), // footnote 2
    svc(38, "Сведения о плательщиках НДС", [A, N, N, N, N, N]), // footnote 2
    svc(39, "Сведения о налоговой отчетности (СОНО)", [A, N, N, N, N, N]), // footnote 2
    svc(40, "Сведения по контрагентам", [A, N, N, N, N, N]), // footnote 2
    svc(41, "База данных \"Е-лицензирование\"", [F, F, F, F, F, F]),
    svc(42, "База данных \"Электронные государственные закупки\"", [F, F, F, F, N, F]),
    svc(43, "База данных \"Участников внешнеэкономической деятельности\"", [F, F, F, F, F, F]),
    svc(44, "База данных \"Сведения по пассажирским таможенным декларациям\"", [F, F, F, F, F, F]),
    svc(45, "База данных \"Сведения по декларациям на транспортное средство\"", [F, F, F, F, F, F]),
    svc(46, "База данных \"Иностранная рабочая сила\"", [F, F, F, F, F, F]),
    svc(47, "База данных \"Сведения о монополистах\"", [F, F, F, F, F, F]),
    svc(48, "База данных \"Сведения о контрактах на недропользование (углеводородное сырье)\"", [F, F, F, F, F, N]),
    svc(49, "База данных \"Сведения о контрактах на недропользование (твердые полезные ископаемые и подземные воды)\"", [F, F, F, F, F, N]),
    svc(50, "База данных \"Учет проверок\"", [F, F, F, F, F, F]),
    svc(51, "Сведения о поступлениях в бюджет", [F, F, F, F, F, F]),
    svc(52, "База данных \"Қазақстан теміржолы\"", [F, F, F, F, F, F]),
    svc(53, "База данных \"Казахтелеком\"", [F, F, F, F, F, F]),
    svc(54, "База данных \"Скрывающиеся от следствия/дознания\"", [F, F, F, F, F, F]),
    svc(55, "База данных \"Без вести пропавшие\"", [F, F, F, F, F, F]),
    svc(56, "База данных \"Должники и ответчики\"", [F, F, F, F, F, F]),
    svc(57, "База данных \"Нарушение иностранных рабочих\"", [F, F, F, F, N, F]),
    svc(58, "Наложение запрета на недвижимость", [F, N, N, N, F, N]),
    svc(59, "Наложение запрета на юридическое лицо (филиал, представительство)", [F, N, N, N, F, N]),
    svc(60, "Наложение запрета на участие физического лица", [F, N, N, N, F, N]),
    svc(61, "Наложение запрета на транспортные средства", [F, N, N, N, F, N]),
    svc(62, "Контроль процедуры выдворения иностранных граждан", [F, F, F, F, F, F]),
    svc(63, "Проверка недобросовестных участников государственных закупок", [F, F, F, F, F, F]),
    svc(64, "Поиск адресов и контактных телефонов", [F, F, F, F, N, F]),
    svc(65, "Сведения о государственных служащих", [F, N, N, N, N, N]),
    svc(66, "Прохождение технического осмотра", [F, F, F, F, N, F]),
    svc(67, "Наложение/снятие обременения на земельный участок", [N, N, N, N, F, N]),
    svc(68, "Почтовые отправления", [F, N, N, N, N, N]),
    svc(69, "Сведения о студентах и выпускниках ВУЗов", [F, N, F, N, N, F]),
    svc(70, "Сведения о декларации по производству и обороту этилового спирта и/или виноматериала", [A, N, N, N, N, N]), // footnote 2
    svc(71, "Сведения о декларации по производству и обороту алкогольной продукции", [A, N, N, N, N, N]), // footnote 2
    svc(72, "Сведения о декларации по обороту алкогольной продукции", [A, N, N, N, N, N]), // footnote 2
    svc(73, "Сведения о декларации по нефтепродуктам (2-ой версии)", [A, N, N, N, N, N]), // footnote 2
    svc(74, "Сведения о декларации по нефтепродуктам (3-ей версии)", [A, N, N, N, N, N]), // footnote 2
    svc(75, "Сведения о диспансерном учете физического лица (о Д-учете)", [F, F, F, F, N, F]),
    svc(76, "Регистрация иностранцев, временно пребывающих в Республику Казахстан", [F, F, F, F, F, F]),
    svc(77, "Регистрация и выдача разрешения иностранцам и лицам без гражданства на постоянное местожительство в Республике Казахстан", [F, F, F, F, F, F]),
    svc(78, "Выдача разрешений иностранцам на осуществление трудовой деятельности у физических лиц", [F, F, F, F, F, F]),
    svc(79, "Оформление документов на выезд за пределы Республики Казахстан на постоянное место жительства", [F, F, F, F, F, F]),
    svc(80, "Оформление приглашений на въезд в Республику Казахстан по частным делам", [F, F, F, F, F, F]),
    svc(81, "Регистрация приема и выхода из гражданства Республики Казахстан", [F, F, F, F, F, F]),
    svc(82, "Взаимосвязи 1-уровня", [F, N, N, N, N, N]),
    svc(83, "Взаимосвязи 2-уровня", [F, N, N, N, N, N]),
    svc(84, "Автоматизированная информационная система \"Қандас\"", [F, F, F, F, F, F]),
    svc(85, "Сведения об осужденных (КУИС)", [F, N, N, N, N, F]),
    svc(86, "Интерпол – база данных \"Криминальных автомототранспортных средств\"", [F, N, N, N, N, F]),
    svc(87, "Интерпол – база данных \"Разыскиваемых преступников, в том числе террористов, без вести пропавших и лиц, состоящих на оперативном учете\"", [F, N, N, N, N, F]),
    svc(88, "Интерпол – база данных \"Похищенных/утерянных документов\"", [F, N, N, N, N, F]),
    svc(89, "Сведения о военнообязанных и призывниках", [F, F, N, F, F, F]),
    svc(90, "Наличие банковских счетов и остатков денежных средств на них", [F, N, N, N, N, N]),
    svc(91, "Сведения о кредитной истории из Первого Кредитного Бюро", [F, N, N, N, N, N]),
    svc(92, "База мобильных граждан", [F, N, N, N, F, F]),
    svc(93, "Сведения об оформленных и (или) забронированных авиабилетах", [F, N, N, N, N, F]),
];

impl ServiceId {
    /// The service with row number `no`, if Appendix 2 has it.
    pub fn new(no: u8) -> Result<ServiceId, CoreError> {
        if (1..=SERVICES.len() as u8).contains(&no) {
            Ok(ServiceId(no))
        } else {
            Err(CoreError::UnknownService(u32::from(no)))
        }
    }

    /// The row number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The row of Appendix 2.
    pub fn service(self) -> &'static Service {
        &SERVICES[usize::from(self.0) - 1]
    }

    /// Kazakh and English names of the service.
    pub fn names(self) -> &'static Names {
        &SERVICE_NAMES[usize::from(self.0) - 1]
    }
}

impl TryFrom<u8> for ServiceId {
    type Error = CoreError;
    fn try_from(no: u8) -> Result<Self, Self::Error> {
        ServiceId::new(no)
    }
}

impl From<ServiceId> for u8 {
    fn from(id: ServiceId) -> u8 {
        id.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ServiceId {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let no: u32 = s.trim().parse().map_err(|_| CoreError::UnknownService(0))?;
        u8::try_from(no)
            .map_err(|_| CoreError::UnknownService(no))
            .and_then(ServiceId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(no: u8) -> String {
        let s = ServiceId::new(no).unwrap().service();
        Basis::ALL
            .into_iter()
            .map(|b| match s.access(b) {
                Some(Access::Full) => '+',
                Some(Access::Truncated) => 't',
                Some(Access::Articles) => 'a',
                None => '.',
            })
            .collect()
    }

    #[test]
    fn numbering_is_dense_and_names_are_clean() {
        for (i, s) in SERVICES.iter().enumerate() {
            assert_eq!(usize::from(s.id.number()), i + 1);
            assert!(!s.name_ru.trim().is_empty());
            assert!(
                !s.name_ru.ends_with(['1', '2']),
                "footnote mark left in {}",
                s.name_ru
            );
            assert!(s.marks().next().is_some(), "service {} has no basis", i + 1);
        }
        assert_eq!(
            ServiceId::new(0).unwrap_err().code(),
            "CORE_UNKNOWN_SERVICE"
        );
        assert_eq!(
            ServiceId::new(94).unwrap_err().code(),
            "CORE_UNKNOWN_SERVICE"
        );
        assert_eq!(
            "1000".parse::<ServiceId>().unwrap_err().code(),
            "CORE_UNKNOWN_SERVICE"
        );
        assert!(serde_json::from_str::<ServiceId>("94").is_err());
    }

    /// Every service that is not "+" on all six bases, row by row against the seed.
    #[test]
    fn every_special_row_of_appendix_2() {
        let special: &[(u8, &str)] = &[
            (11, "+ttt++"),
            (23, "+++..+"),
            (24, "+++..+"),
            (26, "+..+++"),
            (30, "+..+++"),
            (37, "a....."),
            (38, "a....."),
            (39, "a....."),
            (40, "a....."),
            (42, "++++.+"),
            (48, "+++++."),
            (49, "+++++."),
            (57, "++++.+"),
            (58, "+...+."),
            (59, "+...+."),
            (60, "+...+."),
            (61, "+...+."),
            (64, "++++.+"),
            (65, "+....."),
            (66, "++++.+"),
            (67, "....+."),
            (68, "+....."),
            (69, "+.+..+"),
            (70, "a....."),
            (71, "a....."),
            (72, "a....."),
            (73, "a....."),
            (74, "a....."),
            (75, "++++.+"),
            (82, "+....."),
            (83, "+....."),
            (85, "+....+"),
            (86, "+....+"),
            (87, "+....+"),
            (88, "+....+"),
            (89, "++.+++"),
            (90, "+....."),
            (91, "+....."),
            (92, "+...++"),
            (93, "+....+"),
        ];
        for no in 1..=93u8 {
            let want = special
                .iter()
                .find(|(n, _)| *n == no)
                .map_or("++++++", |(_, r)| r);
            assert_eq!(row(no), want, "service {no}");
        }
    }

    #[test]
    fn truncated_and_articles_only_where_the_seed_marks_them() {
        let truncated: Vec<u8> = SERVICES
            .iter()
            .filter(|s| s.marks().any(|(_, a)| a == Access::Truncated))
            .map(|s| s.id.number())
            .collect();
        assert_eq!(truncated, [11]);
        let articles: Vec<u8> = SERVICES
            .iter()
            .filter(|s| s.marks().any(|(_, a)| a == Access::Articles))
            .map(|s| s.id.number())
            .collect();
        assert_eq!(articles, [37, 38, 39, 40, 70, 71, 72, 73, 74]);
        for no in articles {
            let marks: Vec<_> = ServiceId::new(no).unwrap().service().marks().collect();
            assert_eq!(marks, [(Basis::Criminal, Access::Articles)]);
        }
    }
}
