//! Deterministic synthetic results: the same service and subject always give the same data.
//! People and companies are generated (names combined from lists, valid ИИН/БИН made with
//! sio-core's check digit); no real person is described.

use chrono::{DateTime, NaiveDate, Utc};
use ring::digest;
use sio_core::{Bin, Iin, ServiceId};
use sio_protocol::ResultTable;

use crate::clock::astana;

const SURNAMES: &[&str] = &[
    "АХМЕТОВ",
    "БЕКОВА",
    "ЖАНИБЕКОВ",
    "КАСЫМОВА",
    "НУРЛАНОВ",
    "ОМАРОВА",
    "САПАРОВ",
    "ТЕМИРОВА",
    "УСЕНОВ",
    "ШАКИРОВА",
    "ЕРМЕКОВ",
    "ДАУЛЕТОВА",
];
const GIVEN: &[&str] = &[
    "АЙДАР",
    "ГУЛЬНАРА",
    "ЕРЛАН",
    "ЖАНАР",
    "КАЙРАТ",
    "МАДИНА",
    "НУРЖАН",
    "САУЛЕ",
    "ТИМУР",
    "ДИНАРА",
];
const COMPANIES: &[&str] = &[
    "ТОО «Дала Сервис»",
    "ТОО «Астана Логистик»",
    "АО «Жетысу Строй»",
    "ТОО «Каспий Трейд»",
    "ТОО «Сарыарка Агро»",
    "ТОО «Алтын Жол»",
];
const STREETS: &[&str] = &[
    "пр. Мангилик Ел",
    "ул. Кенесары",
    "ул. Сыганак",
    "пр. Абая",
    "ул. Достык",
];

/// A small deterministic generator over SHA-256 in counter mode.
struct Rng {
    seed: Vec<u8>,
    counter: u64,
    buf: Vec<u8>,
}

impl Rng {
    fn new(seed: &str) -> Self {
        Self {
            seed: seed.as_bytes().to_vec(),
            counter: 0,
            buf: Vec::new(),
        }
    }
    fn next_u32(&mut self) -> u32 {
        if self.buf.len() < 4 {
            let mut input = self.seed.clone();
            input.extend_from_slice(&self.counter.to_be_bytes());
            self.counter += 1;
            self.buf = digest::digest(&digest::SHA256, &input).as_ref().to_vec();
        }
        let b: Vec<u8> = self.buf.drain(..4).collect();
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u32() as usize) % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn synthetic_iin(rng: &mut Rng) -> String {
    loop {
        let year = 1960 + rng.below(40);
        let month = 1 + rng.below(12);
        let day = 1 + rng.below(28);
        let female = rng.below(2) == 1;
        let century_sex = if year < 2000 {
            if female { 4 } else { 3 }
        } else if female {
            6
        } else {
            5
        };
        let serial = rng.below(10_000);
        let first11 = format!(
            "{:02}{:02}{:02}{}{:04}",
            year % 100,
            month,
            day,
            century_sex,
            serial
        );
        if let Ok(iin) = Iin::from_first11(&first11) {
            return iin.as_string();
        }
    }
}

fn synthetic_bin(rng: &mut Rng) -> String {
    loop {
        let yy = rng.below(24);
        let mm = 1 + rng.below(12);
        let serial = rng.below(100_000);
        let first11 = format!("{yy:02}{mm:02}4{}{serial:05}", rng.below(3));
        if let Ok(bin) = Bin::from_first11(&first11) {
            return bin.as_string();
        }
    }
}

fn date(rng: &mut Rng) -> String {
    let d = NaiveDate::from_ymd_opt(
        2015 + rng.below(11) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    );
    d.map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_default()
}

/// One generated result.
pub(crate) struct Generated {
    pub(crate) title: String,
    pub(crate) truncated: bool,
    pub(crate) table: ResultTable,
    pub(crate) pdf: Vec<u8>,
}

/// Generate the result of `service` about `subject` (an ИИН or БИН).
pub(crate) fn generate(
    request_id: &str,
    service: ServiceId,
    subject: &str,
    truncated: bool,
    generated_at: DateTime<Utc>,
) -> Generated {
    let title = service.service().name_ru.to_string();
    let mut rng = Rng::new(&format!("{}|{}", service.number(), subject));
    let n_rows = 1 + rng.below(4);
    let table = if service.number() == 11 {
        // Pension contributions: employer, period, amount (omitted in the truncated variant).
        let mut columns = vec![
            "БИН работодателя".to_string(),
            "Работодатель".into(),
            "Период".into(),
        ];
        if !truncated {
            columns.push("Сумма взноса, тенге".into());
        }
        let rows = (0..n_rows + 2)
            .map(|_| {
                let mut row = vec![
                    synthetic_bin(&mut rng),
                    rng.pick(COMPANIES).to_string(),
                    format!("{:02}.{}", 1 + rng.below(12), 2020 + rng.below(6)),
                ];
                let amount = 10_000 + rng.below(90_000);
                if !truncated {
                    row.push(amount.to_string());
                }
                row
            })
            .collect();
        ResultTable { columns, rows }
    } else {
        let columns = vec![
            "ИИН/БИН".to_string(),
            "Наименование / ФИО".into(),
            "Адрес".into(),
            "Сведения".into(),
            "Дата".into(),
        ];
        let rows = (0..n_rows)
            .map(|i| {
                let (id, name) = if i == 0 {
                    let name = if subject
                        .as_bytes()
                        .get(4)
                        .is_some_and(|d| (b'4'..=b'6').contains(d))
                    {
                        rng.pick(COMPANIES).to_string()
                    } else {
                        format!("{} {}", rng.pick(SURNAMES), rng.pick(GIVEN))
                    };
                    (subject.to_string(), name)
                } else if rng.below(2) == 0 {
                    (
                        synthetic_iin(&mut rng),
                        format!("{} {}", rng.pick(SURNAMES), rng.pick(GIVEN)),
                    )
                } else {
                    (synthetic_bin(&mut rng), rng.pick(COMPANIES).to_string())
                };
                vec![
                    id,
                    name,
                    format!(
                        "г. Астана, {}, д. {}",
                        rng.pick(STREETS),
                        1 + rng.below(120)
                    ),
                    format!("Запись № {}-{:06}", service.number(), rng.below(1_000_000)),
                    date(&mut rng),
                ]
            })
            .collect();
        ResultTable { columns, rows }
    };
    let mut lines = vec![
        format!("Запрос: {request_id}"),
        format!("Сервис № {}", service.number()),
        format!("Субъект: {subject}"),
        format!(
            "Сформировано: {}",
            astana(generated_at).format("%d.%m.%Y %H:%M:%S (Астана)")
        ),
    ];
    if truncated {
        lines.push("Усеченный сервис: суммы взносов не предоставляются.".into());
    }
    lines.push(String::new());
    lines.push(table.columns.join(" | "));
    for row in &table.rows {
        lines.push(row.join(" | "));
    }
    lines.push(String::new());
    lines.push("Для служебного пользования. Синтетические данные эталонного шлюза.".into());
    let pdf = crate::pdf::render(&title, &lines);
    Generated {
        title,
        truncated,
        table,
        pdf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid_ids_for_every_service() {
        let at = Utc::now();
        for n in 1..=93u8 {
            let s = ServiceId::new(n).expect("service");
            let a = generate("r", s, "850415300121", false, at);
            let b = generate("r", s, "850415300121", false, at);
            assert_eq!(a.table, b.table);
            for row in &a.table.rows {
                let id = &row[0];
                assert!(Iin::parse(id).is_ok() || Bin::parse(id).is_ok(), "{id}");
            }
            assert!(a.pdf.starts_with(b"%PDF-1.4"));
        }
    }

    #[test]
    fn truncated_pension_has_no_amounts() {
        let s = ServiceId::new(11).expect("service");
        let full = generate("r", s, "850415300121", false, Utc::now());
        let short = generate("r", s, "850415300121", true, Utc::now());
        assert_eq!(full.table.columns.len(), 4);
        assert_eq!(short.table.columns.len(), 3);
        assert!(short.table.rows.iter().all(|r| r.len() == 3));
    }
}
