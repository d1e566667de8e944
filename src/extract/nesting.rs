//! How deeply a page nests its elements, estimated from its tags before
//! the page is parsed.
//!
//! html5ever's tree builder looks through its stack of open elements for
//! most start tags (is there a `<p>` in button scope to close?), so a page
//! that nests N elements costs O(N²): 100,000 nested `<div>`s took 13 s to
//! extract and 100,000 `<b>`s 7 s, and the 10 MiB body cap allows ten times
//! more, about twenty minutes of a core for one hostile page. Browsers
//! bound the depth of the tree they build (Blink at 512); html5ever cannot
//! be told to, so a page estimated deeper than [`MAX_DEPTH`] is refused
//! before parsing, and the article falls back to the feed's content like
//! any page that fails to extract; feed HTML that deep is reduced to its
//! text by [`strip_tags`], which reads it without building a tree.
//!
//! The estimate counts only elements that really nest: void elements,
//! self-closed tags and elements whose end tag is optional (`p`, `li`,
//! `td`, `option`, …, which the parser closes by itself) are not counted,
//! nor are tags inside comments or the raw text of `script`, `style` and
//! the like. An unclosed `<div>` or `<b>` is counted as nesting to the end,
//! so broken pages can only be over-estimated; the limit leaves them room:
//! real pages nest a few dozen deep, and parsing 10,000 deep costs about
//! 0.1 s.

/// The deepest page extracted; deeper pages are refused.
pub const MAX_DEPTH: usize = 10_000;

/// Elements without content: they never nest.
const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"keygen", b"link",
    b"meta", b"param", b"source", b"track", b"wbr",
];

/// Elements whose end tag may be left out: the parser closes them when the
/// next one (or their parent's end) comes, so they do not nest unclosed.
const OPTIONAL_END: &[&[u8]] = &[
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"optgroup",
    b"rb",
    b"rt",
    b"rtc",
    b"rp",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"caption",
    b"html",
    b"head",
    b"body",
];

/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"plaintext",
];

/// The deepest nesting of counted elements in `html` (see the module doc).
pub fn max_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    while let Some(offset) = b[i..].iter().position(|&c| c == b'<') {
        i += offset + 1;
        if b[i..].starts_with(b"!--") {
            i = find_ignoring_case(b, i + 3, b"-->").map_or(b.len(), |end| end + 3);
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name_end = start
            + b[start..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'-' || *c == b':'))
                .unwrap_or(b.len() - start);
        // Lower-cased into a small buffer (no allocation per tag); a name
        // longer than any listed one is a custom element, which nests.
        let mut lower = [0u8; 12];
        let raw_name = &b[start..name_end];
        let name: &[u8] = if raw_name.len() <= lower.len() {
            for (l, c) in lower.iter_mut().zip(raw_name) {
                *l = c.to_ascii_lowercase();
            }
            &lower[..raw_name.len()]
        } else {
            b""
        };
        let tag_end = b[name_end..]
            .iter()
            .position(|&c| c == b'>')
            .map_or(b.len(), |p| name_end + p);
        i = (tag_end + 1).min(b.len());
        let counted = !VOID.contains(&name) && !OPTIONAL_END.contains(&name);
        if closing {
            if counted {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if RAW_TEXT.contains(&name) {
            let close = [b"</", name].concat();
            i = find_ignoring_case(b, i, &close).unwrap_or(b.len());
            continue;
        }
        let self_closed = tag_end > name_end && b[tag_end - 1] == b'/';
        if counted && !self_closed {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// The text of `html` with every tag and comment dropped and white space
/// collapsed, read without building a tree: for HTML too deep to parse.
/// Entities are left as written.
pub fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let after = &rest[open..];
        let end = if after.starts_with("<!--") {
            after.find("-->").map(|e| e + 3)
        } else {
            after.find('>').map(|e| e + 1)
        };
        rest = &after[end.unwrap_or(after.len())..];
    }
    text.push_str(rest);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find_ignoring_case(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_elements_are_counted_and_siblings_are_not() {
        assert_eq!(max_depth("<div><div><span>x</span></div></div>"), 3);
        assert_eq!(max_depth("<div>a</div><div>b</div><div>c</div>"), 1);
        let deep = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        assert_eq!(max_depth(&deep), 20_000);
        assert!(max_depth(&"<b>".repeat(20_000)) > MAX_DEPTH);
    }

    #[test]
    fn unclosed_paragraphs_list_items_void_and_self_closed_tags_do_not_nest() {
        let page = format!(
            "<!DOCTYPE html><html><head><meta charset=utf-8><link rel=x></head><body><div>{}</div>",
            "<p>para<br><img src=a.jpg><li>item<svg><path d=''/></svg>".repeat(20_000)
        );
        // div and one svg at a time: the paths are self-closed, the svgs
        // closed.
        assert_eq!(max_depth(&page), 2);
    }

    #[test]
    fn tags_in_comments_scripts_and_styles_are_not_counted() {
        let page = format!(
            "<div><!-- {} --><script>var s = '{}';</script><STYLE>a<b{{}}</STYLE></div>",
            "<div>".repeat(5_000),
            "<div>".repeat(5_000)
        );
        assert_eq!(max_depth(&page), 1);
    }

    #[test]
    fn stray_end_tags_and_broken_markup_do_not_underflow_or_panic() {
        assert_eq!(max_depth("</div></div><div>x"), 1);
        assert_eq!(max_depth("<div"), 1);
        assert_eq!(max_depth("< div>1 < 2 <3 <!-- unterminated"), 0);
        assert_eq!(max_depth("<script>never closed <div><div>"), 0);
        assert_eq!(max_depth("<Дом><div>"), 1);
    }
}
