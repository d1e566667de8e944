//! Bytes from the network -> UTF-8 text, decoded by us.
//!
//! In: a response body, what kind of document it is (a feed or an HTML page),
//! the HTTP `Content-Type` header, the source's configured `encoding`
//! override and the host's top-level domain. Out: [`Decoded`], the text as a
//! `String` plus which charset was used and why, so a caller can log a
//! mislabelled source once. Never fails: undecodable bytes become U+FFFD and
//! [`Decoded::replaced`] says so. Never does I/O.
//!
//! Why not `reqwest::Response::text()` or feed-rs's own decoding: both trust
//! the label, and Cyrillic news sites label windows-1251 bytes as UTF-8 often
//! enough that trusting it stores mojibake (`hostile/utf8-declared-but-cp1251.xml`
//! is the shape). The order of evidence follows the HTML standard's
//! "determining the character encoding" (§13.2.3.2) and XML 1.0 Appendix F:
//!
//! 1. the source's `encoding` override (a person looked at the bytes);
//! 2. a byte order mark, or the zero-byte pattern of UTF-16/UTF-32 XML;
//! 3. the HTTP `charset` parameter;
//! 4. the XML declaration's `encoding`, or for pages `<meta charset>` /
//!    `<meta http-equiv="Content-Type">`, searched through the first 64 KiB
//!    (not the standard's 1 KiB: real pages put it after kilobytes of inline
//!    scripts and JSON-LD);
//! 5. detection (`chardetng`, the detector Firefox uses).
//!
//! A label of UTF-8 is checked: bytes that are mostly not UTF-8 are detected
//! instead, and the ignored label is reported.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::Encoding;

/// How far into a page to look for `<meta charset>`. The HTML standard's
/// prescan stops at 1024 bytes; pages with analytics and JSON-LD in `<head>`
/// put the tag 5–30 KiB in, so 64 KiB leaves room without scanning whole
/// articles.
const META_SCAN_LIMIT: usize = 64 * 1024;

/// How far into a feed to look for the XML declaration. It must come first
/// (XML 1.0 §2.8), but 16 feeds in the corpus have blank lines before it.
const DECLARATION_SCAN_LIMIT: usize = 1024;

/// What kind of document the bytes are; it decides where the in-document
/// label is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// RSS, Atom or JSON Feed: the label is the XML declaration.
    Feed,
    /// An HTML page: the label is a `<meta>` tag.
    Page,
}

/// A character encoding: one of the WHATWG encodings `encoding_rs` knows, or
/// UTF-32, which the web dropped but XML feeds still use (feedparser's test
/// suite carries two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Web(&'static Encoding),
    Utf32Le,
    Utf32Be,
}

impl Charset {
    /// The charset a label names (`"windows-1251"`, `"cp1251"`, `"koi8-r"`,
    /// `"utf-32"`, …), per the WHATWG Encoding Standard's label table plus
    /// UTF-32. `None` for unknown labels and for labels that map to the
    /// standard's "replacement" encoding (ISO-2022-KR and friends), which
    /// decodes everything to a single U+FFFD.
    pub fn for_label(label: &str) -> Option<Charset> {
        let label = label.trim().trim_matches(|c| c == '"' || c == '\'');
        match label.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-32" | "utf32" | "utf-32le" | "ucs-4" | "ucs4" | "iso-10646-ucs-4" => {
                return Some(Charset::Utf32Le);
            }
            "utf-32be" => return Some(Charset::Utf32Be),
            _ => {}
        }
        match Encoding::for_label(label.as_bytes()) {
            Some(encoding) if encoding == encoding_rs::REPLACEMENT => None,
            Some(encoding) => Some(Charset::Web(encoding)),
            None => None,
        }
    }

    /// The charset's canonical name ("windows-1251", "UTF-8", "UTF-32LE").
    pub fn name(self) -> &'static str {
        match self {
            Charset::Web(encoding) => encoding.name(),
            Charset::Utf32Le => "UTF-32LE",
            Charset::Utf32Be => "UTF-32BE",
        }
    }

    fn is_utf8(self) -> bool {
        self == Charset::Web(encoding_rs::UTF_8)
    }

    /// True for charsets whose bytes cannot be read as ASCII; a label naming
    /// one inside ASCII-readable text is wrong by construction.
    fn is_wide(self) -> bool {
        match self {
            Charset::Utf32Le | Charset::Utf32Be => true,
            Charset::Web(encoding) => {
                encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE
            }
        }
    }

    /// Decodes `bytes` (without a BOM), replacing malformed sequences with
    /// U+FFFD; the flag says whether any were replaced.
    fn decode(self, bytes: &[u8]) -> (String, bool) {
        match self {
            Charset::Web(encoding) => {
                let (text, replaced) = encoding.decode_without_bom_handling(bytes);
                (text.into_owned(), replaced)
            }
            Charset::Utf32Le => decode_utf32(bytes, u32::from_le_bytes),
            Charset::Utf32Be => decode_utf32(bytes, u32::from_be_bytes),
        }
    }
}

/// What the caller knows besides the bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The source's configured `encoding`, which beats every other clue.
    pub override_charset: Option<Charset>,
    /// The response's `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The host's rightmost DNS label ("kz", "ru"), which tunes detection.
    pub tld: Option<&'a str>,
}

/// Which clue chose the charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// The source's `encoding` setting.
    Override,
    /// A byte order mark.
    ByteOrderMark,
    /// The zero bytes of UTF-16/UTF-32 text that starts with ASCII (XML 1.0
    /// Appendix F).
    ZeroBytePattern,
    /// The HTTP `charset` parameter.
    HttpHeader,
    /// The XML declaration or the page's `<meta>` tag.
    InDocumentLabel,
    /// The bytes are valid UTF-8 and nothing said otherwise.
    ValidUtf8,
    /// Statistical detection. `ignored_label` is the label that was present
    /// but contradicted by the bytes (a "UTF-8" feed full of windows-1251).
    Detected { ignored_label: Option<Charset> },
}

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte order mark.
    pub text: String,
    pub charset: Charset,
    pub decided_by: DecidedBy,
    /// Some bytes were malformed in `charset` and became U+FFFD.
    pub replaced: bool,
}

/// Decodes a response body to UTF-8; see the module documentation for the
/// order in which clues are trusted.
pub fn decode(bytes: &[u8], kind: DocumentKind, hints: &Hints<'_>) -> Decoded {
    if let Some(charset) = hints.override_charset {
        let body = match byte_order_mark(bytes) {
            Some((bom_charset, len)) if bom_charset == charset => &bytes[len..],
            _ => bytes,
        };
        return finish(body, charset, DecidedBy::Override);
    }
    if let Some((charset, len)) = byte_order_mark(bytes) {
        return finish(&bytes[len..], charset, DecidedBy::ByteOrderMark);
    }
    if let Some(charset) = zero_byte_pattern(bytes) {
        return finish(bytes, charset, DecidedBy::ZeroBytePattern);
    }
    // We got here, so the bytes are ASCII-compatible: a label naming UTF-16
    // or UTF-32 is wrong (HTML §13.2.3.2 turns such a meta label into UTF-8).
    let usable = |charset: Charset| (!charset.is_wide()).then_some(charset);
    let label = hints
        .content_type
        .and_then(charset_from_content_type)
        .and_then(usable)
        .map(|charset| (charset, DecidedBy::HttpHeader))
        .or_else(|| {
            let in_document = match kind {
                DocumentKind::Feed => xml_declared_encoding(bytes),
                DocumentKind::Page => meta_charset(bytes),
            };
            in_document
                .and_then(|label| Charset::for_label(&label))
                .and_then(usable)
                .map(|charset| (charset, DecidedBy::InDocumentLabel))
        });
    let utf8 = Charset::Web(encoding_rs::UTF_8);
    match (label, utf8_evidence(bytes)) {
        // Valid UTF-8 with multi-byte characters is UTF-8 whatever a legacy
        // label says: text in a single- or double-byte legacy encoding
        // practically never forms valid UTF-8 sequences, while CMSs that
        // keep a stale `encoding="ISO-8859-1"` prolog over UTF-8 content do
        // exist (miniflux keeps `encoding/utf8-incorrect-prolog.xml` for it).
        (Some((charset, _)), Utf8Evidence::Valid { multibyte })
            if !charset.is_utf8() && multibyte > 0 =>
        {
            finish(
                bytes,
                utf8,
                DecidedBy::Detected {
                    ignored_label: Some(charset),
                },
            )
        }
        (Some((charset, decided_by)), _) if !charset.is_utf8() => {
            finish(bytes, charset, decided_by)
        }
        (Some((charset, _)), Utf8Evidence::MostlyInvalid) => {
            detect(bytes, hints.tld, Some(charset))
        }
        (Some((charset, decided_by)), _) => finish(bytes, charset, decided_by),
        // XML 1.0 §4.3.3: without a BOM or declaration a document is UTF-8;
        // for pages the same guess is right for almost all of today's web,
        // and it is checked here anyway.
        (None, Utf8Evidence::Valid { .. }) => finish(bytes, utf8, DecidedBy::ValidUtf8),
        (None, Utf8Evidence::MostlyValid | Utf8Evidence::MostlyInvalid) => {
            detect(bytes, hints.tld, None)
        }
    }
}

/// The text to hand to feed-rs: `decoded` without its XML declaration.
///
/// feed-rs decodes again by itself (its quick-xml reader switches decoder
/// when the declaration names an encoding), so UTF-8 text still saying
/// `encoding="windows-1251"` would be decoded twice into mojibake or an
/// error. A document without a declaration is UTF-8 by XML 1.0 §4.3.3, and
/// dropping the declaration also drops the blank lines some feeds put before
/// it, which make the document ill-formed (XML 1.0 §2.8).
pub fn without_xml_declaration(decoded: &str) -> &str {
    let start = decoded.trim_start();
    if !start.starts_with("<?xml") {
        return decoded;
    }
    let is_declaration = start[5..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_whitespace() || c == '?');
    if !is_declaration {
        // `<?xml-stylesheet …?>` is a processing instruction, not the declaration.
        return decoded;
    }
    match start.find("?>") {
        Some(end) => &start[end + 2..],
        None => decoded,
    }
}

/// The charset named by a `Content-Type` header's `charset` parameter
/// (RFC 9110 §8.3.2), if it names one we know.
pub fn charset_from_content_type(content_type: &str) -> Option<Charset> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("charset") {
            Charset::for_label(value)
        } else {
            None
        }
    })
}

fn finish(bytes: &[u8], charset: Charset, decided_by: DecidedBy) -> Decoded {
    let (text, replaced) = charset.decode(bytes);
    Decoded {
        text,
        charset,
        decided_by,
        replaced,
    }
}

fn detect(bytes: &[u8], tld: Option<&str>, ignored_label: Option<Charset>) -> Decoded {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // chardetng panics on a TLD with dots, upper case or non-ASCII (its
    // documented contract), so anything else is not passed at all.
    let tld = tld
        .filter(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .map(str::as_bytes);
    // UTF-8 is allowed only when no label was refused: a refused UTF-8 label
    // means the bytes are mostly not UTF-8.
    let utf8 = if ignored_label.is_some() {
        Utf8Detection::Deny
    } else {
        Utf8Detection::Allow
    };
    let encoding = detector.guess(tld, utf8);
    finish(
        bytes,
        Charset::Web(encoding),
        DecidedBy::Detected { ignored_label },
    )
}

/// A byte order mark and its length. UTF-32LE's mark starts with UTF-16LE's,
/// so it is tested first.
fn byte_order_mark(bytes: &[u8]) -> Option<(Charset, usize)> {
    match bytes {
        [0xFF, 0xFE, 0x00, 0x00, ..] => Some((Charset::Utf32Le, 4)),
        [0x00, 0x00, 0xFE, 0xFF, ..] => Some((Charset::Utf32Be, 4)),
        [0xEF, 0xBB, 0xBF, ..] => Some((Charset::Web(encoding_rs::UTF_8), 3)),
        [0xFF, 0xFE, ..] => Some((Charset::Web(encoding_rs::UTF_16LE), 2)),
        [0xFE, 0xFF, ..] => Some((Charset::Web(encoding_rs::UTF_16BE), 2)),
        _ => None,
    }
}

/// UTF-16 or UTF-32 without a BOM, recognised by where the zero bytes of its
/// first ASCII character fall (`<` of a feed, `{` of a JSON Feed; XML 1.0
/// Appendix F.1).
fn zero_byte_pattern(bytes: &[u8]) -> Option<Charset> {
    match bytes {
        [a, 0, 0, 0, ..] if a.is_ascii() && *a != 0 => Some(Charset::Utf32Le),
        [0, 0, 0, a, ..] if a.is_ascii() && *a != 0 => Some(Charset::Utf32Be),
        [a, 0, b, 0, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => {
            Some(Charset::Web(encoding_rs::UTF_16LE))
        }
        [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => {
            Some(Charset::Web(encoding_rs::UTF_16BE))
        }
        _ => None,
    }
}

fn decode_utf32(bytes: &[u8], read: fn([u8; 4]) -> u32) -> (String, bool) {
    let mut text = String::with_capacity(bytes.len() / 4);
    let mut replaced = false;
    let mut chunks = bytes.chunks_exact(4);
    for chunk in &mut chunks {
        let unit = read([chunk[0], chunk[1], chunk[2], chunk[3]]);
        match char::from_u32(unit) {
            Some(c) => text.push(c),
            None => {
                text.push(char::REPLACEMENT_CHARACTER);
                replaced = true;
            }
        }
    }
    if !chunks.remainder().is_empty() {
        text.push(char::REPLACEMENT_CHARACTER);
        replaced = true;
    }
    (text, replaced)
}

enum Utf8Evidence {
    /// Entirely valid, with this many multi-byte characters.
    Valid { multibyte: usize },
    /// Some malformed sequences, but at least as many well-formed multi-byte
    /// characters as malformed runs: UTF-8 text with damage, best decoded as
    /// UTF-8 with U+FFFD (`hostile/invalid-utf8.xml`).
    MostlyValid,
    /// More malformed runs than well-formed multi-byte characters: text in a
    /// legacy encoding. Cyrillic windows-1251 or KOI8-R bytes almost never
    /// form a valid UTF-8 sequence (a lead byte 0xC0–0xFF must be followed
    /// by 0x80–0xBF, where those encodings keep rare punctuation), so a
    /// mislabelled Russian feed scores near zero valid characters.
    MostlyInvalid,
}

fn utf8_evidence(bytes: &[u8]) -> Utf8Evidence {
    let mut valid_multibyte = 0usize;
    let mut invalid_runs = 0usize;
    let mut rest = bytes;
    let mut previous_was_invalid = false;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                valid_multibyte += count_multibyte(valid.as_bytes());
                break;
            }
            Err(error) => {
                let valid_len = error.valid_up_to();
                valid_multibyte += count_multibyte(&rest[..valid_len]);
                if valid_len > 0 || !previous_was_invalid {
                    invalid_runs += 1;
                }
                previous_was_invalid = true;
                let skip = error.error_len().unwrap_or(rest.len() - valid_len);
                rest = &rest[valid_len + skip..];
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    if invalid_runs == 0 {
        Utf8Evidence::Valid {
            multibyte: valid_multibyte,
        }
    } else if valid_multibyte >= invalid_runs {
        Utf8Evidence::MostlyValid
    } else {
        Utf8Evidence::MostlyInvalid
    }
}

/// Multi-byte characters in valid UTF-8: the count of lead bytes.
fn count_multibyte(valid: &[u8]) -> usize {
    valid.iter().filter(|b| **b >= 0xC0).count()
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of the
/// document (after optional whitespace).
fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(DECLARATION_SCAN_LIMIT)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = find(head, b"?>")?;
    attribute_value(&head[5..end], b"encoding")
}

/// The charset a page's `<meta charset>` or `<meta http-equiv="Content-Type"
/// content="…; charset=…">` names, searched up to `<body` or
/// [`META_SCAN_LIMIT`], skipping comments.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(META_SCAN_LIMIT)];
    let mut position = 0;
    while let Some(offset) = head[position..].iter().position(|b| *b == b'<') {
        let tag = &head[position + offset..];
        if tag.starts_with(b"<!--") {
            position += offset + find(tag, b"-->").map_or(tag.len(), |end| end + 3);
            continue;
        }
        let name_end = tag[1..]
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .map_or(tag.len(), |p| p + 1);
        let name = &tag[1..name_end];
        if name.eq_ignore_ascii_case(b"body") {
            return None;
        }
        let tag_end = tag.iter().position(|b| *b == b'>').unwrap_or(tag.len());
        if name.eq_ignore_ascii_case(b"meta") {
            let attributes = &tag[name_end..tag_end];
            if let Some(charset) = attribute_value(attributes, b"charset") {
                return Some(charset);
            }
            let is_content_type = attribute_value(attributes, b"http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("content-type"));
            if is_content_type
                && let Some(content) = attribute_value(attributes, b"content")
                && let Some(charset) = content_charset(&content)
            {
                return Some(charset);
            }
        }
        position += offset + tag_end.max(1);
    }
    None
}

/// `charset=…` inside a meta `content` value ("text/html; charset=koi8-r").
fn content_charset(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = content[at + 7..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let value: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| !matches!(c, ';' | '"' | '\'') && !c.is_whitespace())
        .collect();
    (!value.is_empty()).then_some(value)
}

/// The value of attribute `name` in the inside of a tag: `name="v"`,
/// `name='v'` or `name=v`, case-insensitive name, whitespace around `=`.
/// Attributes are read one after another, so a `charset=` inside another
/// attribute's quoted value is not mistaken for the attribute.
fn attribute_value(attributes: &[u8], name: &[u8]) -> Option<String> {
    let mut rest = attributes;
    loop {
        rest = trim_ascii_start_and(rest, |b| b.is_ascii_whitespace() || b == b'/' || b == b'?');
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'=' || *b == b'>')
            .unwrap_or(rest.len())
            .max(1);
        let this_name = &rest[..name_len];
        rest = trim_ascii_start_and(&rest[name_len..], |b| b.is_ascii_whitespace());
        let value: &[u8] = match rest.strip_prefix(b"=") {
            None => b"",
            Some(after) => {
                let after = trim_ascii_start_and(after, |b| b.is_ascii_whitespace());
                let (value, remainder) = match after.first() {
                    Some(quote @ (b'"' | b'\'')) => {
                        let inner = &after[1..];
                        let end = inner.iter().position(|b| b == quote).unwrap_or(inner.len());
                        (&inner[..end], inner.get(end + 1..).unwrap_or(&[]))
                    }
                    _ => {
                        let end = after
                            .iter()
                            .position(|b| b.is_ascii_whitespace() || *b == b'>')
                            .unwrap_or(after.len());
                        (&after[..end], &after[end..])
                    }
                };
                rest = remainder;
                value
            }
        };
        if this_name.eq_ignore_ascii_case(name) {
            // Labels are ASCII; anything else is not a label we could use.
            return std::str::from_utf8(value).ok().map(|v| v.trim().to_owned());
        }
    }
}

fn trim_ascii_start_and(bytes: &[u8], skip: impl Fn(u8) -> bool) -> &[u8] {
    let start = bytes.iter().position(|b| !skip(*b)).unwrap_or(bytes.len());
    &bytes[start..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Decoded {
    /// The text to hand to feed-rs; see [`without_xml_declaration`].
    pub fn xml_for_parser(&self) -> &str {
        without_xml_declaration(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUSSIAN: &str = "Новости города: ремонт моста завершится в июне";

    fn feed(bytes: &[u8]) -> Decoded {
        decode(bytes, DocumentKind::Feed, &Hints::default())
    }

    fn encode(text: &str, label: &str) -> Vec<u8> {
        let encoding = Encoding::for_label(label.as_bytes()).expect("known label");
        encoding.encode(text).0.into_owned()
    }

    fn rss(declaration: &str, title: &str) -> String {
        format!(
            "{declaration}\n<rss version=\"2.0\"><channel><title>{title}</title></channel></rss>\n"
        )
    }

    #[test]
    fn declared_windows_1251_koi8r_and_iso_8859_5_feeds_come_out_as_utf8() {
        for label in ["windows-1251", "koi8-r", "iso-8859-5"] {
            let text = rss(
                &format!("<?xml version=\"1.0\" encoding=\"{label}\"?>"),
                RUSSIAN,
            );
            let decoded = feed(&encode(&text, label));
            assert_eq!(decoded.text, text, "{label}");
            assert_eq!(decoded.decided_by, DecidedBy::InDocumentLabel);
            assert!(!decoded.replaced);
        }
    }

    #[test]
    fn utf16_with_and_without_bom_and_utf32_come_out_as_utf8() {
        let text = rss("<?xml version=\"1.0\" encoding=\"utf-16\"?>", RUSSIAN);
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let with_bom = [&[0xFF, 0xFE][..], &le].concat();
        assert_eq!(feed(&with_bom).text, text);
        assert_eq!(feed(&with_bom).decided_by, DecidedBy::ByteOrderMark);
        assert_eq!(feed(&be).text, text);
        assert_eq!(feed(&be).decided_by, DecidedBy::ZeroBytePattern);
        let utf32: Vec<u8> = text
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        assert_eq!(feed(&utf32).text, text);
        assert_eq!(feed(&utf32).charset, Charset::Utf32Be);
        let utf32_bom = [
            &[0xFF, 0xFE, 0, 0][..],
            &text
                .chars()
                .flat_map(|c| u32::from(c).to_le_bytes())
                .collect::<Vec<_>>(),
        ]
        .concat();
        assert_eq!(feed(&utf32_bom).text, text);
        assert_eq!(feed(&utf32_bom).charset, Charset::Utf32Le);
    }

    #[test]
    fn utf8_bom_wins_over_a_conflicting_declaration_and_is_removed() {
        let text = rss("<?xml version=\"1.0\" encoding=\"windows-1251\"?>", RUSSIAN);
        let bytes = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        let decoded = feed(&bytes);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.decided_by, DecidedBy::ByteOrderMark);
    }

    #[test]
    fn http_charset_beats_the_xml_declaration() {
        let text = rss("<?xml version=\"1.0\" encoding=\"utf-8\"?>", RUSSIAN);
        let hints = Hints {
            content_type: Some("application/rss+xml; charset=KOI8-R"),
            ..Hints::default()
        };
        let decoded = decode(&encode(&text, "koi8-r"), DocumentKind::Feed, &hints);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.decided_by, DecidedBy::HttpHeader);
    }

    #[test]
    fn feed_declaring_utf8_but_holding_windows_1251_is_detected_not_mojibake() {
        let text = rss("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", RUSSIAN);
        let hints = Hints {
            content_type: Some("text/xml; charset=utf-8"),
            tld: Some("kz"),
            ..Hints::default()
        };
        let decoded = decode(&encode(&text, "windows-1251"), DocumentKind::Feed, &hints);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.charset, Charset::Web(encoding_rs::WINDOWS_1251));
        assert_eq!(
            decoded.decided_by,
            DecidedBy::Detected {
                ignored_label: Some(Charset::Web(encoding_rs::UTF_8))
            }
        );
    }

    #[test]
    fn undeclared_koi8r_is_detected() {
        let text = rss(
            "<?xml version=\"1.0\"?>",
            "Правительство утвердило новые правила для средств массовой информации",
        );
        let decoded = feed(&encode(&text, "koi8-r"));
        assert_eq!(decoded.text, text);
        assert_eq!(
            decoded.decided_by,
            DecidedBy::Detected {
                ignored_label: None
            }
        );
    }

    #[test]
    fn utf8_with_a_few_damaged_bytes_keeps_its_good_text_and_marks_the_damage() {
        let mut bytes = rss("<?xml version=\"1.0\" encoding=\"utf-8\"?>", RUSSIAN).into_bytes();
        let at = find(&bytes, b"<title>").expect("has a title") + 7;
        bytes.splice(at..at, [0xC0, 0xAF, 0x80]);
        let decoded = feed(&bytes);
        assert_eq!(decoded.charset, Charset::Web(encoding_rs::UTF_8));
        assert!(decoded.replaced);
        assert!(decoded.text.contains(RUSSIAN));
        assert!(decoded.text.contains('\u{FFFD}'));
    }

    #[test]
    fn valid_utf8_under_a_stale_legacy_label_is_read_as_utf8() {
        let text = rss(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            "테스트 피드 Café",
        );
        let decoded = feed(text.as_bytes());
        assert_eq!(decoded.text, text);
        assert_eq!(
            decoded.decided_by,
            DecidedBy::Detected {
                ignored_label: Some(Charset::Web(encoding_rs::WINDOWS_1252))
            }
        );
        let ascii = rss("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", "plain");
        assert_eq!(
            feed(ascii.as_bytes()).decided_by,
            DecidedBy::InDocumentLabel
        );
    }

    #[test]
    fn source_override_beats_every_label() {
        let text = rss("<?xml version=\"1.0\" encoding=\"utf-8\"?>", RUSSIAN);
        let hints = Hints {
            override_charset: Charset::for_label("cp1251"),
            content_type: Some("text/xml; charset=utf-8"),
            ..Hints::default()
        };
        let decoded = decode(&encode(&text, "windows-1251"), DocumentKind::Feed, &hints);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.decided_by, DecidedBy::Override);
    }

    #[test]
    fn a_utf16_label_in_ascii_readable_bytes_is_ignored() {
        let text = rss("<?xml version=\"1.0\" encoding=\"utf-16\"?>", RUSSIAN);
        let decoded = feed(text.as_bytes());
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.decided_by, DecidedBy::ValidUtf8);
    }

    #[test]
    fn unknown_and_replacement_labels_are_ignored() {
        assert_eq!(Charset::for_label("bogus"), None);
        assert_eq!(Charset::for_label("iso-2022-kr"), None);
        let text = rss("<?xml version=\"1.0\" encoding=\"bogus\"?>", RUSSIAN);
        assert_eq!(feed(text.as_bytes()).text, text);
    }

    #[test]
    fn page_meta_charset_after_64_kib_of_scripts_is_found_but_not_past_body() {
        let script = format!("<script>var a = \"{}\";</script>", "x".repeat(40 * 1024));
        let page = format!(
            "<!doctype html><html><head>{script}<!-- <meta charset=\"utf-8\"> -->\
             <meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">\
             <title>{RUSSIAN}</title></head><body><p>{RUSSIAN}</p></body></html>"
        );
        let decoded = decode(
            &encode(&page, "windows-1251"),
            DocumentKind::Page,
            &Hints::default(),
        );
        assert_eq!(decoded.text, page);
        assert_eq!(decoded.decided_by, DecidedBy::InDocumentLabel);

        let late = format!("<html><body><p>{RUSSIAN}</p><meta charset=koi8-r></body></html>");
        let decoded = decode(
            &encode(&late, "windows-1251"),
            DocumentKind::Page,
            &Hints::default(),
        );
        assert_eq!(
            decoded.text, late,
            "a meta inside body is not a label; detection finds 1251"
        );
    }

    #[test]
    fn page_meta_charset_forms_are_all_read() {
        for tag in [
            "<meta charset=\"koi8-r\">",
            "<META CHARSET=koi8-r>",
            "<meta charset='koi8-r' />",
            "<meta content=\"text/html; charset=koi8-r\" http-equiv=\"content-type\">",
            "<meta name=\"x\" content=\"charset=utf-8\"><meta charset=koi8-r>",
        ] {
            assert_eq!(
                meta_charset(format!("<html><head>{tag}</head>").as_bytes()).as_deref(),
                Some("koi8-r"),
                "{tag}"
            );
        }
    }

    #[test]
    fn xml_declaration_is_removed_for_the_parser_but_stylesheets_are_kept() {
        assert_eq!(
            without_xml_declaration("\n\n  <?xml version='1.0' encoding='windows-1251'?>\n<rss/>"),
            "\n<rss/>"
        );
        assert_eq!(
            without_xml_declaration("<?xml-stylesheet href='a'?><rss/>"),
            "<?xml-stylesheet href='a'?><rss/>"
        );
        assert_eq!(without_xml_declaration("<rss/>"), "<rss/>");
    }

    #[test]
    fn decoded_windows_1251_feed_parses_in_feed_rs_without_double_decoding() {
        let text = rss("<?xml version=\"1.0\" encoding=\"windows-1251\"?>", RUSSIAN);
        let decoded = feed(&encode(&text, "windows-1251"));
        let parsed = feed_rs::parser::parse(decoded.xml_for_parser().as_bytes()).expect("parses");
        assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some(RUSSIAN));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for length in 0..600 {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            for kind in [DocumentKind::Feed, DocumentKind::Page] {
                let hints = Hints {
                    tld: Some("Bad.TLD"),
                    ..Hints::default()
                };
                let _ = decode(&bytes, kind, &hints);
            }
        }
        let _ = feed(&[0xFF, 0xFE, 0, 0, 0x41]);
        let _ = feed(&[0, 0, 0, b'<', 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
