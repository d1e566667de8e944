//! Search over stored articles: what goes into the full-text index and how
//! an operator's query is read.
//!
//! In: an article's title and text (for the index), a query typed at
//! `feedsieve search`. Out: the space-separated stems the store puts in its
//! FTS5 table, and an FTS5 match expression over those stems. Pure: no SQL
//! runs here (the store owns the table), no I/O.
//!
//! Articles and queries go through the very same [`terms`], so "переговоры"
//! in a query finds "переговорах" in an article: both become the stem
//! "переговор" before SQLite sees them. SQLite's own tokenizers know no
//! Russian morphology, which is why the index holds stems and not words.
//!
//! Query syntax, kept close to what people type into search boxes:
//! `words` (all must occur), `"a phrase"`, `prefix*`, `-excluded`, and `OR`
//! between two terms.

use std::fmt;

/// The version of the analysis behind [`terms`]. Stored beside the index;
/// when it differs from the index's, the store rebuilds the index, so
/// changing the analysis never leaves stems of two kinds side by side.
/// Bump it whenever `text::analyze` starts giving other stems.
pub const ANALYZER: &str = "text-1";

/// The stems of `text`, in order, separated by single spaces: the form in
/// which titles and texts are indexed and query words are looked up.
pub fn index_terms(text: &str) -> String {
    indexed_stems(&crate::text::analyze(text)).join(" ")
}

/// [`index_terms`] of an article's title and text.
pub fn article_terms(title: &str, text: &str) -> crate::model::SearchTerms {
    crate::model::SearchTerms {
        title: index_terms(title),
        text: index_terms(text),
    }
}

/// [`article_terms`] of an article already analysed for topics, without
/// analysing it again: that analysis is `text::analyze` of the title and
/// of the text, the very tokens [`index_terms`] reads.
pub fn analyzed_terms(doc: &crate::topics::AnalyzedDocument) -> crate::model::SearchTerms {
    crate::model::SearchTerms {
        title: indexed_stems(&doc.title.tokens).join(" "),
        text: indexed_stems(&doc.text.tokens).join(" "),
    }
}

/// The stems of `text`, in order: `text::analyze`, the analysis topics
/// use, so a word a topic matches is a word search finds.
fn terms(text: &str) -> Vec<String> {
    indexed_stems(&crate::text::analyze(text))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The stems of analysed tokens that the index holds. A hyphenated word is
/// indexed as its parts (the whole compound shares the first part's
/// position, which would break phrase positions in FTS5), so "Нур-Султан"
/// and "нур султан" find each other.
fn indexed_stems(tokens: &[crate::text::Token]) -> Vec<&str> {
    tokens
        .iter()
        .filter(|t| t.kind != crate::text::TokenKind::Compound)
        .map(|t| t.stem.as_str())
        .collect()
}

/// A parsed search query, ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    fts: String,
    /// The stems looked for (not the excluded ones), with whether each is a
    /// prefix: what [`excerpt`] highlights.
    wanted: Vec<(String, bool)>,
}

/// A query that cannot be searched, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot search for {query:?}: {reason}")]
pub struct QueryError {
    pub query: String,
    pub reason: String,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fts)
    }
}

/// One piece of a query as typed.
#[derive(Debug, PartialEq)]
enum Piece {
    /// A word or a quoted phrase; `prefix` for a trailing `*`.
    Term {
        text: String,
        prefix: bool,
        exclude: bool,
    },
    Or,
}

impl Query {
    /// Reads `input` (see the module doc for the syntax).
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let fail = |reason: &str| QueryError {
            query: input.to_string(),
            reason: reason.to_string(),
        };
        let pieces = split(input).map_err(|r| fail(&r))?;

        // Each term becomes an FTS5 string of stems: one stem is a word, more
        // than one (a phrase, or a hyphenated word) a phrase. Stems consist
        // of letters and digits only, so quoting them is always safe.
        let mut must: Vec<String> = Vec::new();
        let mut not: Vec<String> = Vec::new();
        let mut wanted = Vec::new();
        let mut pending_or = false;
        for piece in pieces {
            let (text, prefix, exclude) = match piece {
                Piece::Or => {
                    if must.is_empty() || pending_or {
                        return Err(fail("OR must stand between two terms"));
                    }
                    pending_or = true;
                    continue;
                }
                Piece::Term {
                    text,
                    prefix,
                    exclude,
                } => (text, prefix, exclude),
            };
            let stems = terms(&text);
            if stems.is_empty() {
                continue;
            }
            let mut fts = format!("\"{}\"", stems.join(" "));
            if prefix {
                fts.push('*');
            }
            if !exclude {
                let last = stems.len() - 1;
                wanted.extend(
                    stems
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (s.clone(), prefix && i == last)),
                );
            }
            if exclude {
                if pending_or {
                    return Err(fail("OR cannot join an excluded term"));
                }
                not.push(fts);
            } else if pending_or {
                let last = must.pop().unwrap_or_default();
                must.push(format!("{last} OR {fts}"));
                pending_or = false;
            } else {
                must.push(fts);
            }
        }
        if pending_or {
            return Err(fail("OR must stand between two terms"));
        }
        if must.is_empty() {
            return Err(fail(
                "the query has no word to look for (only excluded words or punctuation)",
            ));
        }
        // FTS5 binds AND tighter than OR, so each OR group is parenthesised.
        let mut fts = must
            .iter()
            .map(|m| {
                if m.contains(" OR ") {
                    format!("({m})")
                } else {
                    m.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        for n in not {
            fts = format!("({fts}) NOT {n}");
        }
        Ok(Query { fts, wanted })
    }

    /// The FTS5 match expression over stems.
    pub fn fts_expression(&self) -> &str {
        &self.fts
    }
}

/// The sentence of `text` that shows best why it matched `query`: the
/// first one containing a wanted word, else the first one; cut to about
/// `max_chars` characters.
pub fn excerpt(text: &str, query: &Query, max_chars: usize) -> String {
    let sentences: Vec<&str> = text
        .split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let hit = sentences.iter().find(|s| {
        terms(s).iter().any(|t| {
            query.wanted.iter().any(|(w, prefix)| {
                if *prefix {
                    t.starts_with(w.as_str())
                } else {
                    t == w
                }
            })
        })
    });
    let sentence = hit.or(sentences.first()).copied().unwrap_or_default();
    if sentence.chars().count() <= max_chars {
        sentence.to_string()
    } else {
        let cut: String = sentence.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Splits a query into words, quoted phrases, `-` exclusions and `OR`.
fn split(input: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let exclude = c == '-';
        if exclude {
            chars.next();
        }
        let mut text = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                text.push(c);
            }
            if !closed {
                return Err("a quoted phrase is not closed".to_string());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
        }
        if text == "OR" && !exclude {
            pieces.push(Piece::Or);
            continue;
        }
        let prefix = text.ends_with('*');
        let text = text.trim_end_matches('*').to_string();
        pieces.push(Piece::Term {
            text,
            prefix,
            exclude,
        });
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_read_from_the_topic_analysis_equal_those_of_the_text_itself() {
        // A shouted lead over a quiet rest, compounds, abbreviations, Kazakh
        // and English words, paragraph breaks where the lead may end.
        let title = "ПЕРЕГОВОРЫ В АСТАНЕ: Нур-Султан и ООН";
        let text = "АСТАНА. КАЗИНФОРМ - СТОРОНЫ ДОГОВОРИЛИСЬ О ПРЕКРАЩЕНИИ ОГНЯ             НА ВСЕЙ ЛИНИИ СОПРИКОСНОВЕНИЯ, СООБЩАЕТ МИД.\n\n\
            Переговоры при посредничестве Казахстана продолжатся в понедельник; \
            ОБСЕ и ООН направят наблюдателей. Келіссөздер жалғасады. The talks \
            resume on Monday in Astana, negotiators said.\n\nЁлка, ёлки.";
        let analyzed = crate::topics::AnalyzedDocument::new(&crate::topics::Document {
            title,
            text,
            source: "Kazinform",
            lang: None,
        });
        let terms = analyzed_terms(&analyzed);
        assert_eq!(terms, article_terms(title, text));
        assert!(terms.text.contains("переговор"), "{}", terms.text);
    }

    fn fts(q: &str) -> String {
        Query::parse(q).unwrap().fts_expression().to_string()
    }

    #[test]
    fn russian_word_forms_index_to_the_same_stem() {
        let forms = ["переговоры", "переговоров", "переговорах", "Переговорам"];
        for f in forms {
            assert_eq!(index_terms(f), "переговор", "{f}");
        }
        assert_eq!(index_terms("Ёлка, ёлки"), index_terms("елка елки"));
    }

    #[test]
    fn english_words_are_stemmed_and_kazakh_words_kept_whole() {
        assert_eq!(index_terms("negotiations"), index_terms("negotiation"));
        assert_eq!(index_terms("Келіссөздері"), "келіссөздері");
    }

    /// The stem of one word, whatever the analysis: the tests pin the
    /// query structure, not the stemmer's output.
    fn s(word: &str) -> String {
        index_terms(word)
    }

    #[test]
    fn words_are_all_required_and_phrases_stay_phrases() {
        let (a, b) = (s("мирные"), s("переговоры"));
        assert_eq!(fts("мирные переговоры"), format!(r#""{a}" AND "{b}""#));
        assert_eq!(fts(r#""мирные переговоры""#), format!(r#""{a} {b}""#));
        // A hyphenated word is a phrase of its parts.
        assert_eq!(
            fts("Нур-Султан"),
            format!(r#""{} {}""#, s("нур"), s("султан"))
        );
    }

    #[test]
    fn prefixes_exclusions_and_or_become_fts5_operators() {
        assert_eq!(fts("посредни*"), format!(r#""{}"*"#, s("посредни")));
        assert_eq!(
            fts("переговоры -футбол"),
            format!(r#"("{}") NOT "{}""#, s("переговоры"), s("футбол"))
        );
        assert_eq!(
            fts("Астана OR Алматы саммит"),
            format!(
                r#"("{}" OR "{}") AND "{}""#,
                s("астана"),
                s("алматы"),
                s("саммит")
            )
        );
    }

    #[test]
    fn the_excerpt_is_the_first_sentence_with_a_wanted_word() {
        let text = "Погода в Астане солнечная. На переговорах в Женеве обсудили мир! Конец.";
        let q = Query::parse("переговоры -погода").unwrap();
        assert_eq!(
            excerpt(text, &q, 200),
            "На переговорах в Женеве обсудили мир!"
        );
        let q = Query::parse("женев*").unwrap();
        assert_eq!(excerpt(text, &q, 12), "На перегово…");
        let q = Query::parse("футбол").unwrap();
        assert_eq!(excerpt(text, &q, 200), "Погода в Астане солнечная.");
    }

    #[test]
    fn queries_without_a_word_to_find_are_refused() {
        assert!(Query::parse("").is_err());
        assert!(Query::parse("-футбол").is_err());
        assert!(Query::parse("!!! ...").is_err());
        assert!(Query::parse("OR мир").is_err());
        assert!(Query::parse("мир OR").is_err());
        assert!(Query::parse("\"мир").is_err());
    }
}
