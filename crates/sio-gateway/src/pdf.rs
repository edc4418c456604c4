//! A minimal PDF 1.4 writer for result documents: A4 pages of text lines.
//!
//! With DejaVu Sans available (Debian `fonts-dejavu-core`, or the file named by
//! `SIO_PDF_FONT`), the text is set in it: the glyphs used are subset (subsetter) and embedded as
//! a CID font with a ToUnicode map, so Russian and Kazakh read and copy as written and a result
//! stays a few tens of kilobytes. The font is read at run time, not shipped in the repository.
//! Without it the PDF falls back to Helvetica (every reader has it, nothing embedded) with
//! Cyrillic transliterated to Latin; the JSON table beside the PDF keeps the original script.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const PER_PAGE: usize = 60;
const WRAP: usize = 100;
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

fn font_data() -> Option<&'static [u8]> {
    static FONT: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    FONT.get_or_init(|| {
        let mut paths: Vec<String> = std::env::var("SIO_PDF_FONT").ok().into_iter().collect();
        paths.extend(FONT_PATHS.iter().map(|p| p.to_string()));
        paths.iter().find_map(|p| {
            let data = std::fs::read(p).ok()?;
            ttf_parser::Face::parse(&data, 0).ok()?;
            Some(data)
        })
    })
    .as_deref()
}

fn wrap(lines: &[String], map: impl Fn(&str) -> String) -> Vec<String> {
    let mut wrapped: Vec<String> = Vec::new();
    for line in lines {
        let t = map(line);
        if t.is_empty() {
            wrapped.push(String::new());
        }
        let chars: Vec<char> = t.chars().collect();
        for chunk in chars.chunks(WRAP) {
            wrapped.push(chunk.iter().collect());
        }
    }
    wrapped
}

/// Render lines of text (a title, then body lines) as a PDF.
pub(crate) fn render(title: &str, lines: &[String]) -> Vec<u8> {
    if let Some(font) = font_data() {
        if let Some(pdf) = render_embedded(font, title, lines) {
            return pdf;
        }
    }
    render_helvetica(title, lines)
}

/// Assemble objects (1-based, in order) into a PDF file.
fn assemble(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
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

fn stream(dict_extra: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< /Length {}{} >>\nstream\n", data.len(), dict_extra).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// Page tree: objects 1 catalog, 2 pages, 3 font, then (page, content) pairs; `font_objects`
/// are appended after them.
fn pages_pdf(contents: Vec<String>, font: Vec<u8>, font_objects: Vec<Vec<u8>>) -> Vec<u8> {
    let n_pages = contents.len();
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            n_pages
        )
        .into_bytes(),
        font,
    ];
    for (i, content) in contents.into_iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", content.as_bytes()));
    }
    objects.extend(font_objects);
    assemble(&objects)
}

fn page_content(
    title: &str,
    page: &[String],
    i: usize,
    n: usize,
    show: &dyn Fn(&str) -> String,
) -> String {
    let mut content = String::from("BT\n/F1 14 Tf\n50 800 Td\n");
    content.push_str(&format!("{} Tj\n", show(title)));
    content.push_str("/F1 9 Tf\n0 -22 Td\n11 TL\n");
    for line in page {
        content.push_str(&format!("{} Tj T*\n", show(line)));
    }
    content.push_str(&format!(
        "ET\nBT /F1 8 Tf 50 30 Td {} Tj ET\n",
        show(&format!("{} / {}", i + 1, n))
    ));
    content
}

fn render_helvetica(title: &str, lines: &[String]) -> Vec<u8> {
    let wrapped = wrap(lines, transliterate);
    let pages: Vec<&[String]> = if wrapped.is_empty() {
        vec![&[][..]]
    } else {
        wrapped.chunks(PER_PAGE).collect()
    };
    let show = |s: &str| format!("({})", escape(&transliterate(s)));
    let n = pages.len();
    let contents = pages
        .iter()
        .enumerate()
        .map(|(i, p)| page_content(title, p, i, n, &show))
        .collect();
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        .to_vec();
    pages_pdf(contents, font, Vec::new())
}

fn render_embedded(data: &[u8], title: &str, lines: &[String]) -> Option<Vec<u8>> {
    let face = ttf_parser::Face::parse(data, 0).ok()?;
    let wrapped = wrap(lines, |s| s.to_string());
    let pages: Vec<&[String]> = if wrapped.is_empty() {
        vec![&[][..]]
    } else {
        wrapped.chunks(PER_PAGE).collect()
    };
    let n = pages.len();
    // Glyphs used, remapped to a dense subset.
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
    let question = face.glyph_index('?').map(|g| g.0).unwrap_or(0);
    let mut texts: Vec<String> = vec![title.to_string()];
    texts.extend(wrapped.iter().cloned());
    texts.extend((0..n).map(|i| format!("{} / {}", i + 1, n)));
    for t in &texts {
        for c in t.chars() {
            let gid = face.glyph_index(c).map(|g| g.0).unwrap_or(question);
            let new = remapper.remap(gid);
            to_unicode.entry(new).or_insert(c);
        }
    }
    let subset = subsetter::subset(data, 0, &remapper).ok()?;
    let show = |s: &str| {
        let mut hex = String::from("<");
        for c in s.chars() {
            let gid = face.glyph_index(c).map(|g| g.0).unwrap_or(question);
            let new = remapper.get(gid).unwrap_or(0);
            hex.push_str(&format!("{new:04X}"));
        }
        hex.push('>');
        hex
    };
    let contents: Vec<String> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| page_content(title, p, i, n, &show))
        .collect();

    let upem = f64::from(face.units_per_em().max(1));
    let scale = |v: i32| ((f64::from(v) * 1000.0) / upem).round() as i64;
    let mut widths = String::new();
    let mut old_of_new: BTreeMap<u16, u16> = BTreeMap::new();
    for (new, c) in &to_unicode {
        let old = face.glyph_index(*c).map(|g| g.0).unwrap_or(question);
        old_of_new.insert(*new, old);
    }
    for (new, old) in &old_of_new {
        let adv = face
            .glyph_hor_advance(ttf_parser::GlyphId(*old))
            .map(i32::from)
            .unwrap_or(0);
        widths.push_str(&format!("{new} [{}] ", scale(adv)));
    }
    let bbox = face.global_bounding_box();
    let first_page_objects = 3 + 2 * n; // objects 1..=3+2n exist before the font parts
    let cid_font = first_page_objects + 1;
    let descriptor = first_page_objects + 2;
    let font_file = first_page_objects + 3;
    let cmap = first_page_objects + 4;
    let name = "SIOPDF+DejaVuSans";
    let font = format!(
        "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap} 0 R >>"
    )
    .into_bytes();
    let cid = format!(
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /DW 600 /W [{widths}] /CIDToGIDMap /Identity >>"
    )
    .into_bytes();
    let desc = format!(
        "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {font_file} 0 R >>",
        scale(i32::from(bbox.x_min)),
        scale(i32::from(bbox.y_min)),
        scale(i32::from(bbox.x_max)),
        scale(i32::from(bbox.y_max)),
        scale(i32::from(face.ascender())),
        scale(i32::from(face.descender())),
        scale(i32::from(face.capital_height().unwrap_or(face.ascender()))),
    )
    .into_bytes();
    let file = stream(&format!(" /Length1 {}", subset.len()), &subset);
    let mut cmap_text = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = to_unicode.iter().collect();
    for chunk in entries.chunks(100) {
        cmap_text.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (gid, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            cmap_text.push_str(&format!("<{gid:04X}> <{hex}>\n"));
        }
        cmap_text.push_str("endbfchar\n");
    }
    cmap_text.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    let cmap_obj = stream("", cmap_text.as_bytes());
    Some(pages_pdf(contents, font, vec![cid, desc, file, cmap_obj]))
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
    fn helvetica_fallback_is_well_formed_and_transliterated() {
        let pdf = render_helvetica("Сведения № 1", &["ИВАНОВ Қайрат (a)".to_string()]);
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

    /// With DejaVu Sans installed (fonts-dejavu-core) the Cyrillic text is embedded and
    /// extractable; checked with poppler's `pdftotext` (poppler-utils) when it is there.
    #[test]
    fn embedded_font_keeps_cyrillic() {
        let Some(font) = font_data() else {
            eprintln!("DejaVu Sans not installed: embedded-font path not checked");
            return;
        };
        let lines = vec![
            "ИВАНОВ Қайрат, ИИН 850415300121".to_string(),
            "Сумма: 12 500 ₸".to_string(),
        ];
        let pdf = render_embedded(font, "Сведения о пенсионных взносах", &lines).expect("pdf");
        assert!(
            pdf.len() < 60_000,
            "subset font keeps the PDF small: {}",
            pdf.len()
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile2") && text.contains("/ToUnicode"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.pdf");
        std::fs::write(&path, &pdf).expect("write");
        match std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
        {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let extracted = String::from_utf8_lossy(&out.stdout);
                assert!(
                    extracted.contains("Сведения о пенсионных взносах"),
                    "{extracted}"
                );
                assert!(extracted.contains("ИВАНОВ Қайрат"), "{extracted}");
                assert!(
                    !String::from_utf8_lossy(&out.stderr).contains("Error"),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Err(_) => eprintln!("pdftotext not installed: text extraction not checked"),
        }
    }
}
