//! Pages of drawing operations to PDF bytes: with an embedded font subset (CID font,
//! Identity-H, ToUnicode) or with Helvetica and transliteration.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::Font;
use crate::translit::transliterate;

/// One drawing operation, in PDF points from the lower-left corner.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Text with its baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A stroked line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A grey filled rectangle (0 black … 1 white).
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: f32,
    },
}

/// A page: its size (width, height) and what is drawn on it.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) size: (f32, f32),
    pub(crate) ops: Vec<Op>,
}

/// Text widths, from the embedded font's advances or estimated for Helvetica.
pub(crate) struct Metrics<'a> {
    face: Option<ttf_parser::Face<'a>>,
}

impl<'a> Metrics<'a> {
    #[cfg(test)]
    pub(crate) fn for_tests(face: ttf_parser::Face<'a>) -> Self {
        Metrics { face: Some(face) }
    }

    /// The width of `text` set at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = match &self.face {
            Some(face) => {
                let upem = f32::from(face.units_per_em().max(1));
                text.chars()
                    .map(|c| {
                        let gid = face
                            .glyph_index(c)
                            .or_else(|| face.glyph_index('?'))
                            .unwrap_or(ttf_parser::GlyphId(0));
                        f32::from(face.glyph_hor_advance(gid).unwrap_or(0)) * 1000.0 / upem
                    })
                    .sum()
            }
            // Helvetica, estimated on the safe side: capitals ≤ 0.72 em, the rest ≤ 0.58 em.
            None => transliterate(text)
                .chars()
                .map(|c| match c {
                    ' ' => 278.0,
                    c if c.is_uppercase() => 722.0,
                    _ => 584.0,
                })
                .sum(),
        };
        units * size / 1000.0
    }
}

/// Lay out with the font if there is one (and it can be subset), else with Helvetica.
pub(crate) fn render(font: Option<&Font>, build: impl Fn(&Metrics<'_>) -> Vec<Page>) -> Vec<u8> {
    if let Some(font) = font
        && let Ok(face) = ttf_parser::Face::parse(font.data(), 0)
    {
        let metrics = Metrics { face: Some(face) };
        let pages = build(&metrics);
        if let Some(pdf) = embedded(font.data(), &pages) {
            return pdf;
        }
    }
    helvetica(&build(&Metrics { face: None }))
}

fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn content(page: &Page, show: &dyn Fn(&str) -> String) -> String {
    let mut c = String::new();
    for op in &page.ops {
        match op {
            Op::Text { x, y, size, text } => {
                let _ = writeln!(
                    c,
                    "BT /F1 {} Tf 1 0 0 1 {} {} Tm {} Tj ET",
                    num(*size),
                    num(*x),
                    num(*y),
                    show(text)
                );
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
            } => {
                let _ = writeln!(
                    c,
                    "{} w {} {} m {} {} l S",
                    num(*width),
                    num(*x1),
                    num(*y1),
                    num(*x2),
                    num(*y2)
                );
            }
            Op::Fill { x, y, w, h, grey } => {
                let _ = writeln!(
                    c,
                    "{} g {} {} {} {} re f 0 g",
                    num(*grey),
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h)
                );
            }
        }
    }
    c
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

/// Objects: 1 catalog, 2 pages, 3 font, then (page, content) pairs, then `font_objects`.
fn pages_pdf(
    pages: &[Page],
    contents: Vec<String>,
    font: Vec<u8>,
    font_objects: Vec<Vec<u8>>,
) -> Vec<u8> {
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        font,
    ];
    for (i, (page, content)) in pages.iter().zip(contents).enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                num(page.size.0),
                num(page.size.1),
                5 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", content.as_bytes()));
    }
    objects.extend(font_objects);
    assemble(&objects)
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

pub(crate) fn helvetica(pages: &[Page]) -> Vec<u8> {
    let show = |s: &str| format!("({})", escape(&transliterate(s)));
    let contents = pages.iter().map(|p| content(p, &show)).collect();
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        .to_vec();
    pages_pdf(pages, contents, font, Vec::new())
}

pub(crate) fn embedded(data: &[u8], pages: &[Page]) -> Option<Vec<u8>> {
    let face = ttf_parser::Face::parse(data, 0).ok()?;
    let question = face.glyph_index('?').map(|g| g.0).unwrap_or(0);
    let gid = |c: char| face.glyph_index(c).map(|g| g.0).unwrap_or(question);
    // Glyphs used, remapped to a dense subset.
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
    for page in pages {
        for op in &page.ops {
            if let Op::Text { text, .. } = op {
                for c in text.chars() {
                    let new = remapper.remap(gid(c));
                    to_unicode.entry(new).or_insert(c);
                }
            }
        }
    }
    let subset = subsetter::subset(data, 0, &remapper).ok()?;
    let show = |s: &str| {
        let mut hex = String::from("<");
        for c in s.chars() {
            let new = remapper.get(gid(c)).unwrap_or(0);
            let _ = write!(hex, "{new:04X}");
        }
        hex.push('>');
        hex
    };
    let contents: Vec<String> = pages.iter().map(|p| content(p, &show)).collect();

    let upem = f64::from(face.units_per_em().max(1));
    let scale = |v: i32| ((f64::from(v) * 1000.0) / upem).round() as i64;
    let mut widths = String::new();
    for (new, c) in &to_unicode {
        let adv = face
            .glyph_hor_advance(ttf_parser::GlyphId(gid(*c)))
            .map(i32::from)
            .unwrap_or(0);
        let _ = write!(widths, "{new} [{}] ", scale(adv));
    }
    let bbox = face.global_bounding_box();
    let before_font = 3 + 2 * pages.len(); // objects 1..=3+2n precede the font parts
    let cid_font = before_font + 1;
    let descriptor = before_font + 2;
    let font_file = before_font + 3;
    let cmap = before_font + 4;
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
        let _ = writeln!(cmap_text, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap_text, "<{gid:04X}> <{hex}>");
        }
        cmap_text.push_str("endbfchar\n");
    }
    cmap_text.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    let cmap_obj = stream("", cmap_text.as_bytes());
    Some(pages_pdf(
        pages,
        contents,
        font,
        vec![cid, desc, file, cmap_obj],
    ))
}
