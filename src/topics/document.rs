//! An article analysed once, for evaluating every topic against it.
//!
//! Analysis (normalization, tokenization, stemming, language detection) is
//! the expensive part of classification; looking a term up in the resulting
//! maps is cheap. So an article is analysed into an [`AnalyzedDocument`] once
//! and then all topics are evaluated on it.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use super::profile::TermCounts;

use crate::text::{self, Token, TokenKind};

/// The article as classification sees it: extracted title and text, never
/// the page chrome.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    /// The extracted article text, paragraphs separated by blank lines.
    pub text: &'a str,
    /// The source's configured name (what `source:` searches).
    pub source: &'a str,
    /// The language when already known; detected from the text when `None`.
    pub lang: Option<&'a str>,
}

/// Where in an article a word occurs; the weight of an occurrence grows from
/// the rest of the text to the lead to the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Zone {
    Title,
    Lead,
    Rest,
    Source,
}

impl Zone {
    pub const ALL: [Zone; 4] = [Zone::Title, Zone::Lead, Zone::Rest, Zone::Source];

    pub(crate) fn bit(self) -> u8 {
        match self {
            Zone::Title => 1,
            Zone::Lead => 2,
            Zone::Rest => 4,
            Zone::Source => 8,
        }
    }

    /// Score factor of a term occurring in this zone. A news title states
    /// the subject; the lead (first paragraph) summarises it; the rest
    /// carries background, quotes and asides in which a topic word can occur
    /// in passing.
    pub fn factor(self) -> f64 {
        match self {
            Zone::Title => 3.0,
            Zone::Lead => 2.0,
            Zone::Rest => 1.0,
            Zone::Source => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Zone::Title => "title",
            Zone::Lead => "lead",
            Zone::Rest => "text",
            Zone::Source => "source",
        }
    }
}

/// The lead ends at the first paragraph break after at least this many
/// words (a dateline such as "АСТАНА, 5 июня. KAZINFORM" is not a lead)...
const LEAD_MIN_WORDS: usize = 12;
/// ...and no later than this many words (texts extracted without paragraph
/// breaks would otherwise be all lead).
const LEAD_MAX_WORDS: usize = 60;

/// Tokens of one field with two lookup orders: token indices sorted by
/// folded form and by stem, and hash tables from a form's or stem's hash to
/// its run in those orders. No string is copied; a word is one hash probe, a
/// prefix one binary search plus a scan. Measured against a BTreeMap +
/// HashMap of owned strings: building is ~3× cheaper, lookups as cheap (see
/// BENCHMARKS.md).
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    pub tokens: Vec<Token>,
    by_exact: Vec<u32>,
    by_stem: Vec<u32>,
    /// Hash of a folded form → (start, length) of its run in `by_exact`.
    exact_runs: HashMap<u64, (u32, u32)>,
    /// Hash of a stem → (start, length) of its run in `by_stem`.
    stem_runs: HashMap<u64, (u32, u32)>,
    hasher: RandomState,
}

impl FieldIndex {
    fn new(tokens: Vec<Token>) -> FieldIndex {
        let mut by_exact: Vec<u32> = (0..tokens.len() as u32).collect();
        by_exact.sort_unstable_by(|&a, &b| tokens[a as usize].exact.cmp(&tokens[b as usize].exact));
        let mut by_stem: Vec<u32> = (0..tokens.len() as u32)
            .filter(|&i| tokens[i as usize].stem != tokens[i as usize].exact)
            .collect();
        by_stem.sort_unstable_by(|&a, &b| tokens[a as usize].stem.cmp(&tokens[b as usize].stem));
        let hasher = RandomState::new();
        let exact_runs = runs(&by_exact, |i| &tokens[i as usize].exact, &hasher);
        let stem_runs = runs(&by_stem, |i| &tokens[i as usize].stem, &hasher);
        FieldIndex {
            tokens,
            by_exact,
            by_stem,
            exact_runs,
            stem_runs,
            hasher,
        }
    }

    fn exact(&self, i: u32) -> &str {
        &self.tokens[i as usize].exact
    }

    /// Appends the indices of the run of `key` in `order`, found through
    /// `table`; a hash collision (checked on the run's first token) falls
    /// back to binary search.
    fn run<'a>(
        &'a self,
        key: &str,
        order: &[u32],
        table: &HashMap<u64, (u32, u32)>,
        key_of: impl Fn(u32) -> &'a str,
        out: &mut Vec<u32>,
    ) {
        if let Some(&(start, len)) = table.get(&self.hasher.hash_one(key)) {
            let run = &order[start as usize..(start + len) as usize];
            if key_of(run[0]) == key {
                out.extend_from_slice(run);
                return;
            }
            let from = order.partition_point(|&i| key_of(i) < key);
            out.extend(order[from..].iter().take_while(|&&i| key_of(i) == key));
        }
    }

    /// Indices of tokens equal to a query word: same stem or same folded
    /// form (the latter lets a lower-case query "оон" find the unstemmed
    /// abbreviation "ООН", and an unstemmed Kazakh word find itself).
    pub fn word(&self, exact: &str, stem: &str, out: &mut Vec<u32>) {
        let start = out.len();
        let by_exact = |i: u32| self.tokens[i as usize].exact.as_str();
        let by_stem = |i: u32| self.tokens[i as usize].stem.as_str();
        self.run(exact, &self.by_exact, &self.exact_runs, by_exact, out);
        if stem != exact {
            self.run(stem, &self.by_exact, &self.exact_runs, by_exact, out);
        }
        self.run(stem, &self.by_stem, &self.stem_runs, by_stem, out);
        sort_dedup_from(out, start);
    }

    /// Indices of tokens whose folded form starts with `prefix`.
    pub fn prefix(&self, prefix: &str, out: &mut Vec<u32>) {
        let start = out.len();
        let from = self.by_exact.partition_point(|&i| self.exact(i) < prefix);
        out.extend(
            self.by_exact[from..]
                .iter()
                .take_while(|&&i| self.exact(i).starts_with(prefix)),
        );
        sort_dedup_from(out, start);
    }
}

/// The runs of equal keys in `order` (sorted by key), by key hash.
fn runs<'t>(
    order: &[u32],
    key_of: impl Fn(u32) -> &'t str,
    hasher: &RandomState,
) -> HashMap<u64, (u32, u32)> {
    let mut table = HashMap::with_capacity(order.len());
    let mut start = 0;
    while start < order.len() {
        let key = key_of(order[start]);
        let mut end = start + 1;
        while end < order.len() && key_of(order[end]) == key {
            end += 1;
        }
        // On a (64-bit) hash collision the first run wins; lookups verify
        // the key and fall back to binary search.
        table
            .entry(hasher.hash_one(key))
            .or_insert((start as u32, (end - start) as u32));
        start = end;
    }
    table
}

/// Sorts and deduplicates `out[start..]`, leaving `out[..start]` alone.
fn sort_dedup_from(out: &mut Vec<u32>, start: usize) {
    out[start..].sort_unstable();
    let mut write = start;
    for read in start..out.len() {
        if write == start || out[read] != out[write - 1] {
            out[write] = out[read];
            write += 1;
        }
    }
    out.truncate(write);
}

/// An article analysed once for all topics.
#[derive(Debug)]
pub struct AnalyzedDocument {
    pub(crate) title: FieldIndex,
    pub(crate) text: FieldIndex,
    pub(crate) source: FieldIndex,
    /// Text positions below this are the lead.
    pub(crate) lead_end: u32,
    lang: Option<String>,
    /// Bag of words for example profiles, computed on first use: most
    /// topics are queries only and never need it.
    term_counts: OnceLock<TermCounts>,
}

impl AnalyzedDocument {
    pub fn new(doc: &Document) -> AnalyzedDocument {
        let normalized = text::nfkc(doc.text);
        let words = text::split_words(&normalized);
        let cut = lead_cut(&normalized, &words);
        // Lead and rest are analysed as one text (the same tokens as
        // `text::analyze`, which search relies on: see `search::analyzed_terms`).
        let shouting = text::is_shouting(&words);
        let mut text_tokens = text::analyze_words_shouting(&words[..cut], 0, shouting);
        let lead_end = text_tokens.last().map_or(0, |t| t.position + 1);
        text_tokens.extend(text::analyze_words_shouting(
            &words[cut..],
            lead_end,
            shouting,
        ));
        let lang = match doc.lang {
            // A declared language ("ru-RU", "KK") counts by its primary
            // subtag, the form `lang:` compares with.
            Some(l) if !l.trim().is_empty() => l
                .trim()
                .split(['-', '_'])
                .next()
                .map(str::to_ascii_lowercase),
            _ => {
                // detect_language looks at the first couple of thousand
                // characters only; title and lead decide.
                let head = format!("{}\n{}", doc.title, normalized);
                text::detect_language(&head)
            }
        };
        AnalyzedDocument {
            title: FieldIndex::new(text::analyze(doc.title)),
            text: FieldIndex::new(text_tokens),
            source: FieldIndex::new(text::analyze(doc.source)),
            lead_end,
            lang,
            term_counts: OnceLock::new(),
        }
    }

    /// The article's language: as given, else as detected.
    pub fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    pub(crate) fn term_counts(&self) -> &TermCounts {
        self.term_counts.get_or_init(|| TermCounts::of(self))
    }

    pub(crate) fn zone_of_text(&self, position: u32) -> Zone {
        if position < self.lead_end {
            Zone::Lead
        } else {
            Zone::Rest
        }
    }

    /// Words of title and text for similarity: (folded form, stem) of every
    /// token that is not a compound.
    pub(crate) fn content_tokens(&self) -> impl Iterator<Item = (&Token, bool)> {
        self.title
            .tokens
            .iter()
            .map(|t| (t, true))
            .chain(self.text.tokens.iter().map(|t| (t, false)))
            .filter(|(t, _)| t.kind != TokenKind::Compound)
    }
}

/// Index of the first word after the lead (see [`LEAD_MIN_WORDS`]).
fn lead_cut(text: &str, words: &[text::RawWord]) -> usize {
    for i in 1..words.len() {
        if i >= LEAD_MAX_WORDS {
            return i;
        }
        let gap = &text[words[i - 1].start + words[i - 1].text.len()..words[i].start];
        if i >= LEAD_MIN_WORDS && gap.contains('\n') {
            return i;
        }
    }
    words.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> AnalyzedDocument {
        AnalyzedDocument::new(&Document {
            title: "Заголовок",
            text,
            source: "Kazinform",
            lang: None,
        })
    }

    #[test]
    fn the_lead_is_the_first_paragraph_of_at_least_twelve_words() {
        let d = doc(
            "АСТАНА, 5 июня.\n\nОдин два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать.\n\nОстальное.",
        );
        // The dateline (3 words) is too short to be the lead on its own.
        assert_eq!(d.lead_end, 15);
        assert_eq!(d.zone_of_text(14), Zone::Lead);
        assert_eq!(d.zone_of_text(15), Zone::Rest);
    }

    #[test]
    fn a_text_without_paragraphs_has_a_sixty_word_lead() {
        let text = "слово ".repeat(100);
        assert_eq!(doc(&text).lead_end, 60);
    }

    #[test]
    fn word_lookup_finds_inflected_forms_and_prefix_lookup_finds_continuations() {
        let d = doc("Переговоры о перемирии. Начались переговорах, переговорщики прибыли.");
        let mut out = Vec::new();
        d.text
            .word("переговоры", &text::stem("переговоры"), &mut out);
        assert_eq!(out, [0, 4]);
        out.clear();
        d.text.prefix("переговор", &mut out);
        assert_eq!(out, [0, 4, 5]);
    }

    #[test]
    fn a_declared_language_counts_by_its_primary_subtag() {
        let d = AnalyzedDocument::new(&Document {
            title: "",
            text: "Текст.",
            source: "",
            lang: Some("ru-RU"),
        });
        assert_eq!(d.lang(), Some("ru"));
    }

    #[test]
    fn the_language_is_detected_when_not_given() {
        assert_eq!(
            doc("Стороны договорились о прекращении огня на границе.").lang(),
            Some("ru")
        );
    }
}
