//! Russian and Kazakh Cyrillic to Latin, for the Helvetica fallback (no embedded font).

/// Russian and Kazakh Cyrillic to Latin (simplified, readable; not a legal transliteration).
pub fn transliterate(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let t: Option<&str> = match lower {
            'а' => Some("a"),
            'ә' => Some("ae"),
            'б' => Some("b"),
            'в' => Some("v"),
            'г' => Some("g"),
            'ғ' => Some("gh"),
            'д' => Some("d"),
            'е' => Some("e"),
            'ё' => Some("yo"),
            'ж' => Some("zh"),
            'з' => Some("z"),
            'и' => Some("i"),
            'й' => Some("y"),
            'к' => Some("k"),
            'қ' => Some("q"),
            'л' => Some("l"),
            'м' => Some("m"),
            'н' => Some("n"),
            'ң' => Some("ng"),
            'о' => Some("o"),
            'ө' => Some("oe"),
            'п' => Some("p"),
            'р' => Some("r"),
            'с' => Some("s"),
            'т' => Some("t"),
            'у' => Some("u"),
            'ұ' => Some("u"),
            'ү' => Some("ue"),
            'ф' => Some("f"),
            'х' => Some("kh"),
            'һ' => Some("h"),
            'ц' => Some("ts"),
            'ч' => Some("ch"),
            'ш' => Some("sh"),
            'щ' => Some("shch"),
            'ъ' => Some(""),
            'ы' => Some("y"),
            'і' => Some("i"),
            'ь' => Some(""),
            'э' => Some("e"),
            'ю' => Some("yu"),
            'я' => Some("ya"),
            '№' => Some("No."),
            '«' | '»' => Some("\""),
            '–' | '—' => Some("-"),
            _ => None,
        };
        match t {
            Some(t) if c != lower => {
                let mut chars = t.chars();
                if let Some(f) = chars.next() {
                    o.extend(f.to_uppercase());
                    o.push_str(chars.as_str());
                }
            }
            Some(t) => o.push_str(t),
            None => o.push(c),
        }
    }
    o
}
