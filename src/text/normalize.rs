//! Unicode normalization and case folding.
//!
//! NFKC first (UAX #15), so full-width letters, ligatures and compatibility
//! forms compare equal to their plain spelling; then per word: lower case,
//! ё→е (Russian news writes "ё" rarely and inconsistently), invisible
//! characters removed, Latin look-alike letters inside Cyrillic words
//! replaced by their Cyrillic twins.

use std::borrow::Cow;

use icu_normalizer::ComposingNormalizerBorrowed;

/// NFKC-normalizes `text` (borrowing when it already is).
pub fn nfkc(text: &str) -> Cow<'_, str> {
    ComposingNormalizerBorrowed::new_nfkc().normalize(text)
}

/// Folds one word (already NFKC) to the form that is compared: lower case,
/// ё→е, no soft hyphens or zero-width characters, typographic apostrophes as
/// `'`, and Latin look-alikes inside a Cyrillic word made Cyrillic.
///
/// `to_lowercase` is Unicode's full lower-casing; for Cyrillic, Latin and the
/// Kazakh letters it coincides with case folding (the differences, such as
/// German ß or Greek final sigma, do not occur in the languages served).
pub fn fold(word: &str) -> String {
    // Mixed-script words are almost always typos or copy-paste from a
    // keyboard layout switch ("Kазахстан" with a Latin K, seen in scraped
    // news); a word that is mostly Cyrillic is read as Cyrillic. Decided on
    // the original letters because the twin depends on case (Latin "H" is
    // Cyrillic "Н", Latin "h" is Kazakh "һ").
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    for c in word.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
        } else if is_cyrillic(c) {
            cyrillic += 1;
        }
    }
    let repair = latin > 0 && cyrillic > latin;
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if is_invisible(c) {
            continue;
        }
        let c = if repair { cyrillic_twin(c) } else { c };
        // Fast paths: ASCII and the basic Cyrillic capitals map by offset;
        // `to_lowercase` is a table search, a measurable share of analysis.
        let l = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => c,
            'Ё' | 'ё' => 'е',
            'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
            'а'..='я' => c,
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
            _ => {
                out.extend(c.to_lowercase());
                continue;
            }
        };
        out.push(l);
    }
    out
}

/// Soft hyphen, zero-width space / joiners, word joiner and BOM: they sit
/// inside words in scraped HTML (typographers' hyphenation hints) and must
/// not change the word.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04ff}' | '\u{0500}'..='\u{052f}')
}

fn cyrillic_twin(c: char) -> char {
    match c {
        'A' => 'А',
        'B' => 'В',
        'C' => 'С',
        'E' => 'Е',
        'H' => 'Н',
        'K' => 'К',
        'M' => 'М',
        'O' => 'О',
        'P' => 'Р',
        'T' => 'Т',
        'X' => 'Х',
        'Y' => 'У',
        'I' => 'І',
        'a' => 'а',
        'c' => 'с',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        'k' => 'к',
        'm' => 'м',
        'h' => 'һ',
        'i' => 'і',
        't' => 'т',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_lowercases_and_replaces_yo() {
        assert_eq!(fold("ЁЛКА"), "елка");
        assert_eq!(fold("Переговоры"), "переговоры");
    }

    #[test]
    fn fold_repairs_latin_lookalikes_in_cyrillic_words() {
        // "Kазахстан" with a Latin capital K.
        assert_eq!(fold("Kазахстан"), "казахстан");
        // A Latin word stays Latin.
        assert_eq!(fold("Kazakhstan"), "kazakhstan");
    }

    #[test]
    fn fold_normalizes_apostrophes() {
        assert_eq!(fold("Russia\u{2019}s"), "russia's");
    }

    #[test]
    fn nfkc_composes_and_flattens_compatibility_forms() {
        // "й" written as и + combining breve, and a full-width "Ａ".
        assert_eq!(nfkc("и\u{306}Ａ"), "йA");
    }
}
