//! A small PDF 1.4 writer for the documents of АРМ СИО ПСО: the gateway's result documents (pages
//! of text lines) and the supervisor's reports (a table over as many pages as it needs, its header
//! row repeated on each page, with title, period and the time it was made in Astana time).
//!
//! No I/O: the caller hands over the font's bytes ([`Font::from_bytes`]; [`font_candidates`] says
//! where DejaVu Sans usually is) and gets the PDF's bytes back. With a font, the glyphs used are
//! subset and embedded as a CID font with a ToUnicode map, so Russian and Kazakh (ә ғ қ ң ө ұ ү һ і)
//! show, print, search and copy as written and a document stays a few tens of kilobytes. Without
//! one, the PDF falls back to Helvetica (every reader has it, nothing embedded) with Cyrillic
//! transliterated to Latin.
//!
//! ```text
//!   text_document / table_document ──layout──▶ pages of drawing operations (text, lines, fills)
//!                                    ──write──▶ PDF objects: catalog, pages, contents, font subset
//! ```

#![forbid(unsafe_code)]

mod layout;
mod translit;
mod writer;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};

pub use translit::transliterate;

/// The environment variable naming a TrueType font file to use before the usual places.
pub const FONT_ENV: &str = "SIO_PDF_FONT";

/// Where DejaVu Sans usually is (Debian `fonts-dejavu-core`, Arch/Fedora layouts).
pub const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
];

/// The font files to try, in order: [`FONT_ENV`] if set, then [`FONT_PATHS`]. The caller reads
/// the first that exists and gives its bytes to [`Font::from_bytes`].
pub fn font_candidates() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::env::var_os(FONT_ENV)
        .map(PathBuf::from)
        .into_iter()
        .collect();
    out.extend(FONT_PATHS.iter().map(PathBuf::from));
    out
}

/// A TrueType font whose glyphs the PDF embeds (a subset of them).
#[derive(Clone)]
pub struct Font {
    data: Vec<u8>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl Font {
    /// The font in `data` (a TrueType/OpenType file), or `None` if it does not parse.
    pub fn from_bytes(data: Vec<u8>) -> Option<Font> {
        ttf_parser::Face::parse(&data, 0).ok()?;
        Some(Font { data })
    }

    /// Whether the font has a glyph for every character of `text` (spaces aside).
    pub fn covers(&self, text: &str) -> bool {
        match ttf_parser::Face::parse(&self.data, 0) {
            Ok(face) => text
                .chars()
                .filter(|c| !c.is_whitespace())
                .all(|c| face.glyph_index(c).is_some()),
            Err(_) => false,
        }
    }

    fn data(&self) -> &[u8] {
        &self.data
    }
}

/// The language of the labels a document adds itself (period, time made, page numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Kazakh.
    Kk,
    /// Russian.
    #[default]
    Ru,
    /// English.
    En,
}

impl Lang {
    fn period(self) -> &'static str {
        match self {
            Lang::Kk => "Кезең",
            Lang::Ru => "Период",
            Lang::En => "Period",
        }
    }

    fn generated(self) -> &'static str {
        match self {
            Lang::Kk => "Жасалған уақыты",
            Lang::Ru => "Сформировано",
            Lang::En => "Generated",
        }
    }

    fn astana(self) -> &'static str {
        match self {
            Lang::Kk => "Астана уақыты",
            Lang::Ru => "время Астаны",
            Lang::En => "Astana time",
        }
    }

    fn page(self) -> &'static str {
        match self {
            Lang::Kk => "Бет",
            Lang::Ru => "Страница",
            Lang::En => "Page",
        }
    }

    fn rows(self) -> &'static str {
        match self {
            Lang::Kk => "Жолдар",
            Lang::Ru => "Строк",
            Lang::En => "Rows",
        }
    }

    fn empty(self) -> &'static str {
        match self {
            Lang::Kk => "Бұл кезеңде жазбалар жоқ.",
            Lang::Ru => "За период записей нет.",
            Lang::En => "No records in this period.",
        }
    }
}

/// What a table document says above its table.
#[derive(Debug, Clone)]
pub struct Header {
    /// The title (first page, large; later pages, small).
    pub title: String,
    /// Lines under the title (e.g. the body and its БИН, the filter applied).
    pub lines: Vec<String>,
    /// The period covered, inclusive (Astana dates).
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// When the data was made; printed in Astana time.
    pub generated_at: DateTime<Utc>,
    /// The language of the labels the document adds.
    pub lang: Lang,
}

impl Header {
    /// The lines printed under the title: the caller's, the period, the time made.
    fn meta_lines(&self, rows: usize) -> Vec<String> {
        let mut out = self.lines.clone();
        if let Some((from, to)) = self.period {
            out.push(format!(
                "{}: {} — {}",
                self.lang.period(),
                from.format("%d.%m.%Y"),
                to.format("%d.%m.%Y")
            ));
        }
        let at = sio_core::time::to_astana(self.generated_at);
        out.push(format!(
            "{}: {} ({}, UTC{})",
            self.lang.generated(),
            at.format("%d.%m.%Y %H:%M:%S"),
            self.lang.astana(),
            at.format("%:z")
        ));
        out.push(format!("{}: {rows}", self.lang.rows()));
        out
    }
}

/// A table: column names and rows of cells (a row shorter than the columns is padded with empty
/// cells, extra cells are dropped). Cells wrap at word boundaries inside their column.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names (the header row, repeated on every page).
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

/// A document of text lines on A4 portrait pages: the title, then the lines (wrapped at 100
/// characters, 60 a page), the page number at the foot. The gateway's result documents.
pub fn text_document(font: Option<&Font>, title: &str, lines: &[String]) -> Vec<u8> {
    writer::render(font, |m| layout::text_pages(m, title, lines))
}

/// A table document on A4 landscape pages: the title, `header`'s lines, the period and the time
/// made on the first page; the table with its header row repeated on every page; the page
/// number ("page i / n") at the foot of each. A row taller than a page continues on the next.
pub fn table_document(font: Option<&Font>, header: &Header, table: &Table) -> Vec<u8> {
    writer::render(font, |m| layout::table_pages(m, header, table))
}

#[cfg(test)]
mod tests;
