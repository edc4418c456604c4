//! Layout: text pages (the gateway's results) and paginated tables (reports).

use crate::writer::{Metrics, Op, Page};
use crate::{Header, Table};

const A4: (f32, f32) = (595.0, 842.0);
const A4_LANDSCAPE: (f32, f32) = (842.0, 595.0);

/// Text documents: lines a page, characters a line.
const PER_PAGE: usize = 60;
const WRAP: usize = 100;

/// Tables: margin, cell font size, line spacing and padding (points).
const MARGIN: f32 = 36.0;
const CELL: f32 = 8.0;
const LEADING: f32 = 10.0;
const PAD: f32 = 3.0;
const FOOTER_Y: f32 = 20.0;

fn text(x: f32, y: f32, size: f32, text: impl Into<String>) -> Op {
    Op::Text {
        x,
        y,
        size,
        text: text.into(),
    }
}

fn wrap_chars(lines: &[String]) -> Vec<String> {
    let mut wrapped: Vec<String> = Vec::new();
    for line in lines {
        if line.is_empty() {
            wrapped.push(String::new());
        }
        let chars: Vec<char> = line.chars().collect();
        for chunk in chars.chunks(WRAP) {
            wrapped.push(chunk.iter().collect());
        }
    }
    wrapped
}

/// A4 portrait: the title at 14 pt, lines at 9 pt (11 pt apart, 60 a page), "i / n" at the foot.
pub(crate) fn text_pages(_m: &Metrics<'_>, title: &str, lines: &[String]) -> Vec<Page> {
    let wrapped = wrap_chars(lines);
    let chunks: Vec<&[String]> = if wrapped.is_empty() {
        vec![&[][..]]
    } else {
        wrapped.chunks(PER_PAGE).collect()
    };
    let n = chunks.len();
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut ops = vec![text(50.0, 800.0, 14.0, title)];
            let mut y = 778.0;
            for line in *chunk {
                if !line.is_empty() {
                    ops.push(text(50.0, y, 9.0, line.as_str()));
                }
                y -= 11.0;
            }
            ops.push(text(50.0, 30.0, 8.0, format!("{} / {}", i + 1, n)));
            Page { size: A4, ops }
        })
        .collect()
}

/// Break `s` into lines no wider than `width` at `size`: at spaces where possible, inside a word
/// where it alone is too wide; explicit line breaks are kept.
pub(crate) fn wrap(m: &Metrics<'_>, s: &str, width: f32, size: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if m.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            // The word alone: split it where it overflows.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if !line.is_empty() && m.width(&next, size) > width {
                    out.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        out.push(line);
    }
    out
}

/// Column widths filling `avail`: natural widths if they fit (stretched to fill); otherwise
/// water-filling — every column gets its natural width up to a common level (so narrow columns
/// stay whole and only the widest wrap), but never less than its longest word (or a fair share,
/// if even the longest words do not fit together).
fn column_widths(m: &Metrics<'_>, table: &Table, ncols: usize, avail: f32) -> Vec<f32> {
    let cells = |c: usize| {
        std::iter::once(table.columns.get(c).map(String::as_str).unwrap_or(""))
            .chain(table.rows.iter().map(move |r| r.get(c).map_or("", |s| s)))
    };
    let fair = avail / ncols as f32;
    let mut natural = Vec::with_capacity(ncols);
    let mut least = Vec::with_capacity(ncols);
    for c in 0..ncols {
        let nat = cells(c)
            .flat_map(|s| s.split('\n'))
            .map(|s| m.width(s, CELL))
            .fold(0.0f32, f32::max)
            + 2.0 * PAD;
        let nat = nat.max(2.0 * PAD + CELL);
        let word = cells(c)
            .flat_map(str::split_whitespace)
            .map(|w| m.width(w, CELL))
            .fold(0.0f32, f32::max)
            + 2.0 * PAD;
        natural.push(nat);
        least.push(word.min(fair).min(nat));
    }
    let total: f32 = natural.iter().sum();
    if total <= avail {
        return natural.iter().map(|w| w * avail / total).collect();
    }
    let least_total: f32 = least.iter().sum();
    if least_total >= avail {
        return least.iter().map(|w| w * avail / least_total).collect();
    }
    let at = |level: f32| -> Vec<f32> {
        natural
            .iter()
            .zip(&least)
            .map(|(n, l)| n.min(level).max(*l))
            .collect()
    };
    let (mut lo, mut hi) = (0.0f32, natural.iter().copied().fold(0.0f32, f32::max));
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if at(mid).iter().sum::<f32>() <= avail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut widths = at(lo);
    // Give the rounding remainder to the widest column.
    let rest = avail - widths.iter().sum::<f32>();
    if let Some(w) = widths.iter_mut().max_by(|a, b| a.total_cmp(b)) {
        *w += rest.max(0.0);
    }
    widths
}

/// The cells of one row as wrapped lines.
fn row_lines(m: &Metrics<'_>, row: &[String], widths: &[f32]) -> Vec<Vec<String>> {
    widths
        .iter()
        .enumerate()
        .map(|(c, w)| wrap(m, row.get(c).map_or("", |s| s), w - 2.0 * PAD, CELL))
        .collect()
}

struct Cursor<'h> {
    pages: Vec<Page>,
    ops: Vec<Op>,
    y: f32,
    widths: Vec<f32>,
    header_lines: Vec<Vec<String>>,
    header: &'h Header,
    rows_on_page: usize,
}

impl Cursor<'_> {
    const BOTTOM: f32 = MARGIN;

    /// Draw `take` lines (from `from`) of every cell as one band of the table at the cursor.
    fn band(&mut self, cells: &[Vec<String>], from: usize, take: usize, shade: bool) {
        let h = take as f32 * LEADING + 2.0 * PAD;
        let top = self.y;
        let width: f32 = self.widths.iter().sum();
        if shade {
            self.ops.push(Op::Fill {
                x: MARGIN,
                y: top - h,
                w: width,
                h,
                grey: 0.88,
            });
        }
        let mut x = MARGIN;
        for (c, w) in self.widths.iter().enumerate() {
            let lines = cells.get(c).map_or(&[][..], Vec::as_slice);
            for (k, line) in lines.iter().skip(from).take(take).enumerate() {
                if !line.is_empty() {
                    let baseline = top - PAD - CELL * 0.85 - k as f32 * LEADING;
                    self.ops.push(text(x + PAD, baseline, CELL, line.as_str()));
                }
            }
            x += w;
        }
        // Grid: top and bottom rules, column boundaries.
        for yy in [top, top - h] {
            self.ops.push(Op::Line {
                x1: MARGIN,
                y1: yy,
                x2: MARGIN + width,
                y2: yy,
                width: 0.5,
            });
        }
        let mut x = MARGIN;
        for w in std::iter::once(&0.0).chain(self.widths.iter()) {
            x += w;
            self.ops.push(Op::Line {
                x1: x,
                y1: top,
                x2: x,
                y2: top - h,
                width: 0.5,
            });
        }
        self.y -= h;
    }

    fn capacity(&self) -> usize {
        let free = self.y - Self::BOTTOM - 2.0 * PAD;
        if free < LEADING {
            0
        } else {
            (free / LEADING) as usize
        }
    }

    /// Close the page and start the next: a small title, then the header row.
    fn next_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(Page {
            size: A4_LANDSCAPE,
            ops,
        });
        let top = A4_LANDSCAPE.1 - MARGIN;
        self.ops
            .push(text(MARGIN, top - 10.0, 10.0, &self.header.title));
        self.y = top - 20.0;
        self.header_band();
    }

    fn header_band(&mut self) {
        let lines = self.header_lines.clone();
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        self.band(&lines, 0, n, true);
        self.rows_on_page = 0;
    }

    /// Lines that fit under the header row on a fresh page.
    fn fresh_capacity(&self) -> usize {
        let header = self.header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let y = A4_LANDSCAPE.1 - MARGIN - 20.0 - (header * LEADING + 2.0 * PAD);
        ((y - Self::BOTTOM - 2.0 * PAD) / LEADING).max(1.0) as usize
    }

    fn row(&mut self, cells: &[Vec<String>]) {
        let total = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut start = 0;
        while start < total {
            let remaining = total - start;
            let cap = self.capacity();
            // Start a new page if nothing fits here, or if the row would fit whole on one.
            if self.rows_on_page > 0
                && (cap == 0 || (remaining > cap && remaining <= self.fresh_capacity()))
            {
                self.next_page();
                continue;
            }
            let take = remaining.min(cap.max(1));
            self.band(cells, start, take, false);
            self.rows_on_page += 1;
            start += take;
        }
    }
}

/// A4 landscape table pages.
pub(crate) fn table_pages(m: &Metrics<'_>, header: &Header, table: &Table) -> Vec<Page> {
    let ncols = table.columns.len().max(1);
    let avail = A4_LANDSCAPE.0 - 2.0 * MARGIN;
    let widths = column_widths(m, table, ncols, avail);
    let header_lines = row_lines(m, &table.columns, &widths);
    let mut ops = Vec::new();
    let top = A4_LANDSCAPE.1 - MARGIN;
    let mut y = top - 14.0;
    for line in wrap(m, &header.title, avail, 14.0) {
        ops.push(text(MARGIN, y, 14.0, line));
        y -= 18.0;
    }
    y += 4.0;
    for line in header.meta_lines(table.rows.len()) {
        for part in wrap(m, &line, avail, 9.0) {
            ops.push(text(MARGIN, y, 9.0, part));
            y -= 12.0;
        }
    }
    let mut cur = Cursor {
        pages: Vec::new(),
        ops,
        y: y - 6.0,
        widths,
        header_lines,
        header,
        rows_on_page: 0,
    };
    cur.header_band();
    if table.rows.is_empty() {
        let y = cur.y - PAD - 9.0;
        cur.ops.push(text(MARGIN, y, 9.0, header.lang.empty()));
    }
    for row in &table.rows {
        let cells = row_lines(m, row, &cur.widths);
        cur.row(&cells);
    }
    let ops = std::mem::take(&mut cur.ops);
    cur.pages.push(Page {
        size: A4_LANDSCAPE,
        ops,
    });
    let n = cur.pages.len();
    for (i, page) in cur.pages.iter_mut().enumerate() {
        page.ops.push(text(
            MARGIN,
            FOOTER_Y,
            8.0,
            format!("{} {} / {}", header.lang.page(), i + 1, n),
        ));
    }
    cur.pages
}
