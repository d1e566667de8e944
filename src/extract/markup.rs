//! The article's HTML: the content subtrees written back as simple, regular
//! markup, then handed to the sanitizer.
//!
//! In: the [`Dom`], the content roots, the exclusion list and the page URL.
//! Out: an HTML fragment of paragraphs, headings, lists, quotes, tables,
//! figures with images, links and inline emphasis. Layout wrappers (`div`,
//! `section`, `span`, custom elements) are unwrapped; text sitting directly
//! in a layout block is wrapped in `<p>`, and `<br><br>` there starts a new
//! paragraph, so a table-era page comes out as paragraphs too. Every URL is
//! made absolute here, and lazy-loaded images get their real address from
//! the usual `data-*` attributes. This is not the security boundary: the
//! result still goes through [`super::sanitize`] (ammonia).

use std::fmt::Write;

use url::Url;

use super::dom::{Dom, Tag, Visit};

/// Writes the content as HTML (not yet sanitized).
pub(super) fn write(dom: &Dom<'_>, roots: &[u32], excluded: &[bool], base: &Url) -> String {
    let mut w = Writer {
        dom,
        excluded,
        base,
        out: String::new(),
        auto_p: false,
        last_br: false,
        phrasing: Vec::new(),
        skipped_elements: Vec::new(),
    };
    for &r in roots {
        dom.walk(r, &mut w);
        w.close_auto_p();
    }
    w.out
}

struct Writer<'d, 'a, 'x, 'u> {
    dom: &'d Dom<'a>,
    excluded: &'x [bool],
    base: &'u Url,
    out: String,
    /// A `<p>` opened by us around loose text is open.
    auto_p: bool,
    last_br: bool,
    /// For each open element we wrote: does it accept text directly?
    phrasing: Vec<bool>,
    /// Elements entered but not written (unwrapped or dropped `a`/`img`).
    skipped_elements: Vec<u32>,
}

/// The name an element is written under, `None` to unwrap it.
fn kept_name(tag: Tag, name: &str) -> Option<&'static str> {
    Some(match tag {
        Tag::P => "p",
        Tag::H1 | Tag::H2 => "h2",
        Tag::H3 => "h3",
        Tag::H4 => "h4",
        Tag::H5 => "h5",
        Tag::H6 => "h6",
        Tag::Ul | Tag::Menu => "ul",
        Tag::Ol => "ol",
        Tag::Li => "li",
        Tag::Dl => "dl",
        Tag::Dt => "dt",
        Tag::Dd => "dd",
        Tag::Blockquote => "blockquote",
        Tag::Pre => "pre",
        Tag::Code => "code",
        Tag::Table => "table",
        Tag::Thead => "thead",
        Tag::Tbody => "tbody",
        Tag::Tfoot => "tfoot",
        Tag::Tr => "tr",
        Tag::Td => "td",
        Tag::Th => "th",
        Tag::Caption => "caption",
        Tag::Figure => "figure",
        Tag::Hr => "hr",
        Tag::Inline => match name {
            "b" | "strong" => "strong",
            "i" | "em" | "cite" | "dfn" | "var" => "em",
            "u" | "ins" => "u",
            "s" | "strike" | "del" => "s",
            "sub" => "sub",
            "sup" => "sup",
            "mark" => "mark",
            "q" => "q",
            "small" => "small",
            "abbr" => "abbr",
            "kbd" | "samp" => "code",
            _ => return None,
        },
        _ => return None,
    })
}

/// Elements that take text directly; loose text anywhere else gets a `<p>`.
fn takes_text(name: &str) -> bool {
    matches!(
        name,
        "p" | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dt"
            | "dd"
            | "pre"
            | "td"
            | "th"
            | "caption"
            | "strong"
            | "em"
            | "u"
            | "s"
            | "sub"
            | "sup"
            | "mark"
            | "q"
            | "small"
            | "abbr"
            | "code"
            | "a"
    )
}

/// Appends `s` with the characters HTML text cannot hold escaped (plus
/// no-break spaces, which would otherwise be invisible in the output).
fn escape_text(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            // U+00A0 is C2 A0; 0xA0 is never a lead byte.
            0xA0 if i > 0 && s.as_bytes()[i - 1] == 0xC2 => {
                out.push_str(&s[last..i - 1]);
                out.push_str("&nbsp;");
                last = i + 1;
                continue;
            }
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Appends `s` escaped for a double-quoted attribute value.
fn escape_attr(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// An http(s) URL from an attribute value, resolved against the page.
fn absolute(base: &Url, value: &str) -> Option<Url> {
    let v = value.trim();
    if v.is_empty() || v.starts_with('#') || v.starts_with("data:") {
        return None;
    }
    let u = base.join(v).ok()?;
    matches!(u.scheme(), "http" | "https").then_some(u)
}

impl Writer<'_, '_, '_, '_> {
    fn in_text_container(&self) -> bool {
        self.auto_p || self.phrasing.last().copied().unwrap_or(false)
    }

    fn open_auto_p(&mut self) {
        if !self.in_text_container() {
            self.out.push_str("<p>");
            self.auto_p = true;
        }
    }

    fn close_auto_p(&mut self) {
        if self.auto_p {
            // Drop a trailing <br> that ended the paragraph.
            if self.out.ends_with("<br>") {
                self.out.truncate(self.out.len() - 4);
            }
            self.out.push_str("</p>");
            self.auto_p = false;
        }
    }

    fn image(&mut self, i: u32) -> bool {
        let n = &self.dom.nodes[i as usize];
        // Lazy loaders keep the real address in data-* and a placeholder
        // (often a data: GIF) in src.
        let src = ["data-src", "data-lazy-src", "data-original", "src"]
            .iter()
            .filter_map(|a| n.attr(a))
            .find_map(|v| absolute(self.base, v));
        let Some(src) = src else { return false };
        self.out.push_str("<img src=\"");
        escape_attr(&mut self.out, src.as_str());
        self.out.push('"');
        if let Some(alt) = n.attr("alt").filter(|a| !a.trim().is_empty()) {
            self.out.push_str(" alt=\"");
            escape_attr(&mut self.out, alt.trim());
            self.out.push('"');
        }
        self.out.push('>');
        true
    }
}

impl Visit for Writer<'_, '_, '_, '_> {
    fn skip(&mut self, i: u32) -> bool {
        self.excluded[i as usize] || self.dom.nodes[i as usize].tag.is_never_text()
    }

    fn enter(&mut self, i: u32) {
        let n = &self.dom.nodes[i as usize];
        match n.tag {
            Tag::Text => {
                if n.text.trim().is_empty() {
                    if self.in_text_container() {
                        self.out.push(' ');
                    }
                    return;
                }
                self.open_auto_p();
                self.last_br = false;
                escape_text(&mut self.out, n.text);
            }
            Tag::Br => {
                if self.last_br && self.auto_p {
                    self.close_auto_p();
                } else if self.in_text_container() {
                    self.out.push_str("<br>");
                }
                self.last_br = true;
            }
            Tag::Img => {
                if self.image(i) {
                    self.last_br = false;
                }
            }
            Tag::A => {
                let href = n.attr("href").and_then(|h| {
                    let h = h.trim();
                    // `get`, not `[..7]`: an href starting with
                    // multi-byte characters ("новости/1", full-width
                    // letters) has no character boundary at byte 7.
                    if h.len() > 7
                        && h.get(..7)
                            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
                    {
                        Url::parse(h).ok()
                    } else {
                        absolute(self.base, h)
                    }
                });
                match href {
                    Some(href) => {
                        self.open_auto_p();
                        self.out.push_str("<a href=\"");
                        escape_attr(&mut self.out, href.as_str());
                        self.out.push_str("\">");
                        self.phrasing.push(true);
                    }
                    None => self.skipped_elements.push(i),
                }
            }
            tag => {
                let name = n.el.map(|e| e.name()).unwrap_or("");
                match kept_name(tag, name) {
                    Some(out) => {
                        let text_level = takes_text(out) && tag != Tag::Td && tag != Tag::Th;
                        if text_level && tag == Tag::Inline || tag == Tag::Code {
                            self.open_auto_p();
                        } else {
                            self.close_auto_p();
                        }
                        self.last_br = false;
                        let _ = write!(self.out, "<{out}");
                        if matches!(tag, Tag::Td | Tag::Th) {
                            for a in ["colspan", "rowspan"] {
                                if let Some(v) = n.attr(a).filter(|v| v.parse::<u16>().is_ok()) {
                                    let _ = write!(self.out, " {a}=\"{v}\"");
                                }
                            }
                        }
                        self.out.push('>');
                        if out == "hr" {
                            self.skipped_elements.push(i);
                        } else {
                            self.phrasing.push(takes_text(out));
                        }
                    }
                    None => {
                        if tag.is_block() {
                            self.close_auto_p();
                            self.last_br = false;
                        }
                        self.skipped_elements.push(i);
                    }
                }
            }
        }
    }

    fn leave(&mut self, i: u32) {
        if self.skipped_elements.last() == Some(&i) {
            self.skipped_elements.pop();
            if self.dom.nodes[i as usize].tag.is_block() {
                self.close_auto_p();
            }
            return;
        }
        let n = &self.dom.nodes[i as usize];
        let name = match n.tag {
            Tag::Text | Tag::Br | Tag::Img => return,
            Tag::A => "a",
            tag => match kept_name(tag, n.el.map(|e| e.name()).unwrap_or("")) {
                Some(name) => name,
                None => return,
            },
        };
        if !matches!(n.tag, Tag::A | Tag::Inline | Tag::Code) {
            self.close_auto_p();
        }
        self.phrasing.pop();
        let _ = write!(self.out, "</{name}>");
    }
}
