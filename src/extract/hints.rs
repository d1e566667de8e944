//! What an element's `class` and `id` say about it.
//!
//! Sites name their containers for what they hold (`article-body`,
//! `related-news`, `share-buttons`, `comments`), in English even on Russian
//! and Kazakh sites. The word lists follow the ones Readability.js has tuned on
//! real pages since 2010 (its `REGEXPS.positive/negative/unlikelyCandidates`),
//! extended with words seen on news sites of the region (`read-also`,
//! `subscribe`, `cookie`, `paywall`). One Aho-Corasick pass per attribute
//! finds every listed word, ASCII case-insensitively, as a substring — the
//! same test Readability's regular expressions make, in one scan of the
//! attribute instead of one per expression.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// The name suggests main content (`+25` to a candidate's score).
pub(super) const POSITIVE: u8 = 1;
/// The name suggests boilerplate (`-25`).
pub(super) const NEGATIVE: u8 = 2;
/// The name marks something that is almost never article text (menus,
/// comments, sidebars): removed before scoring unless [`MAYBE`] also matches.
pub(super) const UNLIKELY: u8 = 4;
/// Words that rescue an [`UNLIKELY`] match (`main-sidebar` no, but
/// `article-header-and-body` yes).
pub(super) const MAYBE: u8 = 8;
/// Small parts that never belong in the text even inside the content:
/// share bars, bylines, "read also" boxes, subscription prompts.
pub(super) const JUNK: u8 = 16;
/// A caption: text about a picture, not part of the article's text.
pub(super) const CAPTION: u8 = 32;

const WORDS: &[(&str, u8)] = &[
    // Main-content words.
    ("article", POSITIVE | MAYBE),
    ("body", POSITIVE | MAYBE),
    ("content", POSITIVE | MAYBE),
    ("entry", POSITIVE),
    ("hentry", POSITIVE),
    ("main", POSITIVE | MAYBE),
    ("page", POSITIVE),
    ("post", POSITIVE),
    ("text", POSITIVE),
    ("blog", POSITIVE),
    ("story", POSITIVE),
    ("column", MAYBE),
    ("and", MAYBE),
    ("shadow", MAYBE),
    ("mathjax", MAYBE),
    // Boilerplate words.
    ("-ad-", NEGATIVE | UNLIKELY),
    ("ad-break", UNLIKELY),
    ("agegate", UNLIKELY),
    ("ai2html", UNLIKELY),
    ("banner", NEGATIVE | UNLIKELY),
    ("breadcrumb", UNLIKELY),
    ("combx", NEGATIVE | UNLIKELY),
    ("comment", NEGATIVE | UNLIKELY),
    ("community", UNLIKELY),
    ("com-", NEGATIVE),
    ("contact", NEGATIVE),
    ("cookie", NEGATIVE | UNLIKELY),
    ("cover-wrap", UNLIKELY),
    ("disqus", UNLIKELY),
    ("extra", UNLIKELY),
    ("footer", NEGATIVE | UNLIKELY),
    ("gdpr", NEGATIVE | UNLIKELY),
    ("header", UNLIKELY),
    ("legends", UNLIKELY),
    ("masthead", NEGATIVE),
    ("media", NEGATIVE),
    ("menu", UNLIKELY),
    ("meta", NEGATIVE),
    ("outbrain", NEGATIVE),
    ("pager", UNLIKELY),
    ("pagination", UNLIKELY),
    ("popup", UNLIKELY),
    ("promo", NEGATIVE),
    ("related", NEGATIVE | UNLIKELY),
    ("remark", UNLIKELY),
    ("replies", UNLIKELY),
    ("rss", UNLIKELY),
    ("scroll", NEGATIVE),
    ("share", NEGATIVE | JUNK),
    ("sharing", JUNK),
    ("hidden", NEGATIVE),
    ("shopping", NEGATIVE),
    ("shoutbox", NEGATIVE | UNLIKELY),
    ("sidebar", NEGATIVE | UNLIKELY),
    ("skyscraper", NEGATIVE | UNLIKELY),
    ("social", UNLIKELY | JUNK),
    ("sponsor", NEGATIVE | UNLIKELY),
    ("supplemental", UNLIKELY),
    ("tags", NEGATIVE),
    ("widget", NEGATIVE),
    ("yom-remote", UNLIKELY),
    ("subscri", JUNK),
    ("newsletter", JUNK),
    ("caption", CAPTION),
    ("credit", CAPTION),
    ("byline", JUNK),
    ("author", JUNK),
    ("read-also", JUNK),
    ("readalso", JUNK),
    ("read-more", JUNK),
    ("readmore", JUNK),
    ("see-also", JUNK),
];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        // A DFA: bigger to build, fastest to run, and it runs on every
        // class and id of every page.
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(WORDS.iter().map(|(w, _)| w))
        // The word list is a constant of plain ASCII words; building an
        // automaton from it cannot fail (a test below builds it).
        .expect("constant word list")
});

/// The hint bits of one attribute value.
pub(super) fn of(value: &str) -> u8 {
    if value.is_empty() {
        return 0;
    }
    let mut bits = 0;
    for m in MATCHER.find_overlapping_iter(value) {
        bits |= WORDS[m.pattern().as_usize()].1;
    }
    bits
}

/// Openings of "read also" lines and related-links headings, lower case,
/// in the languages of the sources (Russian, Kazakh, English).
const SEE_ALSO: &[&str] = &[
    // Russian
    "читайте также",
    "читать также",
    "также читайте",
    "читайте еще",
    "читайте ещё",
    "смотрите также",
    "см. также",
    "по теме",
    "новости по теме",
    "материалы по теме",
    "похожие новости",
    "другие новости",
    "рекомендуем",
    "подписывайтесь",
    "подпишитесь",
    // Kazakh
    "сондай-ақ оқыңыз",
    "сондай-ақ қараңыз",
    "оқи отырыңыз",
    "тағы оқыңыз",
    "тақырып бойынша",
    "жазылыңыз",
    // English
    "read also",
    "also read",
    "read more",
    "see also",
    "see more",
    "related",
    "more from",
    "more on this",
    "recommended",
    "you may also like",
    "you might also like",
    "don't miss",
    "don’t miss",
    "trending",
    "sign up",
    "subscribe",
];

/// Openings of links that lead out of the article ("Подробнее о …"). As
/// the first words of a sentence they can be prose, as a link's whole text
/// they are not.
const LINK_OUT: &[&str] = &[
    "подробнее",
    "читать далее",
    "читать полностью",
    "читать дальше",
    "толығырақ",
    "толық оқу",
    "continue reading",
    "full story",
];

/// If a text opens like a "read also" line, the length (in characters) of
/// that opening.
pub(super) fn see_also_prefix(text: &str) -> Option<usize> {
    prefix_in(text, SEE_ALSO)
}

/// If a link's text opens like a link out of the article ("Подробнее",
/// "Read more", "Читайте также"), the length of that opening.
pub(super) fn link_out_prefix(text: &str) -> Option<usize> {
    prefix_in(text, LINK_OUT).or_else(|| prefix_in(text, SEE_ALSO))
}

fn prefix_in(text: &str, phrases: &[&str]) -> Option<usize> {
    let t = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    let head: String = t.chars().take(24).flat_map(char::to_lowercase).collect();
    phrases
        .iter()
        .find(|p| {
            head.starts_with(*p)
                && !head[p.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        })
        .map(|p| p.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_also_lines_are_recognised_by_their_opening() {
        assert_eq!(see_also_prefix("Читайте также: Курс тенге"), Some(13));
        assert_eq!(see_also_prefix("» СОНДАЙ-АҚ ОҚЫҢЫЗ: Алматыда"), Some(16));
        assert_eq!(see_also_prefix("READ MORE: China plague outbreak"), Some(9));
        assert_eq!(see_also_prefix("Related articles"), Some(7));
        // A word that merely starts the same way is not the phrase.
        assert_eq!(see_also_prefix("Relatedness of species"), None);
        assert_eq!(see_also_prefix("Подробнее о ситуации рассказал"), None);
        assert_eq!(see_also_prefix("Президент подписал указ"), None);
    }

    #[test]
    fn names_are_matched_as_case_insensitive_substrings() {
        assert_eq!(of("ArticleBody") & POSITIVE, POSITIVE);
        assert_eq!(of("right-SIDEBAR") & UNLIKELY, UNLIKELY);
        assert_eq!(
            of("article-comments") & (UNLIKELY | MAYBE),
            UNLIKELY | MAYBE
        );
        assert_eq!(of("b-share__item") & JUNK, JUNK);
        assert_eq!(of("x7f3a"), 0);
        assert_eq!(of(""), 0);
    }
}
