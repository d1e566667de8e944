//! Stemming, chosen per word from its script.
//!
//! Cyrillic words are stemmed with Snowball's Russian stemmer and Latin words
//! with Snowball's English one (rust-stemmers). Kazakh is agglutinative and
//! has no Snowball stemmer; a word carrying a Kazakh-only letter is left as
//! it is, and queries reach its forms with prefixes (`келіссөз*` finds
//! келіссөздер, келіссөздері, келіссөздерде).

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::is_cyrillic;

/// The script a folded word is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Cyrillic with at least one letter that Russian does not have.
    Kazakh,
    Cyrillic,
    Latin,
    /// Digits only, or a mix that no stemmer understands.
    Other,
}

/// The nine letters of the Kazakh alphabet that Russian lacks. (і is shared
/// with Ukrainian and Belarusian, but those are not stemmed as Russian
/// either, so the rule holds for them too.)
pub fn is_kazakh_letter(c: char) -> bool {
    matches!(
        c,
        'ә' | 'ғ'
            | 'қ'
            | 'ң'
            | 'ө'
            | 'ұ'
            | 'ү'
            | 'һ'
            | 'і'
            | 'Ә'
            | 'Ғ'
            | 'Қ'
            | 'Ң'
            | 'Ө'
            | 'Ұ'
            | 'Ү'
            | 'Һ'
            | 'І'
    )
}

/// The script of a folded word.
pub fn script_of(word: &str) -> Script {
    let mut cyrillic = false;
    let mut latin = false;
    let mut kazakh = false;
    for c in word.chars() {
        if is_kazakh_letter(c) {
            kazakh = true;
        } else if is_cyrillic(c) {
            cyrillic = true;
        } else if c.is_ascii_alphabetic() {
            latin = true;
        } else if c.is_alphabetic() {
            return Script::Other;
        }
    }
    match (kazakh, cyrillic, latin) {
        (true, _, false) => Script::Kazakh,
        (false, true, false) => Script::Cyrillic,
        (false, false, true) => Script::Latin,
        _ => Script::Other,
    }
}

/// The stem of a folded word (see the module doc for which stemmer).
pub fn stem(folded: &str) -> String {
    // `Stemmer::create` only stores a function pointer: creating one per word
    // costs nothing.
    let algorithm = match script_of(folded) {
        Script::Cyrillic => Algorithm::Russian,
        Script::Latin => Algorithm::English,
        Script::Kazakh | Script::Other => return folded.to_string(),
    };
    Stemmer::create(algorithm).stem(folded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_read_from_the_letters() {
        assert_eq!(script_of("переговоры"), Script::Cyrillic);
        assert_eq!(script_of("келіссөз"), Script::Kazakh);
        assert_eq!(script_of("talks"), Script::Latin);
        assert_eq!(script_of("2024"), Script::Other);
    }

    #[test]
    fn russian_stemming_removes_case_endings() {
        assert_eq!(stem("посредничества"), stem("посредничество"));
        assert_eq!(stem("урегулирования"), stem("урегулирование"));
        assert_ne!(stem("мирные"), stem("мира"));
    }
}
