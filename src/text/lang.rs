//! Language detection per article.
//!
//! whatlang (trigram models, no I/O) covers Russian and English but not
//! Kazakh, which it reports as Russian or Tatar. Kazakh is recognised first
//! by its own letters: ә ғ қ ң ө ұ ү һ make up several percent of the letters
//! of any Kazakh text and never occur in Russian.

use whatlang::Lang;

use super::normalize::is_cyrillic;
use super::stem::is_kazakh_letter;

/// How much text is looked at. whatlang's cost grows with the input (about
/// 0.1 µs per character, see BENCHMARKS.md), and the first thousand
/// characters of an article — title and lead — decide its language as well
/// as the whole.
const SAMPLE_CHARS: usize = 1000;

/// Share of Kazakh-only letters among Cyrillic letters above which a text is
/// Kazakh. In Kazakh news these letters are 6–10 % of all letters; Russian
/// text quoting a Kazakh name ("Тоқаев", "Қасым-Жомарт") stays well under 1 %.
/// і alone is not counted: Ukrainian and Belarusian use it too.
const KAZAKH_SHARE: f64 = 0.015;

/// The ISO 639-1 code ("ru", "kk", "en", …) of the language `text` is
/// written in, or `None` when there is too little text to tell.
pub fn detect_language(text: &str) -> Option<String> {
    let sample: String = text.chars().take(SAMPLE_CHARS).collect();
    let mut cyrillic = 0usize;
    let mut kazakh = 0usize;
    let mut letters = 0usize;
    for c in sample.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if is_cyrillic(c) {
            cyrillic += 1;
            if is_kazakh_letter(c) && !matches!(c, 'і' | 'І') {
                kazakh += 1;
            }
        }
    }
    if letters < 3 {
        return None;
    }
    if cyrillic * 2 > letters && kazakh as f64 / cyrillic as f64 >= KAZAKH_SHARE {
        return Some("kk".to_string());
    }
    let lang = whatlang::detect_lang(&sample)?;
    Some(iso_639_1(lang).unwrap_or(lang.code()).to_string())
}

/// ISO 639-1 codes for the languages a Central Asian news reader meets;
/// others keep whatlang's ISO 639-3 code.
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Rus => "ru",
        Lang::Eng => "en",
        Lang::Ukr => "uk",
        Lang::Bel => "be",
        Lang::Tur => "tr",
        Lang::Uzb => "uz",
        Lang::Deu => "de",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Ita => "it",
        Lang::Por => "pt",
        Lang::Pol => "pl",
        Lang::Cmn => "zh",
        Lang::Ara => "ar",
        Lang::Pes => "fa",
        Lang::Aze => "az",
        Lang::Kat => "ka",
        Lang::Hye => "hy",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_kazakh_and_english_are_told_apart() {
        assert_eq!(
            detect_language(
                "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с делегацией."
            )
            .as_deref(),
            Some("ru")
        );
        assert_eq!(
            detect_language(
                "Қазақстан Президенті Қасым-Жомарт Тоқаев делегациямен келіссөздер жүргізді."
            )
            .as_deref(),
            Some("kk")
        );
        assert_eq!(
            detect_language("The President of Kazakhstan held talks with the delegation.")
                .as_deref(),
            Some("en")
        );
    }

    #[test]
    fn a_russian_text_quoting_a_kazakh_name_stays_russian() {
        let text = "Глава государства Касым-Жомарт Тоқаев заявил, что переговоры \
                    между сторонами продолжатся в Астане на следующей неделе, \
                    и выразил надежду на скорое подписание мирного соглашения.";
        assert_eq!(detect_language(text).as_deref(), Some("ru"));
    }

    #[test]
    fn too_little_text_has_no_language() {
        assert_eq!(detect_language("12 — 3"), None);
    }
}
