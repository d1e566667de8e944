//! Lines that are not article text, where no element marks them: the
//! `<br>`-separated lines of table-era layouts (a repeated headline, a
//! date, a "read also" link) and what closes many Russian and Kazakh news
//! texts (the author's signature, "Версия для печати | Отправить другу").
//!
//! In: the [`Dom`], one content root, the page's titles and the exclusion
//! list so far. Out: more nodes excluded. Block elements that hold such a
//! line on their own are judged by `content`; this module handles lines
//! made of loose text and inline elements, which only a line-by-line view
//! sees.

use super::content::is_date_only;
use super::dom::{Dom, NONE, Tag};
use super::hints;

/// Lines longer than this are prose, whatever they look like.
const MAX_JUNK_LINE_CHARS: usize = 150;

/// Why a line is not article text, if it is not.
fn judge(text: &str, links: usize, titles: &[String]) -> Option<&'static str> {
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_JUNK_LINE_CHARS {
        return None;
    }
    // A line is the headline when it and a title are each mostly the
    // other's words (a shorter line made of title words is a subheading).
    if super::meta::is_title(text, titles)
        && titles.iter().any(|t| {
            super::meta::is_title(t, &[text.to_string()]) || {
                let title_chars = t.chars().count();
                chars * 3 >= title_chars * 2
            }
        })
    {
        return Some("title line");
    }
    if chars <= 40 && is_date_only(text) {
        return Some("date line");
    }
    if text.contains('©') {
        return Some("copyright line");
    }
    if links > 0 && hints::see_also_prefix(text).is_some() {
        return Some("see-also line");
    }
    None
}

/// Text of the nodes `line` (children of one element), whitespace
/// collapsed, with the number of non-space characters inside links and the
/// number of links.
fn line_text(dom: &Dom<'_>, line: &[u32], excluded: &[bool]) -> (String, usize, usize) {
    let mut text = String::new();
    let mut link_chars = 0;
    let mut links_seen = 0;
    for &c in line {
        let end = dom.nodes[c as usize].end as usize;
        let mut j = c as usize;
        // Open links, as the end of each.
        let mut links: Vec<usize> = Vec::new();
        while j < end {
            let n = &dom.nodes[j];
            links.retain(|&e| e > j);
            if excluded[j] || n.tag.is_never_text() {
                j = n.end as usize;
                continue;
            }
            match n.tag {
                Tag::A => {
                    links_seen += 1;
                    links.push(n.end as usize);
                }
                Tag::Text => {
                    for (k, w) in n.text.split_whitespace().enumerate() {
                        if !text.is_empty() && (k > 0 || n.text.starts_with(char::is_whitespace)) {
                            text.push(' ');
                        }
                        text.push_str(w);
                        if !links.is_empty() {
                            link_chars += w.chars().count();
                        }
                    }
                }
                _ => {}
            }
            j += 1;
            if text.len() > MAX_JUNK_LINE_CHARS * 4 {
                return (text, link_chars, links_seen);
            }
        }
    }
    (text, link_chars, links_seen)
}

/// Excludes the junk lines among the loose text of every element under
/// `root` that breaks its text with `<br>`.
///
/// Also answers, for one element, whether it is a line of its own: the
/// only thing between two breaks, so judging it cannot cut a sentence.
pub(super) fn stands_alone(dom: &Dom<'_>, i: u32, excluded: &[bool]) -> bool {
    let p = dom.nodes[i as usize].parent;
    if p == NONE {
        return true;
    }
    let mut alone = true;
    let mut seen_self = false;
    for c in dom.children(p) {
        if c == i {
            seen_self = true;
            continue;
        }
        let n = &dom.nodes[c as usize];
        let breaks = n.tag == Tag::Br || n.tag.is_block();
        if breaks {
            if seen_self {
                break;
            }
            alone = true;
            continue;
        }
        let blank = excluded[c as usize]
            || n.tag.is_never_text()
            || (n.tag == Tag::Text && n.text.trim().is_empty());
        if !blank {
            alone = false;
        }
    }
    seen_self && alone
}
pub(super) fn clean(
    dom: &Dom<'_>,
    root: u32,
    titles: &[String],
    excluded: &mut [bool],
    mut trace: Option<&mut String>,
) {
    let end = dom.nodes[root as usize].end;
    for e in root..end {
        let n = &dom.nodes[e as usize];
        if excluded[e as usize] || n.tag == Tag::Text || n.tag == Tag::Pre || n.end == e + 1 {
            continue;
        }
        if !dom
            .children(e)
            .any(|c| dom.nodes[c as usize].tag == Tag::Br)
        {
            continue;
        }
        let mut line: Vec<u32> = Vec::new();
        let children: Vec<u32> = dom.children(e).collect();
        for c in children.into_iter().map(Some).chain([None]) {
            let breaks = c.is_none_or(|c| {
                let t = dom.nodes[c as usize].tag;
                t == Tag::Br || t.is_block()
            });
            if !breaks {
                line.push(c.unwrap_or(NONE));
                continue;
            }
            if !line.is_empty() {
                let (text, _, links) = line_text(dom, &line, excluded);
                if let Some(why) = judge(&text, links, titles) {
                    for &l in &line {
                        excluded[l as usize] = true;
                    }
                    if let Some(t) = trace.as_deref_mut() {
                        use std::fmt::Write;
                        let _ = writeln!(t, "    drop line {text:?}: {why}");
                    }
                }
                line.clear();
            }
        }
    }
}

/// Excludes what closes many news texts after the last sentence: the
/// author's signature ([`is_signature`]) and a row of links ("Версия для
/// печати | Отправить другу"), last line first, a few lines at most, and
/// only when the content is more than those lines.
pub(super) fn trailing_junk(
    dom: &Dom<'_>,
    root: u32,
    kept_chars: u32,
    excluded: &mut [bool],
    mut trace: Option<&mut String>,
) {
    if kept_chars < 200 {
        return;
    }
    for _ in 0..3 {
        let Some((line, whole_block, text, link_chars, links)) = last_line(dom, root, excluded)
        else {
            return;
        };
        let solid = text.chars().filter(|c| !c.is_whitespace()).count();
        let why = if is_signature(&text) {
            "signature"
        } else if links >= 2 && link_chars * 10 >= solid * 9 && solid <= 100 {
            "row of links"
        } else {
            return;
        };
        match whole_block {
            Some(b) => excluded[b as usize] = true,
            None => {
                for &l in &line {
                    excluded[l as usize] = true;
                }
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            use std::fmt::Write;
            let _ = writeln!(t, "    drop line {text:?}: {why}");
        }
    }
}

/// The last line of text under `root`: its nodes (children of one
/// element), the block to drop instead when the line is all of it, its
/// text, link characters and links.
#[allow(clippy::type_complexity)]
fn last_line(
    dom: &Dom<'_>,
    root: u32,
    excluded: &[bool],
) -> Option<(Vec<u32>, Option<u32>, String, usize, usize)> {
    let end = dom.nodes[root as usize].end;
    let last = (root..end).rev().find(|&i| {
        let n = &dom.nodes[i as usize];
        n.tag == Tag::Text && !n.text.trim().is_empty() && !hidden(dom, i, root, excluded)
    })?;
    // Its line: the children of its nearest block ancestor since the last
    // <br> or block before it.
    let mut child = last;
    let mut block = dom.nodes[last as usize].parent;
    while block != NONE && block != root && !dom.nodes[block as usize].tag.is_block() {
        child = block;
        block = dom.nodes[block as usize].parent;
    }
    if block == NONE {
        return None;
    }
    let mut line: Vec<u32> = Vec::new();
    for c in dom.children(block) {
        let t = dom.nodes[c as usize].tag;
        if t == Tag::Br || t.is_block() {
            line.clear();
        } else {
            line.push(c);
        }
        if c == child {
            break;
        }
    }
    let whole = block != root
        && dom
            .children(block)
            .all(|c| line.contains(&c) || dom.nodes[c as usize].tag == Tag::Br);
    let (text, link_chars, links) = line_text(dom, &line, excluded);
    Some((line, whole.then_some(block), text, link_chars, links))
}

/// Is node `i` excluded itself or through an ancestor below `root`?
fn hidden(dom: &Dom<'_>, i: u32, root: u32, excluded: &[bool]) -> bool {
    let mut p = i;
    while p != NONE && p >= root {
        let n = &dom.nodes[p as usize];
        if excluded[p as usize] || n.tag.is_never_text() {
            return true;
        }
        if p == root {
            break;
        }
        p = n.parent;
    }
    false
}

/// A signature: one to four capitalised words, no digits, no sentence —
/// "Алия Сейткали", "Сейткали А.", "Автор: Данияр Оспанов", "By Jane Doe".
pub(super) fn is_signature(text: &str) -> bool {
    let t = text.trim();
    let t = ["Автор:", "Авторы:", "Текст:", "Автор", "By ", "Text:"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t)
        .trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    let short = !words.is_empty() && words.len() <= 4 && t.chars().count() <= 40;
    let no_sentence = !t.chars().any(|c| {
        c.is_ascii_digit() || matches!(c, '!' | '?' | ':' | ';' | ',' | '«' | '»' | '"' | '“')
    });
    // A final period only after an initial.
    let ends_ok = !t.ends_with('.') || words.last().is_some_and(|w| w.chars().count() <= 3);
    let capitalised = words
        .iter()
        .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    short && no_sentence && ends_ok && capitalised
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_names_not_sentences() {
        for sig in [
            "Алия Сейткали",
            "Сейткали А.",
            "Автор: Данияр Оспанов",
            "By Jane Doe",
            "Гүлнар Жақсыбекова",
        ] {
            assert!(is_signature(sig), "{sig}");
        }
        for not in [
            "Первая встреча может состояться до конца года.",
            "Подробности позже",
            "Источник: Reuters",
            "Фото 2024",
            "",
        ] {
            assert!(!is_signature(not), "{not}");
        }
    }
}
