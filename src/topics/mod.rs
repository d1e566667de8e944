//! Topics: which articles belong in which output feed, and why.
//!
//! In: an article's title and *extracted* text (never the page chrome, whose
//! menus and related-article blocks carry topic words), its source name and
//! language, and the configured [`Topic`]s. Out: the topics it matches as
//! [`TopicMatch`] values (slug, score, matched terms), or an [`Explanation`]
//! of one topic's decision. Pure: no I/O, no clock, no store; so
//! classification can be re-run over stored articles whenever topics change.
//!
//! A topic decides with its query ([`Query`], the language documented in
//! README.md, "Topic queries"), its example profile ([`Profile`]), or both,
//! as its [`MatchMode`] says. The article is analysed once
//! ([`AnalyzedDocument`]) and every topic is evaluated on that analysis.

mod document;
mod eval;
mod explain;
mod profile;
mod query;

use std::fmt;
use std::str::FromStr;

pub use document::{AnalyzedDocument, Document, Zone};
pub use explain::{ExamplesReport, Explanation, QueryReport, TermReport, explain_analyzed};
pub use profile::{KAZAKH_STEM_CHARS, Profile, ProfileError, TermCounts};
pub use query::{Field, Query, QueryError};

use sha2::{Digest, Sha256};

use crate::model::{MatchEvidence, TermEvidence, TopicMatch};

/// Version of the classifier's behaviour, part of every topic's
/// [`Topic::fingerprint`]. Bump it when a change to analysis or scoring
/// changes which articles match, so stored matches are recomputed.
pub const CLASSIFIER_VERSION: u32 = 1;

/// `min_similarity` when a topic has examples but does not set it. On the
/// labeled set (texts of 30–60 words, many of them traps that share the
/// topic's vocabulary) a profile of ten examples gives precision 0.69 and
/// recall 0.37 at 0.12, 0.88 / 0.23 at 0.15, 0.45 / 0.90 at 0.05 (see
/// BENCHMARKS.md): similarity alone is a coarse filter, which is why
/// `match = "both"` (query and examples) exists. 0.12 leans to precision.
pub const DEFAULT_MIN_SIMILARITY: f64 = 0.12;

/// How many recent archive articles give example profiles their IDF
/// statistics at start-up: enough for stable document frequencies of
/// everyday news words, and analysed in well under a second.
pub const BACKGROUND_ARTICLES: usize = 1000;

/// How a topic combines its query and its examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    /// The query decides (and `min_score`, when set).
    #[default]
    Query,
    /// Similarity to the examples decides.
    Examples,
    /// Either admits an article.
    Either,
    /// Both must admit it.
    Both,
}

impl MatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Query => "query",
            MatchMode::Examples => "examples",
            MatchMode::Either => "either",
            MatchMode::Both => "both",
        }
    }

    pub fn needs_query(self) -> bool {
        matches!(self, MatchMode::Query | MatchMode::Either | MatchMode::Both)
    }

    pub fn needs_examples(self) -> bool {
        matches!(
            self,
            MatchMode::Examples | MatchMode::Either | MatchMode::Both
        )
    }
}

impl fmt::Display for MatchMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MatchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<MatchMode, String> {
        Ok(match s {
            "query" => MatchMode::Query,
            "examples" => MatchMode::Examples,
            "either" => MatchMode::Either,
            "both" => MatchMode::Both,
            other => {
                return Err(format!(
                    "unknown match mode \"{other}\" (expected query, examples, either or both)"
                ));
            }
        })
    }
}

/// A configured topic, compiled.
#[derive(Debug, Clone)]
pub struct Topic {
    pub slug: String,
    pub title: String,
    /// `None` for a topic defined by examples only.
    pub query: Option<Query>,
    /// A query match counts only when its score reaches this. `None`: every
    /// query match counts, so a plain query does what it says.
    pub min_score: Option<f64>,
    pub examples: Option<Profile>,
    /// Where the examples come from (the profile is rebuilt from these when
    /// URL examples or archive statistics become available at start-up).
    pub example_sources: Vec<ExampleSource>,
    pub min_similarity: f64,
    pub match_mode: MatchMode,
}

/// An example article of a topic, as configured.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleSource {
    /// Read from a file when the config was loaded.
    Text(ExampleText),
    /// An article of the archive, looked up by its URL at start-up.
    Url(url::Url),
}

/// The text of an example article.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleText {
    /// The path or URL it came from, for messages.
    pub origin: String,
    pub title: String,
    pub text: String,
}

impl ExampleText {
    fn analyze(&self) -> AnalyzedDocument {
        AnalyzedDocument::new(&Document {
            title: &self.title,
            text: &self.text,
            source: "",
            lang: None,
        })
    }
}

/// A topic whose parts do not fit its match mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("match = \"{0}\" needs a query")]
    NeedsQuery(MatchMode),
    #[error("match = \"{0}\" needs examples")]
    NeedsExamples(MatchMode),
}

impl Topic {
    /// A topic decided by `query` alone.
    pub fn new(slug: impl Into<String>, title: impl Into<String>, query: Query) -> Topic {
        Topic {
            slug: slug.into(),
            title: title.into(),
            query: Some(query),
            min_score: None,
            examples: None,
            example_sources: Vec::new(),
            min_similarity: DEFAULT_MIN_SIMILARITY,
            match_mode: MatchMode::Query,
        }
    }

    /// (Re)builds the example profile from the file examples plus
    /// `url_examples` (the archived articles behind the URL examples), with
    /// IDF taken over `background` (a sample of the archive). A topic
    /// without examples keeps `examples = None`.
    pub fn build_profile(
        &mut self,
        url_examples: &[ExampleText],
        background: &[AnalyzedDocument],
    ) -> Result<(), ProfileError> {
        let texts: Vec<&ExampleText> = self
            .example_sources
            .iter()
            .filter_map(|s| match s {
                ExampleSource::Text(t) => Some(t),
                ExampleSource::Url(_) => None,
            })
            .chain(url_examples)
            .collect();
        if self.example_sources.is_empty() {
            self.examples = None;
            return Ok(());
        }
        let analyzed: Vec<AnalyzedDocument> = texts.iter().map(|t| t.analyze()).collect();
        self.examples = Some(Profile::build(&analyzed, background)?);
        Ok(())
    }

    /// A digest of everything that decides which articles this topic
    /// matches. Stored next to the topic's matches: when it changes (an
    /// edited query, threshold, mode or example, or a new classifier
    /// version), the stored matches are recomputed.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(format!("v{CLASSIFIER_VERSION}\n"));
        h.update(self.query.as_ref().map_or("", |q| q.as_str()));
        h.update(format!(
            "\n{:?}\n{}\n{}\n",
            self.min_score,
            self.min_similarity,
            self.match_mode.as_str()
        ));
        for s in &self.example_sources {
            match s {
                ExampleSource::Text(t) => {
                    h.update(format!("text {}\n", t.origin));
                    h.update(&t.title);
                    h.update("\n");
                    h.update(&t.text);
                }
                ExampleSource::Url(u) => h.update(format!("url {u}")),
            }
            h.update("\n");
        }
        hex::encode(h.finalize())
    }

    /// The match mode a topic gets when the config does not set one: the
    /// part it has, or "either" when it has both.
    pub fn default_mode(has_query: bool, has_examples: bool) -> MatchMode {
        match (has_query, has_examples) {
            (true, true) => MatchMode::Either,
            (false, true) => MatchMode::Examples,
            _ => MatchMode::Query,
        }
    }

    /// Checks that the topic has the parts its match mode uses.
    pub fn validate(&self) -> Result<(), TopicError> {
        let has_examples = self.examples.is_some() || !self.example_sources.is_empty();
        let has_query = self.query.is_some();
        match self.match_mode {
            MatchMode::Query if !has_query => Err(TopicError::NeedsQuery(self.match_mode)),
            MatchMode::Examples if !has_examples => Err(TopicError::NeedsExamples(self.match_mode)),
            MatchMode::Both if !has_query => Err(TopicError::NeedsQuery(self.match_mode)),
            MatchMode::Both if !has_examples => Err(TopicError::NeedsExamples(self.match_mode)),
            MatchMode::Either if !has_query && !has_examples => {
                Err(TopicError::NeedsQuery(self.match_mode))
            }
            _ => Ok(()),
        }
    }

    /// Decides this topic on an analysed article. `full` evaluates both
    /// parts even when the mode could decide on one (for explanations).
    pub(crate) fn decide(&self, doc: &AnalyzedDocument, full: bool) -> Verdict {
        let mode = self.match_mode;
        let evaluation = match &self.query {
            Some(q) if full || mode != MatchMode::Examples => Some(eval::evaluate(q, doc)),
            _ => None,
        };
        let query_ok = evaluation
            .as_ref()
            .is_some_and(|e| e.matched && self.min_score.is_none_or(|m| e.score >= m));
        let need_similarity = match mode {
            MatchMode::Query => full,
            MatchMode::Examples => true,
            MatchMode::Either => full || !query_ok,
            MatchMode::Both => full || query_ok,
        };
        let similarity = match &self.examples {
            Some(p) if need_similarity => Some(p.similarity(doc.term_counts())),
            _ => None,
        };
        let examples_ok = similarity.is_some_and(|s| s >= self.min_similarity);
        let matched = match mode {
            MatchMode::Query => query_ok,
            MatchMode::Examples => examples_ok,
            MatchMode::Either => query_ok || examples_ok,
            MatchMode::Both => query_ok && examples_ok,
        };
        Verdict {
            matched,
            query_ok,
            examples_ok,
            evaluation,
            similarity,
        }
    }

    /// The match of this topic on an analysed article, if it matches.
    pub fn matches(&self, doc: &AnalyzedDocument) -> Option<TopicMatch> {
        let v = self.decide(doc, false);
        if !v.matched {
            return None;
        }
        let mut terms: Vec<String> = Vec::new();
        let mut evidence = MatchEvidence {
            similarity: v.similarity,
            ..MatchEvidence::default()
        };
        let mut score = 0.0;
        if let (true, Some(q), Some(e)) = (v.query_ok, &self.query, &v.evaluation) {
            score = e.score;
            for &i in &e.counted {
                let r = explain::term_report(&q.terms[i], doc, true);
                if !terms.contains(&r.label) {
                    terms.push(r.label.clone());
                }
                evidence.terms.push(TermEvidence {
                    term: r.label,
                    zones: r.zones.iter().map(|z| z.name().to_string()).collect(),
                    forms: r.forms,
                    contribution: r.contribution,
                });
            }
        }
        if v.examples_ok
            && let Some(p) = &self.examples
        {
            if !v.query_ok {
                score = v.similarity.unwrap_or(0.0);
            }
            for (form, _) in p.shared_terms(doc.term_counts(), 5) {
                evidence.shared_words.push(form.clone());
                if !terms.contains(&form) {
                    terms.push(form);
                }
            }
        }
        Some(TopicMatch {
            slug: self.slug.clone(),
            score,
            terms,
            evidence,
        })
    }
}

/// What a topic decided on one article.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub matched: bool,
    pub query_ok: bool,
    pub examples_ok: bool,
    pub evaluation: Option<eval::Evaluation>,
    pub similarity: Option<f64>,
}

/// The topics `doc` matches, in the order of `topics`. The article is
/// analysed once for all of them.
///
/// [`TopicMatch::score`] is the query score (Σ weight × zone factor) when
/// the query admitted the article, else its similarity to the examples.
/// [`TopicMatch::terms`] holds the query terms that matched, as written,
/// then the strongest words shared with the examples.
pub fn classify(doc: &Document, topics: &[Topic]) -> Vec<TopicMatch> {
    let analyzed = AnalyzedDocument::new(doc);
    classify_analyzed(&analyzed, topics)
}

/// [`classify`] on an article that is already analysed.
pub fn classify_analyzed(doc: &AnalyzedDocument, topics: &[Topic]) -> Vec<TopicMatch> {
    topics.iter().filter_map(|t| t.matches(doc)).collect()
}

/// Why `doc` does or does not match `topic`.
pub fn explain(doc: &Document, topic: &Topic) -> Explanation {
    explain_analyzed(&AnalyzedDocument::new(doc), topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
        Document {
            title,
            text,
            source: "Kazinform",
            lang: None,
        }
    }

    fn topic(slug: &str, query: &str) -> Topic {
        Topic::new(slug, slug, Query::parse(query).unwrap())
    }

    #[test]
    fn classify_returns_every_matching_topic_with_its_terms() {
        let topics = [
            topic(
                "mediation",
                "посредничество \"мирные переговоры\" перемирие",
            ),
            topic("sport", "чемпионат* футбол*"),
            topic("economy", "тенге"),
        ];
        let m = classify(
            &doc(
                "Мирные переговоры в Астане",
                "Казахстан предложил посредничество сторонам.",
            ),
            &topics,
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].slug, "mediation");
        assert_eq!(m[0].terms, ["посредничество", "мирные переговоры"]);
        // Phrase in the title (3), word in the lead (2).
        assert_eq!(m[0].score, 5.0);
    }

    #[test]
    fn min_score_drops_matches_that_only_mention_a_term_in_passing() {
        let mut t = topic("mediation", "перемирие");
        t.min_score = Some(2.0);
        let lead = "Сборная Казахстана по футболу провела сбор в Турции и готовится \
                    к отборочным матчам чемпионата мира.";
        let passing_text = format!("{lead}\n\nПеремирие в раздевалке.");
        let passing = doc("Сборная готовится", &passing_text);
        let central = doc("Перемирие продлено", lead);
        assert!(classify(&passing, std::slice::from_ref(&t)).is_empty());
        assert_eq!(classify(&central, std::slice::from_ref(&t)).len(), 1);
        let e = explain(&passing, &t);
        assert!(!e.matched);
        let q = e.query.unwrap();
        assert!(q.matched);
        assert_eq!(q.score, 1.0);
    }

    #[test]
    fn match_modes_combine_query_and_examples() {
        let examples = [AnalyzedDocument::new(&doc(
            "Посредники добились прекращения огня",
            "Стороны вооружённого конфликта согласились на прекращение огня при посредничестве.",
        ))];
        let profile = Profile::build(&examples, &[]).unwrap();
        let by_example = doc(
            "Прекращение огня соблюдается",
            "Стороны конфликта соблюдают прекращение огня, посредники довольны.",
        );
        let by_query = doc("Перемирие", "Перемирие продлено ещё на неделю.");
        let mut t = topic("mediation", "перемирие");
        t.examples = Some(profile);
        let decide = |t: &Topic, d: &Document| !classify(d, std::slice::from_ref(t)).is_empty();

        t.match_mode = MatchMode::Query;
        assert!(!decide(&t, &by_example) && decide(&t, &by_query));
        t.match_mode = MatchMode::Examples;
        assert!(decide(&t, &by_example) && !decide(&t, &by_query));
        t.match_mode = MatchMode::Either;
        assert!(decide(&t, &by_example) && decide(&t, &by_query));
        t.match_mode = MatchMode::Both;
        assert!(!decide(&t, &by_example) && !decide(&t, &by_query));
    }

    #[test]
    fn an_explanation_lists_found_missing_and_excluded_terms() {
        let t = topic(
            "mediation",
            "(перемирие OR посредни*) NOT сериал* \"мирный договор\"",
        );
        let d = doc(
            "Сериал «Перемирие» выходит на экраны",
            "Премьера телесериала о перемирии двух семей.",
        );
        let e = explain(&d, &t);
        assert!(!e.matched);
        let text = e.to_string();
        assert!(text.contains("does not match"), "{text}");
        let q = e.query.unwrap();
        let by_label = |l: &str| q.terms.iter().find(|t| t.label == l).unwrap().clone();
        let truce = by_label("перемирие");
        assert_eq!(truce.zones, [Zone::Title, Zone::Lead]);
        assert_eq!(truce.forms, ["перемирие", "перемирии"]);
        assert!(!truce.counted);
        assert_eq!(by_label("сериал*").zones, [Zone::Title]);
        assert!(by_label("мирный договор").zones.is_empty());
    }

    #[test]
    fn a_topic_without_the_part_its_mode_needs_is_invalid() {
        let mut t = topic("x", "мир");
        t.match_mode = MatchMode::Both;
        assert_eq!(
            t.validate(),
            Err(TopicError::NeedsExamples(MatchMode::Both))
        );
        t.match_mode = MatchMode::Query;
        assert_eq!(t.validate(), Ok(()));
        assert_eq!("either".parse::<MatchMode>(), Ok(MatchMode::Either));
        assert!("any".parse::<MatchMode>().is_err());
    }
}
