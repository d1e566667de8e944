//! Why an article does or does not match a topic, in words a user can act
//! on: every query term with where it occurred (or that it did not), the
//! score against `min_score`, the similarity to the examples against
//! `min_similarity`, and the verdict of the match mode.

use std::fmt;

use super::document::{AnalyzedDocument, Zone};
use super::eval::{self, Evaluation};
use super::query::{Field, Term};
use super::{MatchMode, Topic, Verdict};

/// One query term and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TermReport {
    /// The term as written in the query.
    pub label: String,
    pub field: &'static str,
    pub weight: f64,
    /// Zones it occurs in (empty: not in the article).
    pub zones: Vec<Zone>,
    pub occurrences: u32,
    /// The article's words that matched it (folded), e.g. "переговорах".
    pub forms: Vec<String>,
    /// Whether it made the query match and so counts towards the score.
    /// A term that occurs but does not count sat under NOT or in an AND
    /// whose other side was missing.
    pub counted: bool,
    pub contribution: f64,
}

/// The query side of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryReport {
    pub query: String,
    pub matched: bool,
    pub score: f64,
    pub min_score: Option<f64>,
    pub terms: Vec<TermReport>,
}

/// The examples side of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamplesReport {
    pub examples: usize,
    pub similarity: f64,
    pub min_similarity: f64,
    /// Words shared with the profile, strongest first, with their share of
    /// the similarity.
    pub shared: Vec<(String, f64)>,
}

/// Why an article does or does not match a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub slug: String,
    pub matched: bool,
    pub mode: MatchMode,
    pub lang: Option<String>,
    pub query: Option<QueryReport>,
    pub examples: Option<ExamplesReport>,
}

/// Explains `topic` on an analysed article.
pub fn explain_analyzed(doc: &AnalyzedDocument, topic: &Topic) -> Explanation {
    let verdict: Verdict = topic.decide(doc, true);
    let query = topic.query.as_ref().map(|q| {
        let evaluation: Evaluation = verdict
            .evaluation
            .clone()
            .unwrap_or_else(|| eval::evaluate(q, doc));
        let terms = q
            .terms
            .iter()
            .enumerate()
            .map(|(i, term)| term_report(term, doc, evaluation.counted.contains(&i)))
            .collect();
        QueryReport {
            query: q.as_str().to_string(),
            matched: evaluation.matched,
            score: evaluation.score,
            min_score: topic.min_score,
            terms,
        }
    });
    let examples = topic.examples.as_ref().map(|profile| {
        let counts = doc.term_counts();
        ExamplesReport {
            examples: profile.examples(),
            similarity: profile.similarity(counts),
            min_similarity: topic.min_similarity,
            shared: profile.shared_terms(counts, 10),
        }
    });
    Explanation {
        slug: topic.slug.clone(),
        matched: verdict.matched,
        mode: topic.match_mode,
        lang: doc.lang().map(str::to_string),
        query,
        examples,
    }
}

/// What became of one query term on an article.
pub(crate) fn term_report(term: &Term, doc: &AnalyzedDocument, counted: bool) -> TermReport {
    let occurrences = eval::occurrences(term, doc);
    let mut zones: Vec<Zone> = occurrences.iter().map(|o| o.zone).collect();
    zones.sort();
    zones.dedup();
    let mut forms: Vec<String> = occurrences
        .iter()
        .map(|o| span_text(doc, term.field, o.zone, o.start, o.end))
        .collect();
    forms.sort();
    forms.dedup();
    let zone_score: f64 = zones.iter().map(|z| z.factor()).sum();
    TermReport {
        label: term.label.clone(),
        field: match term.field {
            Field::Any => "title or text",
            Field::Title => "title",
            Field::Text => "text",
            Field::Source => "source",
        },
        weight: term.weight,
        zones,
        occurrences: occurrences.len() as u32,
        forms,
        counted,
        contribution: if counted {
            term.weight * zone_score
        } else {
            0.0
        },
    }
}

/// The folded words of an occurrence, e.g. "мирного договора".
fn span_text(doc: &AnalyzedDocument, field: Field, zone: Zone, start: u32, end: u32) -> String {
    let index = match (field, zone) {
        (Field::Source, _) | (_, Zone::Source) => &doc.source,
        (_, Zone::Title) => &doc.title,
        _ => &doc.text,
    };
    // Tokens are in position order (analysis emits them so), so the span is
    // found by binary search rather than a scan of the whole article.
    let from = index.tokens.partition_point(|t| t.position < start);
    let words: Vec<&str> = index.tokens[from..]
        .iter()
        .take_while(|t| t.position <= end)
        .filter(|t| t.kind != crate::text::TokenKind::Compound)
        .map(|t| t.exact.as_str())
        .collect();
    words.join(" ")
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "topic {}: {} (match = \"{}\", article language: {})",
            self.slug,
            if self.matched {
                "MATCHES"
            } else {
                "does not match"
            },
            self.mode.as_str(),
            self.lang.as_deref().unwrap_or("unknown"),
        )?;
        if let Some(q) = &self.query {
            let one_line: Vec<&str> = q.query.split_whitespace().collect();
            writeln!(f, "query: {}", one_line.join(" "))?;
            let threshold = match q.min_score {
                Some(m) if q.score >= m => format!(" (min_score {m}: reached)"),
                Some(m) => format!(" (min_score {m}: NOT reached)"),
                None => String::new(),
            };
            writeln!(
                f,
                "  query {}; score {:.1}{threshold}",
                if q.matched {
                    "matches"
                } else {
                    "does not match"
                },
                q.score
            )?;
            let mut missing = Vec::new();
            for t in &q.terms {
                let weight = if t.weight == 1.0 {
                    String::new()
                } else {
                    format!(" ^{}", t.weight)
                };
                if t.zones.is_empty() {
                    missing.push(format!("{}{weight}", t.label));
                    continue;
                }
                let zones: Vec<&str> = t.zones.iter().map(|z| z.name()).collect();
                let status = if t.counted {
                    format!("+{:.1}", t.contribution)
                } else {
                    "found, but does not count (under NOT, or its AND is not satisfied)".to_string()
                };
                writeln!(
                    f,
                    "  - {}{weight}: {}× in {} as {:?}: {status}",
                    t.label,
                    t.occurrences,
                    zones.join(", "),
                    t.forms,
                )?;
            }
            if !missing.is_empty() {
                writeln!(f, "  not found: {}", missing.join(", "))?;
            }
        }
        if let Some(e) = &self.examples {
            writeln!(
                f,
                "examples: similarity {:.3} to {} example(s), min_similarity {} ({})",
                e.similarity,
                e.examples,
                e.min_similarity,
                if e.similarity >= e.min_similarity {
                    "reached"
                } else {
                    "NOT reached"
                }
            )?;
            if !e.shared.is_empty() {
                let shared: Vec<String> = e
                    .shared
                    .iter()
                    .map(|(w, s)| format!("{w} {s:.3}"))
                    .collect();
                writeln!(f, "  shared words: {}", shared.join(", "))?;
            }
        }
        Ok(())
    }
}
