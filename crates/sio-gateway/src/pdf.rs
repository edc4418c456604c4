//! A minimal PDF 1.4 writer for result documents: A4 pages, Helvetica (a standard font that every
//! reader has, so nothing is embedded and the file stays a few kilobytes). Helvetica has no
//! Cyrillic glyphs: Russian and Kazakh text is rendered in a Latin transliteration (the JSON
//! table beside the PDF keeps the original script).

/// Render lines of text (a title, then body lines) as a PDF.
pub(crate) fn render(title: &str, lines: &[String]) -> Vec<u8> {
    const PER_PAGE: usize = 60;
    const WRAP: usize = 100;
    let mut wrapped: Vec<String> = Vec::new();
    for line in lines {
        let t = transliterate(line);
        if t.is_empty() {
            wrapped.push(String::new());
        }
        let chars: Vec<char> = t.chars().collect();
        for chunk in chars.chunks(WRAP) {
            wrapped.push(chunk.iter().collect());
        }
    }
    let pages: Vec<&[String]> = if wrapped.is_empty() {
        vec![&[][..]]
    } else {
        wrapped.chunks(PER_PAGE).collect()
    };
    let title = transliterate(title);

    // Objects: 1 catalog, 2 pages, 3 font, then (page, content) pairs.
    let mut objects: Vec<String> = Vec::new();
    let n_pages = pages.len();
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        n_pages
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    );
    for (i, page) in pages.iter().enumerate() {
        let mut content = String::from("BT\n/F1 14 Tf\n50 800 Td\n");
        content.push_str(&format!("({}) Tj\n", escape(&title)));
        content.push_str("/F1 9 Tf\n0 -22 Td\n11 TL\n");
        for line in page.iter() {
            content.push_str(&format!("({}) Tj T*\n", escape(line)));
        }
        content.push_str(&format!(
            "ET\nBT /F1 8 Tf 50 30 Td (Page {} of {}) Tj ET\n",
            i + 1,
            n_pages
        ));
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{}endstream",
            content.len(),
            content
        ));
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, obj).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
            objects.len() + 1,
            xref
        )
        .as_bytes(),
    );
    out
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => o.push(c),
            _ => o.push('?'),
        }
    }
    o
}

/// Russian and Kazakh Cyrillic to Latin (simplified, readable; not a legal transliteration).
pub(crate) fn transliterate(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_well_formed_and_readable() {
        let pdf = render("Сведения № 1", &["ИВАНОВ Қайрат (a)".to_string()]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains("(Svedeniya No. 1) Tj"));
        assert!(text.contains("(IVANOV Qayrat \\(a\\)) Tj"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(pdf[startxref..].starts_with(b"xref"));
    }
}
