//! Plain text from a part of the page, the way a browser would lay it out:
//! block elements start paragraphs, inline elements glue to their
//! neighbours (`<b>Каз</b>ахстан` stays one word), whitespace collapses,
//! `<br>` breaks a line and `<br><br>` a paragraph (how table-era layouts
//! mark paragraphs). Paragraphs come out separated by one blank line, the
//! shape [`crate::model::Article::text`] promises.

use super::dom::{Dom, Tag, Visit};

/// Byte length of the whitespace character at `b[i]`, 0 if it is not one:
/// the characters `char::is_whitespace` accepts, tested on UTF-8 bytes
/// directly. Text is scanned this way several times per page (lengths,
/// rendering); decoding every character to ask made that scan the largest
/// cost of extraction after the parse.
#[inline]
pub(super) fn space_len(b: &[u8], i: usize) -> usize {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => 1,
        // U+0085, U+00A0
        0xC2 if matches!(at(1), 0x85 | 0xA0) => 2,
        // U+1680
        0xE1 if at(1) == 0x9A && at(2) == 0x80 => 3,
        // U+2000..U+200A, U+2028, U+2029, U+202F; U+205F
        0xE2 if at(1) == 0x80 && matches!(at(2), 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF) => 3,
        0xE2 if at(1) == 0x81 && at(2) == 0x9F => 3,
        // U+3000
        0xE3 if at(1) == 0x80 && at(2) == 0x80 => 3,
        _ => 0,
    }
}

/// Byte length of the UTF-8 character whose first byte is `lead`.
#[inline]
pub(super) fn utf8_len(lead: u8) -> usize {
    match lead {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Calls `f` with each maximal run of non-whitespace in `s`, and tells
/// whether whitespace came before it.
#[inline]
fn for_each_word(s: &str, mut f: impl FnMut(&str, bool)) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let mut space_before = false;
    while i < b.len() {
        let w = if b[i] < 0x80 && !b[i].is_ascii_whitespace() && b[i] != 0x0b {
            0
        } else {
            space_len(b, i)
        };
        if w == 0 {
            i += utf8_len(b[i]);
            continue;
        }
        if start < i {
            f(&s[start..i], space_before);
        }
        space_before = true;
        i += w;
        start = i;
    }
    if start < b.len() {
        f(&s[start..], space_before);
    } else if space_before {
        f("", true);
    }
}

/// The pending separator between what was written and what comes next;
/// the strongest one asked for wins, and none is written at the very start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Brk {
    None,
    Space,
    Line,
    Para,
}

/// A text buffer that collapses whitespace and merges breaks.
pub(super) struct TextOut {
    buf: String,
    pending: Brk,
}

impl TextOut {
    pub(super) fn new() -> TextOut {
        TextOut {
            buf: String::new(),
            pending: Brk::None,
        }
    }

    fn brk(&mut self, b: Brk) {
        if b > self.pending {
            self.pending = b;
        }
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            match self.pending {
                Brk::None => {}
                Brk::Space => self.buf.push(' '),
                Brk::Line => self.buf.push('\n'),
                Brk::Para => self.buf.push_str("\n\n"),
            }
        }
        self.pending = Brk::None;
    }

    /// Appends text with runs of whitespace collapsed to one space.
    fn text(&mut self, s: &str) {
        for_each_word(s, |word, space_before| {
            if space_before {
                self.brk(Brk::Space);
            }
            if !word.is_empty() {
                self.flush();
                self.buf.push_str(word);
            }
        });
    }

    /// Appends preformatted text: spaces kept (a highlighter's spans leave
    /// the space between two keywords in a text node of its own), newlines
    /// break lines.
    fn pre(&mut self, s: &str) {
        let mut first = true;
        for line in s.split('\n') {
            if !first {
                self.brk(Brk::Line);
            }
            first = false;
            let line = line.trim_end_matches('\r');
            if !line.is_empty() {
                self.flush();
                self.buf.push_str(line);
            }
        }
    }

    pub(super) fn finish(mut self) -> String {
        // Preformatted lines may end in spaces; nothing else does.
        if self.buf.contains(" \n") {
            self.buf = self
                .buf
                .split('\n')
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n");
        }
        let end = self.buf.trim_end().len();
        self.buf.truncate(end);
        self.buf
    }
}

/// Renders the subtrees of `roots` (in the order given) as text, leaving out
/// every node for which `excluded` is true.
pub(super) fn render(dom: &Dom<'_>, roots: &[u32], excluded: &[bool]) -> String {
    let mut r = Renderer {
        dom,
        excluded,
        out: TextOut::new(),
        pre: 0,
        last_br: false,
    };
    for &root in roots {
        r.out.brk(Brk::Para);
        dom.walk(root, &mut r);
    }
    r.out.finish()
}

struct Renderer<'d, 'a, 'x> {
    dom: &'d Dom<'a>,
    excluded: &'x [bool],
    out: TextOut,
    pre: u32,
    last_br: bool,
}

impl Visit for Renderer<'_, '_, '_> {
    fn skip(&mut self, i: u32) -> bool {
        self.excluded[i as usize] || self.dom.nodes[i as usize].tag.is_never_text()
    }

    fn enter(&mut self, i: u32) {
        let n = &self.dom.nodes[i as usize];
        match n.tag {
            Tag::Text => {
                if self.pre > 0 {
                    self.out.pre(n.text);
                    self.last_br = false;
                } else if !n.text.trim().is_empty() {
                    self.out.text(n.text);
                    self.last_br = false;
                } else {
                    self.out.text(n.text);
                }
                return;
            }
            Tag::Br => {
                self.out
                    .brk(if self.last_br { Brk::Para } else { Brk::Line });
                self.last_br = true;
                return;
            }
            Tag::Pre => self.pre += 1,
            _ => {}
        }
        self.open_close(n.tag);
    }

    fn leave(&mut self, i: u32) {
        let tag = self.dom.nodes[i as usize].tag;
        if tag == Tag::Pre {
            self.pre -= 1;
        }
        if tag != Tag::Br {
            self.open_close(tag);
        }
    }
}

impl Renderer<'_, '_, '_> {
    fn open_close(&mut self, tag: Tag) {
        match tag {
            Tag::Td | Tag::Th => self.out.brk(Brk::Space),
            Tag::Tr => self.out.brk(Brk::Line),
            t if t.is_block() => {
                self.out.brk(Brk::Para);
                self.last_br = false;
            }
            Tag::Img => self.out.brk(Brk::Space),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn text_of(page: &str) -> String {
        let html = Html::parse_document(page);
        let dom = Dom::new(&html);
        let excluded = vec![false; dom.len()];
        render(&dom, &[0], &excluded)
    }

    #[test]
    fn byte_level_whitespace_agrees_with_char_is_whitespace() {
        let samples = [
            "a\u{a0}b\u{2009}c\u{3000}d\u{85}e\u{1680}f\u{205f}g",
            "  Қазақстан\t\n  тілі ",
            "no-space\u{200b}zero-width\u{2060}joiner",
            "",
            " ",
        ];
        for s in samples {
            let mut got = Vec::new();
            for_each_word(s, |w, _| {
                if !w.is_empty() {
                    got.push(w.to_string())
                }
            });
            let want: Vec<String> = s
                .split(char::is_whitespace)
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn inline_elements_do_not_split_words() {
        assert_eq!(
            text_of("<p><b>Каз</b>ахстан и <i>Қазақстан</i></p>"),
            "Казахстан и Қазақстан"
        );
    }

    #[test]
    fn blocks_become_paragraphs_separated_by_one_blank_line() {
        assert_eq!(
            text_of("<div>  one\n two </div><p>three</p><ul><li>four</li><li>five</li></ul>"),
            "one two\n\nthree\n\nfour\n\nfive"
        );
    }

    #[test]
    fn double_br_is_a_paragraph_and_single_br_a_line() {
        assert_eq!(
            text_of("<td>first line<br>second<br> <br>next paragraph</td>"),
            "first line\nsecond\n\nnext paragraph"
        );
    }

    #[test]
    fn scripts_styles_and_forms_controls_are_not_text() {
        assert_eq!(
            text_of(
                "<p>a<script>var x = 1;</script>b</p><style>p{}</style><select><option>o</option></select>"
            ),
            "ab"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        assert_eq!(
            text_of("<pre>fn main() {\n    x\n}</pre>"),
            "fn main() {\n    x\n}"
        );
    }
}
