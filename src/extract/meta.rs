//! What a page says about itself: title, author, publication date, lead
//! image and language.
//!
//! In: the [`Dom`] and the page URL. Out: [`Meta`]. Sources, most trusted
//! first: schema.org JSON-LD (`NewsArticle` and friends, what news CMSs emit
//! for search engines), OpenGraph / Twitter / Dublin Core `<meta>` tags,
//! microdata `itemprop`, then the document itself (`<h1>`, `<title>`,
//! `<html lang>`). Language is detected from the extracted text
//! ([`detect_lang`]) because `<html lang>` is often a CMS default.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use url::Url;

use super::dom::{Dom, Tag};

#[derive(Debug, Default)]
pub(super) struct Meta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lead_image: Option<Url>,
    /// `<html lang>`, as written.
    pub html_lang: Option<String>,
    /// Every title the page declares (JSON-LD, OpenGraph, `<title>`), to
    /// recognise the headline when it repeats inside the content.
    pub titles: Vec<String>,
}

/// Candidates per field, by source; the first non-empty one wins.
#[derive(Default)]
struct Found {
    ld_title: Option<String>,
    og_title: Option<String>,
    h1: Option<String>,
    doc_title: Option<String>,
    ld_author: Option<String>,
    meta_author: Option<String>,
    ld_date: Option<String>,
    meta_date: Option<String>,
    ld_image: Option<String>,
    meta_image: Option<String>,
}

fn set(slot: &mut Option<String>, v: &str) {
    let v = v.trim();
    if slot.is_none() && !v.is_empty() {
        *slot = Some(collapse(v));
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an element's subtree, whitespace collapsed.
fn text_of(dom: &Dom<'_>, i: usize) -> String {
    let mut s = String::new();
    for n in &dom.nodes[i..dom.nodes[i].end as usize] {
        if n.tag == Tag::Text {
            s.push_str(n.text);
        }
    }
    collapse(&s)
}

pub(super) fn read(dom: &Dom<'_>, url: &Url) -> Meta {
    let mut f = Found::default();
    let mut html_lang = None;
    for (i, n) in dom.nodes.iter().enumerate() {
        match n.tag {
            Tag::Html if html_lang.is_none() => {
                html_lang = n.attr("lang").map(|l| l.trim().to_string());
            }
            Tag::Title if f.doc_title.is_none() => {
                let t = text_of(dom, i);
                set(&mut f.doc_title, &t);
            }
            Tag::H1 if f.h1.is_none() => {
                let t = text_of(dom, i);
                set(&mut f.h1, &t);
            }
            Tag::Meta => {
                let key = n.attr("property").or_else(|| n.attr("name"));
                let (Some(key), Some(content)) = (key, n.attr("content")) else {
                    microdata(n, &mut f);
                    continue;
                };
                match key.trim().to_ascii_lowercase().as_str() {
                    "og:title" | "twitter:title" => set(&mut f.og_title, content),
                    "og:image"
                    | "og:image:url"
                    | "og:image:secure_url"
                    | "twitter:image"
                    | "twitter:image:src" => set(&mut f.meta_image, content),
                    "article:published_time"
                    | "datepublished"
                    | "date"
                    | "pubdate"
                    | "publish-date"
                    | "publishdate"
                    | "dc.date"
                    | "dc.date.issued"
                    | "dcterms.date"
                    | "dcterms.created"
                    | "parsely-pub-date"
                    | "sailthru.date"
                    | "og:article:published_time" => set(&mut f.meta_date, content),
                    // article:author is often a profile URL, not a name.
                    "author" | "article:author" | "byl" | "dc.creator" | "dcterms.creator"
                    | "parsely-author" | "sailthru.author"
                        if !content.trim_start().starts_with("http") =>
                    {
                        set(&mut f.meta_author, content.trim_start_matches("By "))
                    }
                    _ => {}
                }
            }
            Tag::Script
                if n.attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) =>
            {
                let body = text_of_raw(dom, i);
                if let Ok(v) = serde_json::from_str::<Value>(body.trim()) {
                    json_ld(&v, &mut f, 0);
                }
            }
            _ => {}
        }
        if n.tag == Tag::Time {
            microdata(n, &mut f);
        }
    }
    let titles = [&f.ld_title, &f.og_title, &f.doc_title]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let title = f.ld_title.or(f.og_title).or(f.h1).or(f.doc_title);
    let author = f.ld_author.or(f.meta_author);
    let published = f
        .ld_date
        .as_deref()
        .and_then(parse_date)
        .or_else(|| f.meta_date.as_deref().and_then(parse_date));
    let lead_image = f
        .ld_image
        .iter()
        .chain(f.meta_image.iter())
        .filter_map(|s| url.join(s.trim()).ok())
        .find(|u| matches!(u.scheme(), "http" | "https"));
    Meta {
        title,
        author,
        published,
        lead_image,
        html_lang,
        titles,
    }
}

/// Is `heading` the page's title again? True when at least three quarters
/// of its words (by length) are words of one of the titles — the test
/// Readability.js applies (`_headerDuplicatesTitle`), so a title with a
/// site name appended still matches its headline.
pub(super) fn is_title(heading: &str, titles: &[String]) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let h = words(heading);
    let total: usize = h.iter().map(|w| w.chars().count()).sum();
    if total == 0 {
        return false;
    }
    titles.iter().any(|t| {
        let t = words(t);
        let unique: usize = h
            .iter()
            .filter(|w| !t.contains(w))
            .map(|w| w.chars().count())
            .sum();
        unique * 4 <= total
    })
}

/// schema.org microdata on a `<meta itemprop content>` or `<time itemprop
/// datetime>`, the elements that carry it as a value; looking only there
/// spares reading every element's attributes a second time.
fn microdata(n: &super::dom::Node<'_>, f: &mut Found) {
    match n.attr("itemprop") {
        Some("datePublished") => {
            if let Some(v) = n.attr("content").or_else(|| n.attr("datetime")) {
                set(&mut f.meta_date, v);
            }
        }
        Some("author") => {
            if let Some(v) = n.attr("content") {
                set(&mut f.meta_author, v);
            }
        }
        _ => {}
    }
}

/// Raw text of a script element (not whitespace-collapsed).
fn text_of_raw<'a>(dom: &Dom<'a>, i: usize) -> std::borrow::Cow<'a, str> {
    let end = dom.nodes[i].end as usize;
    if end == i + 2 {
        return std::borrow::Cow::Borrowed(dom.nodes[i + 1].text);
    }
    let mut s = String::new();
    for n in &dom.nodes[i + 1..end] {
        s.push_str(n.text);
    }
    std::borrow::Cow::Owned(s)
}

fn is_article_type(v: &Value) -> bool {
    let is = |t: &str| {
        t.ends_with("Article")
            || matches!(
                t,
                "BlogPosting" | "Report" | "LiveBlogPosting" | "WebPage" | "SocialMediaPosting"
            )
    };
    match v.get("@type") {
        Some(Value::String(t)) => is(t),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(is)),
        _ => false,
    }
}

fn json_ld(v: &Value, f: &mut Found, depth: u32) {
    // JSON-LD nests (@graph, mainEntity); a bound keeps hostile input cheap.
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                json_ld(item, f, depth + 1);
            }
        }
        Value::Object(o) => {
            if is_article_type(v) {
                if let Some(Value::String(h)) = o.get("headline").or_else(|| o.get("name")) {
                    set(&mut f.ld_title, h);
                }
                if let Some(Value::String(d)) = o.get("datePublished") {
                    set(&mut f.ld_date, d);
                }
                if let Some(a) = o.get("author").and_then(|a| name_of(a, 0)) {
                    set(&mut f.ld_author, &a);
                }
                if let Some(i) = o.get("image").and_then(|i| image_of(i, 0)) {
                    set(&mut f.ld_image, &i);
                }
            }
            for key in ["@graph", "mainEntity", "mainEntityOfPage"] {
                if let Some(inner) = o.get(key)
                    && !inner.is_string()
                {
                    json_ld(inner, f, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn name_of(v: &Value, depth: u32) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("name").and_then(|n| n.as_str()).map(str::to_string),
        Value::Array(items) if depth == 0 => {
            let names: Vec<String> = items.iter().filter_map(|i| name_of(i, 1)).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

fn image_of(v: &Value, depth: u32) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("url")
            .or_else(|| o.get("contentUrl"))
            .and_then(|u| u.as_str())
            .map(str::to_string),
        Value::Array(items) if depth == 0 => items.iter().find_map(|i| image_of(i, 1)),
        _ => None,
    }
}

/// Dates as news pages write them in metadata: RFC 3339 and its common
/// near-misses (`+0300` without colon, space instead of `T`, no zone — taken
/// as UTC — or a bare date), and RFC 2822.
pub(super) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// ISO 639-1 code of the text's language.
///
/// The languages most sources write in are told by their letters and
/// words, which is exact where it applies and nearly free: whatlang has no
/// Kazakh model (it reads Kazakh as Russian or another Cyrillic language),
/// and comparing an English text with all its trigram profiles cost 170 µs
/// per article, 15% of parsing the page.
///
/// * Kazakh: ә ғ қ ң ө ұ ү һ і are not Russian letters, and қ and ұ are in
///   no other Cyrillic alphabet whatlang knows.
/// * Belarusian has ў, Ukrainian ї є ґ (and і without Russian's ы э ъ),
///   Russian ы э ъ ё.
/// * English: its commonest function words make over a sixth of the words
///   of running English text and a few percent of other languages'.
///
/// Anything else goes to whatlang, limited to [`LANGS`]; when that is not
/// sure, the page's `<html lang>` is used.
pub(super) fn detect_lang(text: &str, html_lang: Option<&str>) -> Option<String> {
    let sample = match text.char_indices().nth(300) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let (mut letters, mut cyrillic) = (0u32, 0u32);
    let (mut kazakh, mut kazakh_only) = (0u32, 0u32);
    let (mut i_dotted, mut ukrainian, mut belarusian, mut russian) = (0u32, 0u32, 0u32, 0u32);
    for c in sample.chars() {
        if !c.is_alphabetic() {
            continue;
        }
        letters += 1;
        if !('\u{400}'..='\u{4ff}').contains(&c) {
            continue;
        }
        cyrillic += 1;
        match c {
            'қ' | 'Қ' | 'ұ' | 'Ұ' => {
                kazakh += 1;
                kazakh_only += 1;
            }
            'ә' | 'Ә' | 'ғ' | 'Ғ' | 'ң' | 'Ң' | 'ө' | 'Ө' | 'ү' | 'Ү' | 'һ' | 'Һ' => {
                kazakh += 1
            }
            'і' | 'І' => {
                kazakh += 1;
                i_dotted += 1;
            }
            'ї' | 'Ї' | 'є' | 'Є' | 'ґ' | 'Ґ' => ukrainian += 1,
            'ў' | 'Ў' => belarusian += 1,
            'ы' | 'Ы' | 'э' | 'Э' | 'ъ' | 'Ъ' | 'ё' | 'Ё' => russian += 1,
            _ => {}
        }
    }
    let code = if cyrillic >= 20 && cyrillic * 2 >= letters {
        // Kazakh prose has about 8% of its letters; 2% leaves room for short
        // texts while a Russian text quoting one Kazakh name stays Russian.
        if kazakh_only > 0 && kazakh * 50 >= cyrillic {
            Some("kk")
        } else if belarusian > 0 {
            Some("be")
        } else if ukrainian > 0 || (i_dotted > 0 && russian == 0) {
            Some("uk")
        } else if russian > 0 {
            Some("ru")
        } else {
            None
        }
    } else if letters >= 20 && is_english(sample) {
        Some("en")
    } else {
        None
    };
    if let Some(code) = code {
        return Some(code.to_string());
    }
    if let Some(info) = DETECTOR.detect(sample)
        && info.is_reliable()
        && let Some((_, code)) = LANGS.iter().find(|(l, _)| *l == info.lang())
    {
        return Some(code.to_string());
    }
    html_lang
        .and_then(|l| l.split(['-', '_']).next())
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase()))
}

/// Do English function words make at least a sixth of the words?
fn is_english(sample: &str) -> bool {
    const WORDS: &[&str] = &[
        "the", "and", "of", "to", "that", "is", "was", "for", "with", "this", "from", "are",
        "have", "has", "it", "by", "at", "which", "will", "were", "his", "her", "they", "their",
    ];
    let (mut total, mut hits) = (0u32, 0u32);
    for w in sample.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        total += 1;
        if w.len() <= 5 && WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            hits += 1;
        }
    }
    total >= 8 && hits * 6 >= total
}

/// The languages whatlang chooses among, with their ISO 639-1 codes: the
/// region's (Russian, Ukrainian, Belarusian, Uzbek, Azerbaijani, Turkish —
/// Kazakh is found by its letters, above), the languages `topics` can stem,
/// and the big scripts' own. whatlang compares the text with the trigram
/// profile of every candidate language; with all 69 it took 170 µs per
/// English article (15% of parsing the page), with these 20 about 40 µs
/// (and [`detect_lang`] needs it only for the languages it does not know
/// by their letters or words).
const LANGS: &[(whatlang::Lang, &str)] = {
    use whatlang::Lang::*;
    &[
        (Eng, "en"),
        (Rus, "ru"),
        (Ukr, "uk"),
        (Bel, "be"),
        (Uzb, "uz"),
        (Aze, "az"),
        (Tur, "tr"),
        (Deu, "de"),
        (Fra, "fr"),
        (Spa, "es"),
        (Por, "pt"),
        (Ita, "it"),
        (Nld, "nl"),
        (Pol, "pl"),
        (Cmn, "zh"),
        (Jpn, "ja"),
        (Kor, "ko"),
        (Ara, "ar"),
        (Pes, "fa"),
        (Heb, "he"),
    ]
};

static DETECTOR: LazyLock<whatlang::Detector> =
    LazyLock::new(|| whatlang::Detector::with_allowlist(LANGS.iter().map(|(l, _)| *l).collect()));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_is_told_from_russian_by_its_letters() {
        let kk = "Қазақстан Республикасының Президенті бүгін Астанада шетелдік инвесторлармен кездесу өткізді.";
        let ru = "Президент Казахстана сегодня провёл в Астане встречу с иностранными инвесторами.";
        assert_eq!(detect_lang(kk, None).as_deref(), Some("kk"));
        assert_eq!(detect_lang(ru, Some("kk")).as_deref(), Some("ru"));
    }

    #[test]
    fn languages_are_told_by_letters_words_or_trigrams() {
        let cases = [
            (
                "en",
                "The government said on Tuesday that the new law, which was passed by parliament last week, will come into force in January.",
            ),
            (
                "uk",
                "Уряд заявив, що новий закон, який парламент ухвалив минулого тижня, набуде чинності в січні.",
            ),
            (
                "de",
                "Die Regierung teilte am Dienstag mit, dass das neue Gesetz, das das Parlament vergangene Woche verabschiedet hat, im Januar in Kraft tritt.",
            ),
            (
                "ru",
                "Правительство заявило во вторник, что новый закон, принятый парламентом на прошлой неделе, вступит в силу в январе.",
            ),
        ];
        for (want, text) in cases {
            assert_eq!(detect_lang(text, None).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn html_lang_is_the_fallback_for_undecidable_text() {
        assert_eq!(detect_lang("12 345", Some("ru-RU")).as_deref(), Some("ru"));
        assert_eq!(detect_lang("", Some("")), None);
    }

    #[test]
    fn a_headline_is_recognised_in_a_title_with_the_site_name() {
        let titles = vec!["Токаев подписал закон о СМИ | Новости Казахстана".to_string()];
        assert!(is_title("Токаев подписал закон о СМИ", &titles));
        assert!(!is_title("Что изменится для журналистов", &titles));
        assert!(!is_title("", &titles));
    }

    #[test]
    fn metadata_dates_in_common_shapes_parse() {
        let want = "2024-03-05T06:00:00Z";
        for s in [
            "2024-03-05T09:00:00+03:00",
            "2024-03-05T09:00:00+0300",
            "2024-03-05 09:00:00+03:00",
            "Tue, 05 Mar 2024 09:00:00 +0300",
        ] {
            assert_eq!(
                parse_date(s)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .as_deref(),
                Some(want),
                "{s}"
            );
        }
        assert_eq!(
            parse_date("2024-03-05")
                .map(|d| d.date_naive().to_string())
                .as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(parse_date("вчера"), None);
    }
}
