//! Text normalization for dedupe, and the exact text hash.
//!
//! Two outlets that publish the same words must produce the same token
//! stream, whatever their typography: `ё` or `е`, «ёлочки» or "straight"
//! quotes, a non-breaking space in `1 500`, a decomposed `й` (и + U+0306, as
//! some CMS editors paste it), `Ｆｕｌｌｗｉｄｔｈ` letters. The result is
//! only ever hashed; it is never shown to a reader and is not the topic
//! tokenizer (that one stems and lives in `text`).
//!
//! Steps, in order:
//! 1. NFKD (compatibility decomposition, via `icu_normalizer`): ligatures,
//!    full-width forms and superscripts become plain letters and digits, and
//!    precomposed letters split into base + combining mark.
//! 2. Combining marks are dropped. This folds `ё`→`е` and `й`→`и` (and
//!    `é`→`e`); words that differ only by a diacritic do not decide whether
//!    two texts tell the same story. Kazakh letters (ә ғ қ ң ө ұ ү һ і) have
//!    no decomposition and survive intact.
//! 3. Case folding: `char::to_lowercase`, plus the two full case foldings
//!    that differ from it in the scripts our sources use (`ß`→`ss`, final
//!    `ς`→`σ`), so the result equals Unicode full case folding for Latin,
//!    Cyrillic and Greek text.
//! 4. Tokens are maximal runs of letters and digits; everything else
//!    (punctuation, quotes, dashes, symbols, white space) separates tokens.
//!    `Касым-Жомарт` is two tokens whether or not an outlet keeps the hyphen.
//! 5. Numbers: separators between digits (`1 500`, `1,5`, `1.5`, `1'000`,
//!    thin and non-breaking spaces) are dropped, so `1 500 000` and
//!    `1500000` are one token. Digits are kept, not erased: two daily
//!    currency notes that differ only in the rate are different texts.

use icu_normalizer::DecomposingNormalizerBorrowed;
use sha2::{Digest, Sha256};

/// Whether `c` is a combining mark left by NFKD. The blocks are the
/// combining diacritics used by Latin and Cyrillic text: U+0300–036F
/// (Combining Diacritical Marks), U+1AB0–1AFF (… Extended), U+1DC0–1DFF
/// (… Supplement), U+20D0–20FF (… for Symbols), U+FE20–FE2F (Half Marks).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Characters that may stand between two digits of one number.
fn is_digit_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | ',' | '.' | '\'' | '’' | '\u{00A0}' | '\u{2009}' | '\u{202F}'
    )
}

/// Normalized tokens of `text`, joined by single spaces.
///
/// ```
/// use feedsieve::dedupe::normalize;
/// assert_eq!(normalize("Ёлка «стоит»: 1 500,5 тенге!"), "елка стоит 15005 тенге");
/// ```
pub fn normalize(text: &str) -> String {
    let chars = decompose(text);
    let mut out = String::with_capacity(text.len());
    let mut in_token = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // ASCII and basic Cyrillic by range; the Unicode tables behind
        // `is_alphanumeric` and `to_lowercase` are for the rest (they were
        // a tenth of this function's time on Russian text).
        let alphanumeric = match c {
            'a'..='z' | '0'..='9' | 'а'..='я' => {
                out.push(c);
                true
            }
            'A'..='Z' => {
                out.push(c.to_ascii_lowercase());
                true
            }
            // The capitals А–Я are their lower-case letters less 0x20.
            'А'..='Я' => {
                out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c));
                true
            }
            _ if c.is_ascii() => false,
            _ if c.is_alphanumeric() => {
                match c {
                    'ß' => out.push_str("ss"),
                    'ς' => out.push('σ'),
                    _ => out.extend(c.to_lowercase()),
                }
                true
            }
            _ => false,
        };
        if alphanumeric {
            in_token = true;
        } else if in_token
            && is_digit_separator(c)
            && i > 0
            && chars[i - 1].is_numeric()
            && chars.get(i + 1).is_some_and(|n| n.is_numeric())
        {
            // Inside a number: skip the separator, keep the token open.
        } else if in_token {
            out.push(' ');
            in_token = false;
        }
        i += 1;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Steps 1 and 2: NFKD of `text` without combining marks.
///
/// Most characters of our texts — ASCII, and the Russian alphabet but for
/// й, Й, ё and Ё — are their own NFKD and are starters (canonical combining
/// class 0). Those are passed through and only the runs between them go
/// through the normalizer. The result is the same as normalizing the whole
/// text: decomposition maps each character on its own, and the canonical
/// reordering that follows only reorders marks between two starters.
fn decompose(text: &str) -> Vec<char> {
    const NFKD: DecomposingNormalizerBorrowed<'static> = DecomposingNormalizerBorrowed::new_nfkd();
    let mut chars = Vec::with_capacity(text.len());
    let mut run_start = None;
    let flush = |chars: &mut Vec<char>, run: &str| {
        chars.extend(
            NFKD.normalize_iter(run.chars())
                .filter(|c| !is_combining_mark(*c)),
        );
    };
    for (i, c) in text.char_indices() {
        let own_nfkd_starter = matches!(c, '\0'..='\u{7f}' | 'А'..='И' | 'К'..='и' | 'к'..='я');
        if own_nfkd_starter {
            if let Some(start) = run_start.take() {
                flush(&mut chars, &text[start..i]);
            }
            chars.push(c);
        } else if run_start.is_none() {
            run_start = Some(i);
        }
    }
    if let Some(start) = run_start {
        flush(&mut chars, &text[start..]);
    }
    chars
}

/// SHA-256 of the normalized text: equal for texts that differ only in
/// typography, case, diacritics and number formatting.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextHash(pub [u8; 32]);

impl TextHash {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for TextHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextHash({})", self.to_hex())
    }
}

/// The exact-duplicate hash of `text` (see [`normalize`]).
pub fn text_hash(text: &str) -> TextHash {
    text_hash_normalized(&normalize(text))
}

/// [`text_hash`] of a text already [`normalize`]d (for callers that also
/// fingerprint it, so it is normalized once).
pub fn text_hash_normalized(normalized: &str) -> TextHash {
    TextHash(Sha256::digest(normalized.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposing_around_plain_letters_equals_decomposing_the_whole_text() {
        // Marks after plain letters, marks of several classes in a row (the
        // canonical reordering), letters that decompose, Kazakh and Greek
        // letters, compatibility forms, at every position.
        let palette: Vec<char> = "aZ9 .иЙйёЁкК\u{0306}\u{0308}\u{0327}\u{0301}\u{0483}\u{05B0}әҚéﬁＡ¹ςß\u{00A0}Ω\u{1E9B}\u{0323}"
            .chars()
            .collect();
        const NFKD: DecomposingNormalizerBorrowed<'static> =
            DecomposingNormalizerBorrowed::new_nfkd();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..5000 {
            let len = (state % 12) as usize;
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    palette[(state % palette.len() as u64) as usize]
                })
                .collect();
            let whole: Vec<char> = NFKD
                .normalize_iter(text.chars())
                .filter(|c| !is_combining_mark(*c))
                .collect();
            assert_eq!(decompose(&text), whole, "{text:?}");
        }
    }

    #[test]
    fn yo_is_folded_to_ye_whether_precomposed_or_decomposed() {
        assert_eq!(normalize("Её ещё"), "ее еще");
        assert_eq!(normalize("Е\u{0308}лка"), normalize("Ёлка"));
        assert_eq!(normalize("Ёлка"), "елка");
    }

    #[test]
    fn decomposed_short_i_equals_the_precomposed_letter() {
        assert_eq!(normalize("Токаи\u{0306}"), normalize("Токай"));
    }

    #[test]
    fn kazakh_letters_survive() {
        assert_eq!(
            normalize("Қазақстан Әлем Ұлттық Өнер Үкімет"),
            "қазақстан әлем ұлттық өнер үкімет"
        );
    }

    #[test]
    fn case_folding_covers_sharp_s_and_final_sigma() {
        assert_eq!(normalize("STRASSE Straße"), "strasse strasse");
        assert_eq!(normalize("ΟΔΟΣ οδος"), "οδοσ οδοσ");
    }

    #[test]
    fn punctuation_quotes_and_dashes_only_separate_words() {
        assert_eq!(
            normalize("«Астана» — \"столица\"… Касым-Жомарт (Токаев)!"),
            "астана столица касым жомарт токаев"
        );
        assert_eq!(
            normalize("„Astana“ – 'capital'"),
            normalize("\"Astana\" - capital")
        );
    }

    #[test]
    fn number_formats_are_unified_but_digits_kept() {
        assert_eq!(normalize("1 500 000 тенге"), "1500000 тенге");
        assert_eq!(normalize("1\u{00A0}500\u{202F}000 тенге"), "1500000 тенге");
        assert_eq!(normalize("1,5 млрд"), normalize("1.5 млрд"));
        assert_ne!(normalize("курс 470 тенге"), normalize("курс 471 тенге"));
    }

    #[test]
    fn a_separator_next_to_only_one_digit_still_separates() {
        assert_eq!(normalize("в 2024. Затем"), "в 2024 затем");
        assert_eq!(normalize("пункт 3, затем"), "пункт 3 затем");
    }

    #[test]
    fn full_width_letters_and_ligatures_become_plain() {
        assert_eq!(normalize("ＡＢＣ ﬁnal ²"), "abc final 2");
    }

    #[test]
    fn empty_and_punctuation_only_texts_normalize_to_nothing() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" — … !!! "), "");
    }

    #[test]
    fn the_text_hash_ignores_typography_but_not_words() {
        let a = text_hash("Президент Казахстана провёл встречу.  «Итоги» — 1 500 участников.");
        let b = text_hash("президент казахстана провел встречу: \"итоги\" - 1500 участников");
        let c = text_hash("Президент Казахстана провёл совещание. Итоги — 1 500 участников.");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_hex().len(), 64);
    }
}
