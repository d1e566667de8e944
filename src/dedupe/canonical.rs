//! Canonical URLs: the key for "is this the same page?".
//!
//! Two links that a browser would open as the same article must give the same
//! string here, so a page listed twice in a feed (two GUIDs, one URL with
//! `utm_*` and one without) is stored once. Only rewrites that cannot change
//! which resource a server returns are made; anything that might (a trailing
//! slash, `www.`, `http` vs `https`) is left alone, because merging two
//! different pages is worse than storing one page twice — the text hash
//! catches the latter anyway.
//!
//! Resolving relative links against `xml:base` or the feed URL is `parse`'s
//! job; this function takes an absolute [`Url`].

use url::Url;

/// Query parameters that only track the click and never select content.
///
/// Sources: Google Analytics campaign parameters (`utm_*`, `_ga`, `_gl`),
/// Google Ads (`gclid`, `dclid`, `gbraid`, `wbraid`), Meta (`fbclid`,
/// `igshid`), Microsoft Ads (`msclkid`), Yandex (`yclid`, `ysclid`,
/// `_openstat` — common on Russian-language sites), Mailchimp (`mc_cid`,
/// `mc_eid`), HubSpot (`_hsenc`, `_hsmi`), Marketo (`mkt_tok`), X/Twitter
/// (`twclid`), TikTok (`ttclid`). Compared case-insensitively.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "ysclid",
    "_openstat",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "twclid",
    "ttclid",
];

/// Campaign parameters are a family: `utm_source`, `utm_medium`,
/// `utm_campaign`, `utm_term`, `utm_content`, `utm_id`, and site-specific
/// ones such as `utm_referrer`.
const TRACKING_PREFIXES: &[&str] = &["utm_"];

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING_PARAMS.contains(&name.as_str())
        || TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The canonical form of an article URL.
///
/// - scheme and host lower-case (the `url` crate already does this for
///   http(s), and turns international hosts into punycode), a trailing dot
///   on the host removed;
/// - no default port (the `url` crate drops `:80` / `:443` on parse), no
///   user name or password, no fragment;
/// - tracking parameters ([`TRACKING_PARAMS`], `utm_*`) removed, empty
///   parameters dropped, the rest sorted so that `?b=2&a=1` equals
///   `?a=1&b=2`. Pairs are kept exactly as written (not re-encoded), because
///   re-encoding can turn `+` into `%2B` and change what the server sees.
pub fn canonical_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    // Both setters fail only for URLs that cannot have credentials
    // (`mailto:`, `data:`), which have none to remove: ignoring is correct.
    let _ = url.set_username("");
    let _ = url.set_password(None);

    if let Some(host) = url.host_str()
        && host.len() > 1
        && host.ends_with('.')
    {
        let trimmed = host.trim_end_matches('.').to_owned();
        // Fails only for an empty host, which `host.len() > 1` rules out.
        let _ = url.set_host(Some(&trimmed));
    }

    let query = url.query().map(|q| {
        let mut pairs: Vec<&str> = q
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let name = pair.split('=').next().unwrap_or(pair);
                !is_tracking(name)
            })
            .collect();
        pairs.sort_unstable();
        pairs.join("&")
    });
    match query {
        Some(q) if !q.is_empty() => url.set_query(Some(&q)),
        _ => url.set_query(None),
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical_url(&Url::parse(s).expect("test URL parses"))
    }

    #[test]
    fn scheme_and_host_are_lower_cased_and_default_port_dropped() {
        assert_eq!(
            canon("HTTPS://Www.Kazpravda.KZ:443/n/item-1/"),
            "https://www.kazpravda.kz/n/item-1/"
        );
        assert_eq!(canon("http://EXAMPLE.com:80/a"), "http://example.com/a");
    }

    #[test]
    fn a_non_default_port_is_kept() {
        assert_eq!(
            canon("http://example.com:8080/a"),
            "http://example.com:8080/a"
        );
    }

    #[test]
    fn the_fragment_and_credentials_are_removed() {
        assert_eq!(
            canon("https://user:pw@example.com/news/1#comments"),
            "https://example.com/news/1"
        );
    }

    #[test]
    fn tracking_parameters_are_removed_and_the_rest_sorted() {
        assert_eq!(
            canon(
                "https://tengrinews.kz/news/x-123/?utm_source=telegram&page=2&UTM_Medium=social\
                 &fbclid=IwAR0&gclid=abc&yclid=1&_openstat=ZGlyZWN0&mc_cid=9&mc_eid=8&id=7"
            ),
            "https://tengrinews.kz/news/x-123/?id=7&page=2"
        );
    }

    #[test]
    fn a_query_of_only_tracking_parameters_disappears_entirely() {
        assert_eq!(
            canon("https://example.com/a?utm_source=rss&utm_campaign=x"),
            "https://example.com/a"
        );
    }

    #[test]
    fn parameters_are_not_re_encoded() {
        // `q=a+b` and `q=a%2Bb` mean different things to a server.
        assert_eq!(
            canon("https://example.com/s?q=a+b"),
            "https://example.com/s?q=a+b"
        );
        assert_ne!(
            canon("https://example.com/s?q=a+b"),
            canon("https://example.com/s?q=a%2Bb")
        );
    }

    #[test]
    fn a_parameter_that_merely_contains_a_tracking_name_is_kept() {
        assert_eq!(
            canon("https://example.com/a?my_utm_source=1&gclid_note=2"),
            "https://example.com/a?gclid_note=2&my_utm_source=1"
        );
    }

    #[test]
    fn the_same_page_reached_two_ways_has_one_canonical_url() {
        let a = canon(
            "https://www.zakon.kz/6401234-novost.html?utm_source=yxnews&utm_medium=desktop#top",
        );
        let b = canon("https://WWW.ZAKON.KZ./6401234-novost.html");
        assert_eq!(a, b);
    }

    #[test]
    fn an_international_host_becomes_punycode() {
        assert_eq!(
            canon("https://Президент.РФ/news/1"),
            "https://xn--d1abbgf6aiiy.xn--p1ai/news/1"
        );
    }

    #[test]
    fn canonical_url_composes_with_resolving_a_relative_link_against_xml_base() {
        // What `parse` does for `<entry xml:base="https://kazinform.kz/ru/">`
        // with `<link href="../news/abc?utm_source=rss#x"/>`.
        let base = Url::parse("https://KazInform.kz/ru/").expect("base parses");
        let link = base
            .join("../news/abc?utm_source=rss&b=2&a=1#x")
            .expect("link resolves");
        assert_eq!(
            canonical_url(&link),
            "https://kazinform.kz/news/abc?a=1&b=2"
        );
        // The same link resolved against the feed URL instead of xml:base.
        let feed = Url::parse("https://kazinform.kz/rss/ru.xml").expect("feed URL parses");
        let link = feed
            .join("/news/abc?a=1&b=2&fbclid=z")
            .expect("link resolves");
        assert_eq!(
            canonical_url(&link),
            "https://kazinform.kz/news/abc?a=1&b=2"
        );
    }
}
