//! Dedupe: "seen this page before?" and, later, "same story as another
//! outlet's?".
//!
//! In: URLs (and extracted text). Out: canonical forms and keys to compare.
//! Pure: never touches the network or the store.

use url::Url;

/// Query parameters that only track where a click came from; two URLs that
/// differ only in them are the same page.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid" | "gclid" | "yclid" | "dclid" | "msclkid" | "_openstat" | "mc_cid" | "mc_eid"
        )
}

/// The canonical form of a page URL: lower-case scheme and host and no
/// default port (the url crate already normalizes those), no fragment, no
/// tracking parameters, the remaining query sorted.
pub fn canonical_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        pairs.sort();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_fragments_and_query_order_do_not_matter() {
        let a = Url::parse("HTTPS://Kazpravda.KZ:443/n/1?b=2&utm_source=tg&a=1#top").unwrap();
        let b = Url::parse("https://kazpravda.kz/n/1?a=1&b=2&fbclid=XYZ").unwrap();
        assert_eq!(canonical_url(&a), "https://kazpravda.kz/n/1?a=1&b=2");
        assert_eq!(canonical_url(&a), canonical_url(&b));
        let c = Url::parse("https://kazpravda.kz/n/1?utm_medium=x").unwrap();
        assert_eq!(canonical_url(&c), "https://kazpravda.kz/n/1");
    }
}
