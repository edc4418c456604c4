//! Articles of the Criminal Code of the Republic of Kazakhstan, as far as access rules need them.
//!
//! The State Revenue Committee services (Appendix 2 footnote 2, Order 88/2024; rule 2 as of 2024)
//! are available only in criminal cases under Chapter 8 of the Criminal Code, "criminal offences in
//! the sphere of economic activity", articles 214–249. The 2015 Appendix 3 listed article parts;
//! it was removed in 2024, so the chapter is the rule.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Articles of Chapter 8 of the Criminal Code (economic activity).
pub const CHAPTER_8: RangeInclusive<u16> = 214..=249;

/// The highest article number accepted as plausible.
const MAX_ARTICLE: u16 = 500;

/// An article of the Criminal Code, with an optional part (часть).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ArticleRepr", into = "ArticleRepr")]
pub struct CriminalCodeArticle {
    article: u16,
    part: Option<u8>,
}

#[derive(Serialize, Deserialize)]
struct ArticleRepr {
    article: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<u8>,
}

impl CriminalCodeArticle {
    /// An article number 1–500 and an optional part 1–20.
    pub fn new(article: u16, part: Option<u8>) -> Result<Self, CoreError> {
        let part_ok = part.is_none_or(|p| (1..=20).contains(&p));
        if (1..=MAX_ARTICLE).contains(&article) && part_ok {
            Ok(CriminalCodeArticle { article, part })
        } else {
            Err(CoreError::ArticleFormat)
        }
    }

    /// The article number.
    pub fn article(self) -> u16 {
        self.article
    }

    /// The part, if given.
    pub fn part(self) -> Option<u8> {
        self.part
    }

    /// Whether the article is in Chapter 8 (economic activity, articles 214–249).
    pub fn in_chapter_8(self) -> bool {
        CHAPTER_8.contains(&self.article)
    }
}

impl TryFrom<ArticleRepr> for CriminalCodeArticle {
    type Error = CoreError;
    fn try_from(r: ArticleRepr) -> Result<Self, Self::Error> {
        CriminalCodeArticle::new(r.article, r.part)
    }
}

impl From<CriminalCodeArticle> for ArticleRepr {
    fn from(a: CriminalCodeArticle) -> Self {
        ArticleRepr {
            article: a.article,
            part: a.part,
        }
    }
}

impl fmt::Display for CriminalCodeArticle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            Some(p) => write!(f, "ч.{p} ст.{}", self.article),
            None => write!(f, "ст.{}", self.article),
        }
    }
}

/// Parses `216` or `216.2` (article 216, part 2).
impl FromStr for CriminalCodeArticle {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, p) = match s.trim().split_once('.') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let article = a.parse::<u16>().map_err(|_| CoreError::ArticleFormat)?;
        let part = p
            .map(|p| p.parse::<u8>().map_err(|_| CoreError::ArticleFormat))
            .transpose()?;
        CriminalCodeArticle::new(article, part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapter_8_bounds() {
        assert!(!"213".parse::<CriminalCodeArticle>().unwrap().in_chapter_8());
        assert!("214".parse::<CriminalCodeArticle>().unwrap().in_chapter_8());
        assert!(
            "249.3"
                .parse::<CriminalCodeArticle>()
                .unwrap()
                .in_chapter_8()
        );
        assert!(!"250".parse::<CriminalCodeArticle>().unwrap().in_chapter_8());
        assert_eq!(
            "249.3".parse::<CriminalCodeArticle>().unwrap().to_string(),
            "ч.3 ст.249"
        );
        for bad in ["", "0", "501", "x", "216.", "216.0", "216.x"] {
            assert_eq!(
                bad.parse::<CriminalCodeArticle>().unwrap_err().code(),
                "CORE_ARTICLE_FORMAT"
            );
        }
        let j = serde_json::to_string(&CriminalCodeArticle::new(216, Some(2)).unwrap()).unwrap();
        assert_eq!(j, r#"{"article":216,"part":2}"#);
        assert!(serde_json::from_str::<CriminalCodeArticle>(r#"{"article":900}"#).is_err());
    }
}
