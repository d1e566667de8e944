//! Splitting normalized text into words.
//!
//! A word is a run of letters, digits and combining marks. Inside a word a
//! hyphen joins parts ("Нур-Султан", "риелтор-посредник", "COVID-19"), an
//! apostrophe is kept ("Russia's"), and a point or comma between digits is
//! kept ("2,5"). Dashes, quotes, guillemets and all other punctuation
//! separate words.

use super::normalize::is_invisible;

/// One word of a text as written (not yet folded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawWord<'a> {
    pub text: &'a str,
    /// Byte offset of the word in the text that was split.
    pub start: usize,
}

impl<'a> RawWord<'a> {
    /// The hyphen-separated parts of the word (one part for most words).
    pub fn parts(&self) -> Vec<&'a str> {
        self.text
            .split(is_hyphen)
            .filter(|p| !p.is_empty())
            .collect()
    }

    pub fn has_letter(&self) -> bool {
        self.text.chars().any(char::is_alphabetic)
    }

    /// Two or more letters, all capitals.
    pub fn is_all_caps(&self) -> bool {
        let mut letters = 0;
        for c in self.text.chars().filter(|c| c.is_alphabetic()) {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
        letters >= 2
    }
}

/// Hyphen-minus, Unicode hyphen and non-breaking hyphen (NFKC maps U+2011
/// to U+2010). En and em dashes are not hyphens: they separate words.
pub(crate) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

fn is_word_char(c: char) -> bool {
    // Fast paths for the scripts served; `is_alphanumeric` is a table search.
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(c, '\u{0400}'..='\u{0481}' | '\u{048a}'..='\u{04ff}')
        || c.is_alphanumeric()
        || is_invisible(c)
        // Combining marks that NFKC could not compose onto a letter.
        || matches!(c, '\u{0300}'..='\u{036f}')
}

/// Splits `text` into words, in order.
pub fn split_words(text: &str) -> Vec<RawWord<'_>> {
    let mut words = Vec::with_capacity(text.len() / 8);
    let mut chars = text.char_indices().peekable();
    let mut start: Option<usize> = None;
    let mut prev = ' ';
    while let Some((i, c)) = chars.next() {
        if is_word_char(c) {
            // An invisible character cannot start a word.
            if start.is_none() && !is_invisible(c) {
                start = Some(i);
            }
            prev = c;
            continue;
        }
        if let Some(s) = start {
            // A joiner counts only between two word characters.
            let next = chars.peek().map(|&(_, n)| n);
            let joins = next.is_some_and(|n| n.is_alphanumeric())
                && (is_hyphen(c)
                    || is_apostrophe(c)
                    || (matches!(c, '.' | ',')
                        && prev.is_ascii_digit()
                        && next.is_some_and(|n| n.is_ascii_digit())));
            if joins {
                prev = c;
                continue;
            }
            words.push(RawWord {
                text: &text[s..i],
                start: s,
            });
            start = None;
        }
        prev = c;
    }
    if let Some(s) = start {
        words.push(RawWord {
            text: &text[s..],
            start: s,
        });
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        split_words(text).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn punctuation_and_dashes_separate_words() {
        assert_eq!(
            words("«Перемирие» (сериал) — премьера, 2024."),
            ["Перемирие", "сериал", "премьера", "2024"]
        );
    }

    #[test]
    fn hyphens_apostrophes_and_decimal_points_join() {
        assert_eq!(
            words("Нур-Султан, Russia's 2,5 млн COVID-19 -тест слово-"),
            [
                "Нур-Султан",
                "Russia's",
                "2,5",
                "млн",
                "COVID-19",
                "тест",
                "слово"
            ]
        );
    }

    #[test]
    fn kazakh_letters_are_word_characters() {
        assert_eq!(
            words("Қазақстан өңірлік қауіпсіздік"),
            ["Қазақстан", "өңірлік", "қауіпсіздік"]
        );
    }

    #[test]
    fn word_offsets_point_into_the_text() {
        let text = "мир, война";
        let w = split_words(text);
        assert_eq!(&text[w[1].start..], "война");
    }
}
