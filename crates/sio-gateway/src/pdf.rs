//! The PDF of a result document: A4 pages of text lines, written by `sio-pdf`.
//!
//! With DejaVu Sans available (Debian `fonts-dejavu-core`, or the file named by `SIO_PDF_FONT`),
//! the text is set in it: the glyphs used are subset and embedded, so Russian and Kazakh read and
//! copy as written and a result stays a few tens of kilobytes. The font is read once, at the first
//! result, not shipped in the repository. Without it the PDF falls back to Helvetica with Cyrillic
//! transliterated to Latin; the JSON table beside the PDF keeps the original script.

use std::sync::OnceLock;

fn font() -> Option<&'static sio_pdf::Font> {
    static FONT: OnceLock<Option<sio_pdf::Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        sio_pdf::font_candidates()
            .iter()
            .find_map(|p| sio_pdf::Font::from_bytes(std::fs::read(p).ok()?))
    })
    .as_ref()
}

/// Render a table document (the operator's journals) as a PDF.
pub(crate) fn table(header: &sio_pdf::Header, table: &sio_pdf::Table) -> Vec<u8> {
    sio_pdf::table_document(font(), header, table)
}

/// Render lines of text (a title, then body lines) as a PDF.
pub(crate) fn render(title: &str, lines: &[String]) -> Vec<u8> {
    sio_pdf::text_document(font(), title, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result PDF keeps Cyrillic when the font is installed (the text checks themselves are
    /// in `sio-pdf`).
    #[test]
    fn results_embed_the_font_when_it_is_installed() {
        let pdf = render(
            "Сведения о пенсионных взносах",
            &["ИВАНОВ Қайрат, ИИН 850415300121".to_string()],
        );
        assert!(pdf.starts_with(b"%PDF-1.4"));
        let text = String::from_utf8_lossy(&pdf);
        if font().is_some() {
            assert!(text.contains("/FontFile2") && text.contains("/ToUnicode"));
            assert!(pdf.len() < 60_000, "{}", pdf.len());
        } else {
            assert!(text.contains("(Svedeniya o pensionnykh vznosakh) Tj"));
        }
    }
}
