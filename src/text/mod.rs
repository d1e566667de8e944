//! Text analysis: turns a piece of text into the words that search, topics
//! and dedupe compare.
//!
//! Owns: Unicode normalization and case folding ([`fold`]), tokenization
//! ([`tokenize`]), stemming ([`stem`]) and per-article language detection
//! ([`detect_language`]). In: `&str` (a title, an extracted article text, a
//! query word). Out: [`Token`]s with a folded surface form, a stem and a word
//! position. Pure and synchronous; never does I/O and knows nothing about
//! topics, queries or storage.
//!
//! The one rule every caller relies on: queries and articles go through the
//! very same [`analyze`], so a query word matches an article word exactly when
//! their analysed forms are equal. That is why the stemmer is chosen per word
//! from its script, not per article from the detected language: a query has
//! no language, and a Russian word quoted in a Kazakh article must stem the
//! same way as the same word in the query.

mod lang;
mod normalize;
mod stem;
mod stopwords;
mod tokenize;

pub use lang::detect_language;
pub use normalize::{fold, nfkc};
pub use stem::{Script, is_kazakh_letter, script_of, stem};
pub use stopwords::is_stopword;
pub use tokenize::{RawWord, split_words};

/// One analysed word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word as written, after [`fold`]: NFKC, lower case, ё→е.
    pub exact: String,
    /// The stem that morphological matching compares (see [`stem`]).
    pub stem: String,
    /// Word position in the text, counting from 0. The parts of a hyphenated
    /// word get consecutive positions; the whole compound shares the position
    /// of its first part, so both `"нур султан"` and `нур-султан` find it.
    pub position: u32,
    pub kind: TokenKind,
}

/// What kind of word a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An ordinary word (or number).
    Word,
    /// A word written in capitals (ООН, СВМДА, NATO) in text that is not
    /// itself written in capitals: an abbreviation, never stemmed, because
    /// the Russian stemmer would cut "ОБСЕ" to "обс".
    Abbreviation,
    /// A whole hyphenated word ("риелтор-посредник"); its parts follow it as
    /// separate tokens.
    Compound,
}

/// Analyses `text` into tokens: the parts of a hyphenated word become tokens
/// of their own, after the compound itself.
pub fn analyze(text: &str) -> Vec<Token> {
    let normalized = nfkc(text);
    analyze_words(&split_words(&normalized), 0)
}

/// [`analyze`] on words already split from NFKC-normalized text, numbering
/// positions from `first_position` (for callers that split a text into
/// parts, such as an article's lead and rest, without splitting it twice).
pub fn analyze_words(words: &[RawWord], first_position: u32) -> Vec<Token> {
    analyze_words_shouting(words, first_position, is_shouting(words))
}

/// Whether a text of these words is written all in capitals (some sites
/// shout their headlines): it has no abbreviations to recognise, since every
/// word would look like one and none would be stemmed. Counted over the
/// whole text so a short all-caps headline "ООН" still counts as an
/// abbreviation.
pub fn is_shouting(words: &[RawWord]) -> bool {
    let lettered = words.iter().filter(|w| w.has_letter()).count();
    let capitals = words.iter().filter(|w| w.is_all_caps()).count();
    lettered >= 3 && capitals * 2 > lettered
}

/// [`analyze_words`] on part of a text, with [`is_shouting`] decided over
/// the whole of it, so the parts' tokens are those of the whole.
pub fn analyze_words_shouting(
    words: &[RawWord],
    first_position: u32,
    shouting: bool,
) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(words.len() + words.len() / 8);
    let mut position = first_position;
    for word in words {
        let parts = word.parts();
        if parts.len() > 1 {
            let folded: Vec<String> = parts.iter().map(|p| fold(p)).collect();
            let stems: Vec<String> = parts
                .iter()
                .zip(&folded)
                .map(|(raw, f)| word_stem(raw, f, shouting))
                .collect();
            tokens.push(Token {
                exact: folded.join("-"),
                stem: stems.join("-"),
                position,
                kind: TokenKind::Compound,
            });
            for ((raw, exact), stem) in parts.iter().zip(folded).zip(stems) {
                tokens.push(Token {
                    exact,
                    stem,
                    position,
                    kind: kind_of(raw, shouting),
                });
                position += 1;
            }
        } else {
            let exact = fold(word.text);
            let stem = word_stem(word.text, &exact, shouting);
            tokens.push(Token {
                exact,
                stem,
                position,
                kind: kind_of(word.text, shouting),
            });
            position += 1;
        }
    }
    tokens
}

fn kind_of(raw: &str, shouting: bool) -> TokenKind {
    if !shouting && is_abbreviation(raw) {
        TokenKind::Abbreviation
    } else {
        TokenKind::Word
    }
}

fn word_stem(raw: &str, folded: &str, shouting: bool) -> String {
    match kind_of(raw, shouting) {
        TokenKind::Abbreviation => folded.to_string(),
        _ => stem(folded),
    }
}

/// An abbreviation: at least two letters, all of them capitals, and short
/// (the longest common ones — СВМДА, ЕАЭС, ОДКБ, NATO, OSCE — have 4–6).
fn is_abbreviation(raw: &str) -> bool {
    let mut letters = 0;
    for c in raw.chars() {
        // ASCII and basic Cyrillic letters are told by range: the Unicode
        // property tables behind `is_alphabetic`/`is_uppercase` were a
        // measurable share of analysis (BENCHMARKS.md, "End-to-end ingest").
        let upper = match c {
            'A'..='Z' | 'А'..='Я' | 'Ё' => true,
            'a'..='z' | 'а'..='я' | 'ё' => false,
            _ if c.is_ascii() => continue,
            _ if c.is_alphabetic() => c.is_uppercase(),
            _ => continue,
        };
        if !upper {
            return false;
        }
        letters += 1;
    }
    (2..=8).contains(&letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exacts(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.exact).collect()
    }

    #[test]
    fn yo_and_capitals_fold_to_the_same_word() {
        let a = analyze("Ёлка");
        let b = analyze("елка");
        assert_eq!(a[0].exact, "елка");
        assert_eq!(a[0].stem, b[0].stem);
    }

    #[test]
    fn inflected_russian_words_share_a_stem() {
        let forms = ["переговоры", "переговоров", "переговорах", "Переговорам"];
        let stems: Vec<String> = forms.iter().map(|f| analyze(f)[0].stem.clone()).collect();
        assert!(stems.iter().all(|s| s == &stems[0]), "{stems:?}");
        let state = analyze("Палестинского государства");
        let base = analyze("палестинское государство");
        assert_eq!(state[0].stem, base[0].stem);
        assert_eq!(state[1].stem, base[1].stem);
    }

    #[test]
    fn english_words_are_stemmed_with_the_english_stemmer() {
        assert_eq!(
            analyze("negotiations")[0].stem,
            analyze("negotiation")[0].stem
        );
        assert_eq!(analyze("Mediators")[0].stem, "mediat");
    }

    #[test]
    fn kazakh_words_keep_their_letters_and_are_not_stemmed() {
        let t = analyze("Бітімгершілік келіссөздері ұйымдастырылды");
        assert_eq!(
            t.iter().map(|t| t.exact.as_str()).collect::<Vec<_>>(),
            ["бітімгершілік", "келіссөздері", "ұйымдастырылды"]
        );
        assert!(t.iter().all(|t| t.exact == t.stem), "{t:?}");
        assert_eq!(exacts("ӘҒҚҢӨҰҮҺІ"), ["әғқңөұүһі"]);
    }

    #[test]
    fn hyphenated_words_give_the_compound_and_its_parts() {
        let t = analyze("риелтор-посредник нашёл");
        assert_eq!(t[0].exact, "риелтор-посредник");
        assert_eq!(t[0].kind, TokenKind::Compound);
        assert_eq!((t[1].exact.as_str(), t[1].position), ("риелтор", 0));
        assert_eq!((t[2].exact.as_str(), t[2].position), ("посредник", 1));
        assert_eq!((t[3].exact.as_str(), t[3].position), ("нашел", 2));
        // A dash between words is punctuation, not a hyphen.
        assert_eq!(exacts("мир — война"), ["мир", "война"]);
    }

    #[test]
    fn abbreviations_are_kept_whole_and_unstemmed() {
        let t = analyze("Совещание СВМДА и ОБСЕ в ООН");
        let abbrevs: Vec<(&str, &str)> = t
            .iter()
            .filter(|t| t.kind == TokenKind::Abbreviation)
            .map(|t| (t.exact.as_str(), t.stem.as_str()))
            .collect();
        assert_eq!(
            abbrevs,
            [("свмда", "свмда"), ("обсе", "обсе"), ("оон", "оон")]
        );
    }

    #[test]
    fn an_all_capitals_headline_is_stemmed_like_ordinary_text() {
        let t = analyze("МИРНЫЕ ПЕРЕГОВОРЫ ВОЗОБНОВЯТСЯ");
        assert!(t.iter().all(|t| t.kind == TokenKind::Word));
        assert_eq!(t[1].stem, analyze("переговорах")[0].stem);
    }

    #[test]
    fn soft_hyphens_and_compatibility_characters_do_not_split_words() {
        // U+00AD soft hyphen inside a word, and a full-width Latin word.
        assert_eq!(exacts("пере\u{ad}говоры ＮＡＴＯ"), ["переговоры", "nato"]);
    }
}
