//! Topic by example: a TF-IDF profile built from example articles, and the
//! cosine similarity of an article to it.
//!
//! Each example becomes a vector of `(1 + ln tf) × idf` over its content
//! words (stems; function words dropped; title words counted twice, since a
//! title states the subject); the profile is the normalised mean of those
//! vectors, cut to its strongest terms. IDF comes from a background corpus
//! (the daemon passes stored articles; the examples themselves are always
//! part of it), so words common to all news ("заявил", "президент") weigh
//! little and the words that set the examples apart weigh much.
//!
//! Kazakh words are not stemmed by [`crate::text`]; here they are cut to
//! their first [`KAZAKH_STEM_CHARS`] characters, a crude stand-in for a
//! stemmer that is good enough for bag-of-words similarity.

use std::collections::HashMap;

use super::document::AnalyzedDocument;
use crate::text::{self, Script};

/// Terms kept in a profile. Beyond a few hundred the weights are tiny and
/// only cost time per comparison.
const PROFILE_TERMS: usize = 300;

/// Prefix length that stands in for a Kazakh stem (Kazakh roots are mostly
/// 3–6 letters; suffixes follow them).
pub const KAZAKH_STEM_CHARS: usize = 6;

/// Content words of one document with their (title-boosted) counts.
#[derive(Debug, Clone, Default)]
pub struct TermCounts {
    counts: HashMap<String, f64>,
    /// One folded form seen for each key, to show in explanations.
    forms: HashMap<String, String>,
}

impl TermCounts {
    pub(crate) fn of(doc: &AnalyzedDocument) -> TermCounts {
        let mut tc = TermCounts::default();
        for (token, in_title) in doc.content_tokens() {
            let Some(key) = key_of(&token.exact, &token.stem) else {
                continue;
            };
            *tc.counts.entry(key.clone()).or_default() += if in_title { 2.0 } else { 1.0 };
            tc.forms.entry(key).or_insert_with(|| token.exact.clone());
        }
        tc
    }
}

/// The key a word is counted under, or `None` for a word that says nothing
/// about a topic (function word, number, one or two letters).
fn key_of(exact: &str, stem: &str) -> Option<String> {
    if exact.chars().count() < 3 || text::is_stopword(exact) {
        return None;
    }
    match text::script_of(exact) {
        Script::Kazakh => Some(exact.chars().take(KAZAKH_STEM_CHARS).collect()),
        Script::Cyrillic | Script::Latin => Some(stem.to_string()),
        Script::Other => None,
    }
}

/// A topic's example profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Unit-length TF-IDF vectors: the centroid of all examples first, then
    /// each example's own. An article is compared with each and the best
    /// counts, so a topic whose examples differ (in language, or in which
    /// conflict they report) is not blurred into one average that resembles
    /// none of them.
    vectors: Vec<HashMap<String, f64>>,
    idf: HashMap<String, f64>,
    /// IDF of a word the background never saw.
    unseen_idf: f64,
    examples: usize,
}

/// Why a profile could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("no examples were given")]
    NoExamples,
    #[error("the examples contain no content words")]
    NoContent,
}

impl Profile {
    /// Builds the profile of `examples`, weighting words by their IDF over
    /// `background` and the examples.
    pub fn build(
        examples: &[AnalyzedDocument],
        background: &[AnalyzedDocument],
    ) -> Result<Profile, ProfileError> {
        if examples.is_empty() {
            return Err(ProfileError::NoExamples);
        }
        let example_counts: Vec<TermCounts> = examples.iter().map(TermCounts::of).collect();
        let mut df: HashMap<String, f64> = HashMap::new();
        for tc in &example_counts {
            for key in tc.counts.keys() {
                *df.entry(key.clone()).or_default() += 1.0;
            }
        }
        for doc in background {
            for key in TermCounts::of(doc).counts.into_keys() {
                *df.entry(key).or_default() += 1.0;
            }
        }
        let n = (examples.len() + background.len()) as f64;
        let idf: HashMap<String, f64> = df
            .into_iter()
            .map(|(k, d)| (k, ((n + 1.0) / (d + 1.0)).ln() + 1.0))
            .collect();
        let unseen_idf = (n + 1.0).ln() + 1.0;

        let mut centroid: HashMap<String, f64> = HashMap::new();
        let mut vectors = vec![HashMap::new()];
        for tc in &example_counts {
            let v = weigh(tc, &idf, unseen_idf);
            let norm = norm(v.values());
            if norm == 0.0 {
                continue;
            }
            let unit: HashMap<String, f64> = v.into_iter().map(|(k, w)| (k, w / norm)).collect();
            for (k, w) in &unit {
                *centroid.entry(k.clone()).or_default() += w;
            }
            vectors.push(unit);
        }
        let mut terms: Vec<(String, f64)> = centroid.into_iter().collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        terms.truncate(PROFILE_TERMS);
        let norm = norm(terms.iter().map(|(_, w)| w));
        if norm == 0.0 {
            return Err(ProfileError::NoContent);
        }
        vectors[0] = terms.into_iter().map(|(k, w)| (k, w / norm)).collect();
        Ok(Profile {
            vectors,
            idf,
            unseen_idf,
            examples: examples.len(),
        })
    }

    /// Number of examples the profile was built from.
    pub fn examples(&self) -> usize {
        self.examples
    }

    /// Cosine similarity (0..=1) of a document to the profile: the best of
    /// its similarities to the centroid and to each example.
    pub fn similarity(&self, doc: &TermCounts) -> f64 {
        self.best(doc).1
    }

    /// The vector the document is closest to, and the similarity.
    fn best(&self, doc: &TermCounts) -> (usize, f64) {
        let mut sq = 0.0;
        let mut dots = vec![0.0; self.vectors.len()];
        for (key, &count) in &doc.counts {
            let w = weight(count, self.idf(key));
            sq += w * w;
            for (dot, v) in dots.iter_mut().zip(&self.vectors) {
                if let Some(p) = v.get(key) {
                    *dot += p * w;
                }
            }
        }
        if sq == 0.0 {
            return (0, 0.0);
        }
        dots.iter()
            .enumerate()
            .map(|(i, d)| (i, d / sq.sqrt()))
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best })
    }

    /// The words the document shares with the profile vector it is closest
    /// to, strongest first, with their share of the similarity.
    pub fn shared_terms(&self, doc: &TermCounts, limit: usize) -> Vec<(String, f64)> {
        let (best, _) = self.best(doc);
        let vector = &self.vectors[best];
        let sq: f64 = doc
            .counts
            .iter()
            .map(|(k, &c)| weight(c, self.idf(k)).powi(2))
            .sum();
        if sq == 0.0 {
            return Vec::new();
        }
        let mut shared: Vec<(String, f64)> = doc
            .counts
            .iter()
            .filter_map(|(k, &c)| {
                let p = vector.get(k)?;
                let form = doc.forms.get(k).cloned().unwrap_or_else(|| k.clone());
                Some((form, p * weight(c, self.idf(k)) / sq.sqrt()))
            })
            .collect();
        shared.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        shared.truncate(limit);
        shared
    }

    fn idf(&self, key: &str) -> f64 {
        self.idf.get(key).copied().unwrap_or(self.unseen_idf)
    }
}

fn weight(count: f64, idf: f64) -> f64 {
    (1.0 + count.ln()) * idf
}

fn weigh(tc: &TermCounts, idf: &HashMap<String, f64>, unseen: f64) -> HashMap<String, f64> {
    tc.counts
        .iter()
        .map(|(k, &c)| (k.clone(), weight(c, idf.get(k).copied().unwrap_or(unseen))))
        .collect()
}

fn norm<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    values.map(|w| w * w).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::document::Document;

    fn doc(title: &str, text: &str) -> AnalyzedDocument {
        AnalyzedDocument::new(&Document {
            title,
            text,
            source: "",
            lang: None,
        })
    }

    fn background() -> Vec<AnalyzedDocument> {
        vec![
            doc(
                "Курс тенге укрепился",
                "Национальный банк сообщил о росте курса тенге к доллару.",
            ),
            doc(
                "В Астане открыли школу",
                "Президент заявил, что новая школа примет тысячу учеников.",
            ),
            doc(
                "Погода на выходные",
                "Синоптики заявили, что в Алматы ожидается дождь и ветер.",
            ),
            doc(
                "Сборная сыграла вничью",
                "Футболисты сборной Казахстана сыграли вничью в отборочном матче.",
            ),
        ]
    }

    #[test]
    fn an_article_on_the_examples_subject_is_more_similar_than_one_off_it() {
        let examples = [
            doc(
                "Переговоры о перемирии продолжатся в Астане",
                "Стороны конфликта договорились о прекращении огня при посредничестве Казахстана.",
            ),
            doc(
                "Посредники призвали к прекращению огня",
                "Международные посредники предложили план мирного урегулирования конфликта.",
            ),
        ];
        let profile = Profile::build(&examples, &background()).unwrap();
        let near = doc(
            "Новый раунд переговоров о прекращении огня",
            "Посредничество в урегулировании конфликта предложил Казахстан.",
        );
        let far = doc(
            "Курс тенге снизился",
            "Национальный банк заявил о снижении курса.",
        );
        let s_near = profile.similarity(&TermCounts::of(&near));
        let s_far = profile.similarity(&TermCounts::of(&far));
        assert!(s_near > 0.3, "{s_near}");
        assert!(s_far < 0.05, "{s_far}");
        let shared = profile.shared_terms(&TermCounts::of(&near), 3);
        assert_eq!(shared.len(), 3);
        assert!(shared.iter().all(|(_, w)| *w > 0.0));
    }

    #[test]
    fn a_profile_needs_examples_with_words() {
        assert_eq!(Profile::build(&[], &[]), Err(ProfileError::NoExamples));
        assert_eq!(
            Profile::build(&[doc("", "и в на 2024")], &[]),
            Err(ProfileError::NoContent)
        );
    }
}
