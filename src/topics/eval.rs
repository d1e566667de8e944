//! Evaluating a compiled [`Query`] on an [`AnalyzedDocument`]: does it
//! match, which terms made it match, and with what score.
//!
//! Score = Σ over the terms that made the query match of
//! `weight × (sum of the factors of the zones the term occurs in)`, with
//! zone factors title 3, lead 2, rest of the text 1 (see [`Zone::factor`]).
//! A term counts once per zone however often it repeats there: repetition in
//! news copy is style, not relevance. Terms under NOT, and terms of an AND
//! that failed, never count.

use super::document::{AnalyzedDocument, FieldIndex, Zone};
use super::query::{Field, Matcher, Node, Pattern, Query, Term};

/// One place where a term occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub zone: Zone,
    /// First and last word position of the occurrence in its field.
    pub start: u32,
    pub end: u32,
}

/// Where a term occurs in a document, summarised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TermHit {
    /// Bit set of [`Zone::bit`].
    pub zones: u8,
    pub count: u32,
}

impl TermHit {
    pub fn found(&self) -> bool {
        self.count > 0
    }

    pub fn zones(&self) -> impl Iterator<Item = Zone> + '_ {
        Zone::ALL.into_iter().filter(|z| self.zones & z.bit() != 0)
    }

    pub fn zone_score(&self) -> f64 {
        self.zones().map(Zone::factor).sum()
    }
}

/// The outcome of evaluating a query on a document.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub matched: bool,
    pub score: f64,
    /// Indices of the terms that made the query match, each once, in query
    /// order.
    pub counted: Vec<usize>,
}

pub(crate) fn evaluate(query: &Query, doc: &AnalyzedDocument) -> Evaluation {
    let mut ctx = Ctx {
        query,
        doc,
        hits: vec![None; query.terms.len()],
        scratch: Vec::new(),
    };
    let mut counted = Vec::new();
    let matched = ctx.node(&query.root, &mut counted);
    if !matched {
        counted.clear();
    }
    counted.sort_unstable();
    counted.dedup();
    let score = counted
        .iter()
        .map(|&i| {
            let hit = ctx.hits[i].unwrap_or_default();
            query.terms[i].weight * hit.zone_score()
        })
        .sum();
    Evaluation {
        matched,
        score,
        counted,
    }
}

/// Finds every occurrence of `term` in `doc`.
pub(crate) fn occurrences(term: &Term, doc: &AnalyzedDocument) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    let fields: &[(&FieldIndex, FieldKind)] = match term.field {
        Field::Any => &[(&doc.title, FieldKind::Title), (&doc.text, FieldKind::Text)],
        Field::Title => &[(&doc.title, FieldKind::Title)],
        Field::Text => &[(&doc.text, FieldKind::Text)],
        Field::Source => &[(&doc.source, FieldKind::Source)],
    };
    for &(index, kind) in fields {
        let zone = |position: u32| match kind {
            FieldKind::Title => Zone::Title,
            FieldKind::Text => doc.zone_of_text(position),
            FieldKind::Source => Zone::Source,
        };
        match &term.matcher {
            Matcher::Single(pattern) => {
                scratch.clear();
                lookup(index, pattern, &mut scratch);
                let mut last = None;
                for &i in &scratch {
                    let p = index.tokens[i as usize].position;
                    // A compound and its first part share a position.
                    if last != Some(p) {
                        out.push(Occurrence {
                            zone: zone(p),
                            start: p,
                            end: p,
                        });
                        last = Some(p);
                    }
                }
            }
            Matcher::Phrase { words, slop } => {
                for (start, end) in phrase(index, words, *slop) {
                    out.push(Occurrence {
                        zone: zone(start),
                        start,
                        end,
                    });
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum FieldKind {
    Title,
    Text,
    Source,
}

fn lookup(index: &FieldIndex, pattern: &Pattern, out: &mut Vec<u32>) {
    match pattern {
        Pattern::Word { exact, stem } => index.word(exact, stem, out),
        Pattern::Prefix(prefix) => index.prefix(prefix, out),
    }
}

/// Positions (sorted, distinct) where `pattern` occurs in `index`.
fn positions(index: &FieldIndex, pattern: &Pattern) -> Vec<u32> {
    let mut ids = Vec::new();
    lookup(index, pattern, &mut ids);
    let mut p: Vec<u32> = ids
        .into_iter()
        .map(|i| index.tokens[i as usize].position)
        .collect();
    p.sort_unstable();
    p.dedup();
    p
}

/// Spans (first, last position) where the phrase occurs.
fn phrase(index: &FieldIndex, words: &[Pattern], slop: u32) -> Vec<(u32, u32)> {
    let lists: Vec<Vec<u32>> = words.iter().map(|w| positions(index, w)).collect();
    if lists.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let k = lists.len() as u32;
    if slop == 0 {
        return lists[0]
            .iter()
            .filter(|&&p| {
                lists[1..]
                    .iter()
                    .zip(1..)
                    .all(|(list, i)| list.binary_search(&(p + i)).is_ok())
            })
            .map(|&p| (p, p + k - 1))
            .collect();
    }
    // Any order within a window of k + slop positions: the smallest window
    // covering one occurrence of every word, found by a sliding window over
    // all occurrences in position order; windows found do not overlap.
    let mut merged: Vec<(u32, usize)> = lists
        .iter()
        .enumerate()
        .flat_map(|(w, list)| list.iter().map(move |&p| (p, w)))
        .collect();
    merged.sort_unstable();
    let max_span = k - 1 + slop;
    let mut counts = vec![0u32; lists.len()];
    let mut covered = 0;
    let mut left = 0;
    let mut found = Vec::new();
    for right in 0..merged.len() {
        let w = merged[right].1;
        counts[w] += 1;
        if counts[w] == 1 {
            covered += 1;
        }
        while covered == lists.len() {
            let span = merged[right].0 - merged[left].0;
            if span <= max_span {
                found.push((merged[left].0, merged[right].0));
                counts.iter_mut().for_each(|c| *c = 0);
                covered = 0;
                left = right + 1;
                break;
            }
            let lw = merged[left].1;
            counts[lw] -= 1;
            if counts[lw] == 0 {
                covered -= 1;
            }
            left += 1;
        }
    }
    found
}

struct Ctx<'a> {
    query: &'a Query,
    doc: &'a AnalyzedDocument,
    /// Per term, where it occurs; `None` until evaluation first needs it.
    hits: Vec<Option<TermHit>>,
    scratch: Vec<usize>,
}

impl Ctx<'_> {
    fn hit(&mut self, i: usize) -> TermHit {
        if let Some(hit) = self.hits[i] {
            return hit;
        }
        let mut hit = TermHit::default();
        for o in occurrences(&self.query.terms[i], self.doc) {
            hit.zones |= o.zone.bit();
            hit.count += 1;
        }
        self.hits[i] = Some(hit);
        hit
    }

    /// Evaluates `node`; on a match, appends the terms that made it match
    /// to `counted`.
    fn node(&mut self, node: &Node, counted: &mut Vec<usize>) -> bool {
        let mark = counted.len();
        let matched = match node {
            Node::Term(i) => {
                let found = self.hit(*i).found();
                if found {
                    counted.push(*i);
                }
                found
            }
            Node::Lang(code) => self.doc.lang() == Some(code.as_str()),
            Node::Not(inner) => !self.excluded(inner),
            Node::And(parts) => parts.iter().all(|p| self.node(p, counted)),
            Node::Or { should, must_not } => {
                if must_not.iter().any(|n| self.excluded(n)) {
                    false
                } else if should.is_empty() {
                    true
                } else {
                    // Every clause is evaluated (no short cut) so that all
                    // matching terms count towards the score.
                    let mut any = false;
                    for n in should {
                        any |= self.node(n, counted);
                    }
                    any
                }
            }
        };
        if !matched {
            counted.truncate(mark);
        }
        matched
    }

    /// Whether `node` matches, without counting its terms.
    fn excluded(&mut self, node: &Node) -> bool {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let m = self.node(node, &mut scratch);
        self.scratch = scratch;
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::document::Document;

    fn eval(query: &str, title: &str, text: &str) -> Evaluation {
        let q = Query::parse(query).unwrap();
        let d = AnalyzedDocument::new(&Document {
            title,
            text,
            source: "Tengrinews",
            lang: None,
        });
        evaluate(&q, &d)
    }

    fn matches(query: &str, title: &str, text: &str) -> bool {
        eval(query, title, text).matched
    }

    #[test]
    fn a_word_matches_its_inflected_forms() {
        assert!(matches("переговоры", "", "Начались переговорах в Астане."));
        assert!(matches(
            "посредничество",
            "",
            "Казахстан предложил посредничества."
        ));
        assert!(!matches("переговоры", "", "Стороны договорились."));
    }

    #[test]
    fn a_phrase_needs_its_words_next_to_each_other_in_order() {
        let q = "\"мирный договор\"";
        assert!(matches(q, "", "Подписан мирного договора текст."));
        assert!(!matches(q, "", "Договор не мирный."));
        assert!(!matches(q, "", "Мирный процесс и договор."));
    }

    #[test]
    fn proximity_allows_words_between_and_any_order() {
        let q = "\"мирный договор\"~3";
        assert!(matches(q, "", "Мирный и всеобъемлющий договор подписан."));
        assert!(matches(q, "", "Договор будет мирным."));
        assert!(!matches(
            q,
            "",
            "Мирный процесс идёт, а вот торговый договор отложен."
        ));
    }

    #[test]
    fn and_or_not_and_parentheses_combine() {
        let q = "(посредник* OR посредничество) AND (конфликт* OR войн*) NOT риелтор*";
        assert!(matches(q, "", "Турция выступила посредником в конфликте."));
        assert!(!matches(
            q,
            "",
            "Риелтор-посредник урегулировал конфликт с покупателем."
        ));
        assert!(!matches(q, "", "Посредник в сделке с квартирой."));
    }

    #[test]
    fn a_hyphenated_query_word_matches_the_compound_and_the_spaced_words() {
        assert!(matches("риелтор-посредник", "", "Риелтор-посредник исчез."));
        assert!(matches("риелтор-посредник", "", "Риелтор посредник исчез."));
        assert!(!matches("риелтор-посредник", "", "Посредник и риелтор."));
    }

    #[test]
    fn fields_restrict_where_a_term_is_looked_for() {
        assert!(matches("title:перемирие", "Перемирие продлено", ""));
        assert!(!matches(
            "title:перемирие",
            "Новости",
            "Перемирие продлено."
        ));
        assert!(matches("text:перемирие", "Новости", "Перемирие продлено."));
        assert!(matches("source:tengrinews", "", "что угодно"));
        assert!(!matches("source:kazinform", "", "что угодно"));
        assert!(matches(
            "lang:en AND ceasefire",
            "",
            "The ceasefire held overnight."
        ));
        assert!(!matches(
            "lang:ru AND ceasefire",
            "",
            "The ceasefire held overnight."
        ));
    }

    #[test]
    fn a_field_scopes_a_whole_group_and_lang_takes_alternatives() {
        assert!(matches(
            "lang:(kk OR en) AND ceasefire",
            "",
            "The ceasefire held."
        ));
        assert!(!matches(
            "lang:(kk OR ru) AND ceasefire",
            "",
            "The ceasefire held."
        ));
        assert!(matches("title:(перемирие OR мир)", "Мир и перемирие", ""));
        assert!(!matches("title:(перемирие OR мир)", "", "Мир и перемирие"));
    }

    #[test]
    fn a_query_of_only_exclusions_matches_articles_without_those_words() {
        assert!(matches("NOT сериал*", "Перемирие", "Стороны договорились."));
        assert!(!matches("NOT сериал*", "Сериал «Перемирие»", ""));
    }

    #[test]
    fn lower_case_and_and_or_are_ordinary_words() {
        // "or" is a word to find, not an operator: the list means any of
        // the three words.
        assert!(matches("war or peace", "", "Peace is near."));
        let e = eval("war or peace", "", "War is near.");
        assert_eq!(e.counted, [0]);
    }

    #[test]
    fn kazakh_prefixes_reach_agglutinated_forms() {
        assert!(matches(
            "келіссөз* бітімгершілік*",
            "",
            "Тараптар келіссөздерді жалғастырды."
        ));
    }

    #[test]
    fn the_score_weighs_title_over_lead_over_the_rest() {
        let lead = "Стороны продолжили обсуждение сегодня утром в столице страны \
                    после долгого перерыва и нескольких встреч экспертов.";
        let title_hit = eval("перемирие", "Перемирие продлено", lead).score;
        let lead_hit = eval(
            "перемирие",
            "Новости",
            &format!("Перемирие продлено. {lead}"),
        )
        .score;
        let rest_hit = eval(
            "перемирие",
            "Новости",
            &format!("{lead}\n\nПеремирие продлено."),
        )
        .score;
        assert_eq!((title_hit, lead_hit, rest_hit), (3.0, 2.0, 1.0));
    }

    #[test]
    fn weights_multiply_and_excluded_or_failed_terms_do_not_count() {
        let e = eval("перемирие^2 OR (война AND мир)", "Перемирие", "Война.");
        assert_eq!(e.score, 6.0);
        assert_eq!(e.counted, [0]);
        let e = eval("перемирие AND NOT сериал", "Перемирие", "Премьера сериала.");
        assert!(!e.matched);
        assert_eq!(e.score, 0.0);
    }
}
