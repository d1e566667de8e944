//! Topics: which stored articles belong in which output feed.
//!
//! In: an article's title and extracted text (never the page chrome, whose
//! menus and related-article blocks carry topic words) and the configured
//! topics. Out: the topics it matches, with the terms that matched. Pure: no
//! I/O, so classification can be re-run over stored articles at any time.
//!
//! A query is, for now, a whitespace-separated list of words and `word*`
//! prefixes, any of which matches case-insensitively in the title or text.

use std::fmt;

use crate::model::TopicMatch;

/// A configured topic with its compiled query.
#[derive(Debug, Clone)]
pub struct Topic {
    pub slug: String,
    pub title: String,
    pub query: Query,
}

/// A compiled topic query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Prefix(String),
}

/// A query that could not be compiled, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Character offset into the query text.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for QueryError {}

impl Query {
    pub fn parse(src: &str) -> Result<Query, QueryError> {
        let mut terms = Vec::new();
        let mut offset = 0;
        for word in src.split_whitespace() {
            let position = src[offset..].find(word).map_or(offset, |i| offset + i);
            offset = position + word.len();
            let position = src[..position].chars().count();
            let folded = word.to_lowercase().replace('ё', "е");
            let (body, prefix) = match folded.strip_suffix('*') {
                Some(body) => (body.to_string(), true),
                None => (folded, false),
            };
            if body.is_empty() || !body.chars().all(char::is_alphanumeric) {
                return Err(QueryError {
                    position,
                    message: format!("{word:?} is not a word or word* prefix"),
                });
            }
            terms.push(if prefix {
                Term::Prefix(body)
            } else {
                Term::Word(body)
            });
        }
        if terms.is_empty() {
            return Err(QueryError {
                position: 0,
                message: "the query is empty".to_string(),
            });
        }
        Ok(Query { terms })
    }
}

/// What classification looks at.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub source: &'a str,
    pub lang: Option<&'a str>,
}

/// The topics `doc` belongs to.
pub fn classify(doc: &Document, topics: &[Topic]) -> Vec<TopicMatch> {
    let words: Vec<String> = doc
        .title
        .split(|c: char| !c.is_alphanumeric())
        .chain(doc.text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .collect();
    topics
        .iter()
        .filter_map(|topic| {
            let terms: Vec<String> = topic
                .query
                .terms
                .iter()
                .filter(|t| {
                    words.iter().any(|w| match t {
                        Term::Word(t) => w == t,
                        Term::Prefix(p) => w.starts_with(p.as_str()),
                    })
                })
                .map(|t| match t {
                    Term::Word(w) => w.clone(),
                    Term::Prefix(p) => format!("{p}*"),
                })
                .collect();
            (!terms.is_empty()).then(|| TopicMatch {
                slug: topic.slug.clone(),
                score: terms.len() as f64,
                terms,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(q: &str) -> Topic {
        Topic {
            slug: "t".into(),
            title: "T".into(),
            query: Query::parse(q).unwrap(),
        }
    }

    fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
        Document {
            title,
            text,
            source: "s",
            lang: None,
        }
    }

    #[test]
    fn any_word_of_the_list_matches_case_insensitively() {
        let t = [topic("переговоры Mediation")];
        let m = classify(&doc("ПЕРЕГОВОРЫ в Астане", ""), &t);
        assert_eq!(m[0].terms, ["переговоры"]);
        assert!(classify(&doc("Чемпионат", "мира"), &t).is_empty());
    }

    #[test]
    fn a_prefix_matches_word_forms_and_yo_equals_ye() {
        let t = [topic("посредни* перемирие")];
        let m = classify(&doc("", "Посредничество Казахстана; перемирие"), &t);
        assert_eq!(m[0].terms, ["посредни*", "перемирие"]);
        assert_eq!(classify(&doc("", "перемирИЕ"), &t).len(), 1);
    }

    #[test]
    fn an_invalid_term_is_reported_with_its_position() {
        let e = Query::parse("мир (talks").unwrap_err();
        assert_eq!(e.position, 4);
        assert!(Query::parse("   ").is_err());
    }
}
