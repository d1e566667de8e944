//! A flat, pre-order view of a parsed page, the shape every other part of
//! `extract` works on.
//!
//! In: a `scraper::Html` (html5ever's tree in an `ego_tree`). Out: [`Dom`], one
//! [`Node`] per element and text node in document order, each knowing its
//! parent and where its subtree ends, plus the element's [`Tag`].
//!
//! Why a second view of the tree: scoring needs per-node numbers (text length,
//! link text, paragraph counts) summed bottom-up, and `ego_tree::NodeId` does
//! not expose its index, so side tables keyed by it would need hashing. In
//! pre-order a subtree is the index range `i..end`, children are found by
//! hopping `end`, and a bottom-up sum is one reverse loop over a `Vec`. Every
//! walk here is iterative: a 10 000-deep nesting
//! (`corpus/hostile/deep-html-nesting-10k.xml`) must not overflow the stack.

use scraper::node::Element;
use scraper::{ElementRef, Html};

use super::hints;

/// Marks "no node" in `u32` links.
pub(super) const NONE: u32 = u32::MAX;

/// The elements `extract` treats differently; everything else is
/// [`Tag::Other`], rendered inline (a browser's default for unknown elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Text,
    A,
    Address,
    Article,
    Aside,
    Audio,
    Blockquote,
    Body,
    Br,
    Button,
    Canvas,
    Caption,
    Center,
    Code,
    Dd,
    Details,
    Dialog,
    Div,
    Dl,
    Dt,
    Embed,
    Fieldset,
    Figcaption,
    Figure,
    Footer,
    Form,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Head,
    Header,
    Hr,
    Html,
    Iframe,
    Img,
    Input,
    Label,
    Legend,
    Li,
    Main,
    Map,
    Math,
    Menu,
    Meta,
    Nav,
    Noscript,
    Object,
    Ol,
    Option,
    P,
    Picture,
    Pre,
    Script,
    Section,
    Select,
    Style,
    Summary,
    Svg,
    Table,
    Tbody,
    Td,
    Template,
    Textarea,
    Tfoot,
    Th,
    Thead,
    Time,
    Title,
    Tr,
    Ul,
    Video,
    /// Inline formatting we keep in sanitized HTML (b, i, em, strong, sub, ...).
    Inline,
    Other,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "a" => Tag::A,
            "address" => Tag::Address,
            "article" => Tag::Article,
            "aside" => Tag::Aside,
            "audio" => Tag::Audio,
            "blockquote" => Tag::Blockquote,
            "body" => Tag::Body,
            "br" => Tag::Br,
            "button" => Tag::Button,
            "canvas" => Tag::Canvas,
            "caption" => Tag::Caption,
            "center" => Tag::Center,
            "code" => Tag::Code,
            "dd" => Tag::Dd,
            "details" => Tag::Details,
            "dialog" => Tag::Dialog,
            "div" => Tag::Div,
            "dl" => Tag::Dl,
            "dt" => Tag::Dt,
            "embed" => Tag::Embed,
            "fieldset" => Tag::Fieldset,
            "figcaption" => Tag::Figcaption,
            "figure" => Tag::Figure,
            "footer" => Tag::Footer,
            "form" => Tag::Form,
            "h1" => Tag::H1,
            "h2" => Tag::H2,
            "h3" => Tag::H3,
            "h4" => Tag::H4,
            "h5" => Tag::H5,
            "h6" => Tag::H6,
            "head" => Tag::Head,
            "header" => Tag::Header,
            "hr" => Tag::Hr,
            "html" => Tag::Html,
            "iframe" | "frame" | "frameset" => Tag::Iframe,
            "img" => Tag::Img,
            "input" => Tag::Input,
            "label" => Tag::Label,
            "legend" => Tag::Legend,
            "li" => Tag::Li,
            "main" => Tag::Main,
            "map" => Tag::Map,
            "math" => Tag::Math,
            "menu" => Tag::Menu,
            "meta" | "link" | "base" => Tag::Meta,
            "nav" => Tag::Nav,
            "noscript" => Tag::Noscript,
            "object" | "applet" => Tag::Object,
            "ol" => Tag::Ol,
            "option" | "optgroup" | "datalist" => Tag::Option,
            "p" => Tag::P,
            "picture" => Tag::Picture,
            "pre" | "listing" | "xmp" | "plaintext" => Tag::Pre,
            "script" => Tag::Script,
            "section" => Tag::Section,
            "select" => Tag::Select,
            "style" => Tag::Style,
            "summary" => Tag::Summary,
            "svg" => Tag::Svg,
            "table" => Tag::Table,
            "tbody" => Tag::Tbody,
            "td" => Tag::Td,
            "template" => Tag::Template,
            "textarea" => Tag::Textarea,
            "tfoot" => Tag::Tfoot,
            "th" => Tag::Th,
            "thead" => Tag::Thead,
            "time" => Tag::Time,
            "title" => Tag::Title,
            "tr" => Tag::Tr,
            "ul" | "dir" => Tag::Ul,
            "video" => Tag::Video,
            "b" | "strong" | "i" | "em" | "u" | "s" | "strike" | "del" | "ins" | "sub" | "sup"
            | "mark" | "q" | "cite" | "small" | "abbr" | "kbd" | "samp" | "var" | "dfn" => {
                Tag::Inline
            }
            _ => Tag::Other,
        }
    }

    /// Elements that start a new line when rendered (CSS `display: block`,
    /// `list-item` or table parts in every browser's default style sheet).
    pub(super) fn is_block(self) -> bool {
        matches!(
            self,
            Tag::Address
                | Tag::Article
                | Tag::Aside
                | Tag::Blockquote
                | Tag::Body
                | Tag::Caption
                | Tag::Center
                | Tag::Dd
                | Tag::Details
                | Tag::Dialog
                | Tag::Div
                | Tag::Dl
                | Tag::Dt
                | Tag::Fieldset
                | Tag::Figcaption
                | Tag::Figure
                | Tag::Footer
                | Tag::Form
                | Tag::H1
                | Tag::H2
                | Tag::H3
                | Tag::H4
                | Tag::H5
                | Tag::H6
                | Tag::Header
                | Tag::Hr
                | Tag::Html
                | Tag::Legend
                | Tag::Li
                | Tag::Main
                | Tag::Menu
                | Tag::Nav
                | Tag::Ol
                | Tag::Option
                | Tag::P
                | Tag::Pre
                | Tag::Section
                | Tag::Summary
                | Tag::Table
                | Tag::Tbody
                | Tag::Td
                | Tag::Tfoot
                | Tag::Th
                | Tag::Thead
                | Tag::Tr
                | Tag::Ul
        )
    }

    pub(super) fn is_heading(self) -> bool {
        matches!(
            self,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6
        )
    }

    /// Elements whose content is never article text: code, styling, embedded
    /// objects and form controls. Text inside them is not rendered or counted.
    pub(super) fn is_never_text(self) -> bool {
        matches!(
            self,
            Tag::Script
                | Tag::Style
                | Tag::Noscript
                | Tag::Template
                | Tag::Head
                | Tag::Title
                | Tag::Meta
                | Tag::Iframe
                | Tag::Object
                | Tag::Embed
                | Tag::Svg
                | Tag::Canvas
                | Tag::Select
                | Tag::Option
                | Tag::Textarea
                | Tag::Input
                | Tag::Button
                | Tag::Audio
                | Tag::Video
                | Tag::Map
                | Tag::Dialog
        )
    }
}

/// One element or text node of the page.
#[derive(Clone, Copy)]
pub(super) struct Node<'a> {
    pub tag: Tag,
    /// Index of the parent element, [`NONE`] for the root.
    pub parent: u32,
    /// One past the last node of this subtree: the subtree is `i..end`.
    pub end: u32,
    /// The text of a text node, `""` otherwise.
    pub text: &'a str,
    /// The element of an element node.
    pub el: Option<&'a Element>,
    /// The same element as `scraper` sees it, for CSS selector matching.
    pub eref: Option<ElementRef<'a>>,
    /// What the `class` and the `id` say ([`hints`] bits).
    pub class_bits: u8,
    pub id_bits: u8,
    /// Hidden by an attribute, or a landmark of page furniture.
    pub hidden: bool,
}

impl<'a> Node<'a> {
    pub(super) fn attr(&self, name: &str) -> Option<&'a str> {
        let el = self.el?;
        el.attrs
            .iter()
            .find(|(q, _)| &*q.local == name)
            .map(|(_, v)| &**v)
    }

    pub(super) fn element_ref(&self) -> Option<ElementRef<'a>> {
        self.eref
    }
}

/// The page as a pre-order list of element and text nodes (comments,
/// doctypes and processing instructions are left out).
pub(super) struct Dom<'a> {
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Dom<'a> {
    pub(super) fn new(html: &'a Html) -> Dom<'a> {
        let mut nodes: Vec<Node<'a>> = Vec::with_capacity(html.tree.values().len());
        // Stack of open elements as indexes into `nodes`; an entry is closed
        // (its `end` fixed) when the walk leaves its subtree.
        let mut open: Vec<u32> = Vec::new();
        let root = html.tree.root();
        let mut cur = root.first_child();
        // Depth-first, pre-order, without recursion.
        while let Some(n) = cur {
            let parent = open.last().copied().unwrap_or(NONE);
            let mut descend = false;
            match n.value() {
                scraper::Node::Element(el) => {
                    let idx = nodes.len() as u32;
                    // Attributes are read here, once, while the element is
                    // in cache: a separate pass over every element's
                    // attributes cost more in memory traffic than in work.
                    let (mut class_bits, mut id_bits, mut hidden) = (0, 0, false);
                    for (q, v) in el.attrs.iter() {
                        match &*q.local {
                            "class" => class_bits = hints::of(v),
                            "id" => id_bits = hints::of(v),
                            "hidden" => hidden = true,
                            "aria-hidden" => hidden |= v.trim() == "true",
                            "style" => hidden |= is_hidden_style(v),
                            "role" => hidden |= is_boilerplate_role(v),
                            _ => {}
                        }
                    }
                    nodes.push(Node {
                        tag: Tag::of(el.name()),
                        parent,
                        end: idx + 1,
                        text: "",
                        el: Some(el),
                        eref: ElementRef::wrap(n),
                        class_bits,
                        id_bits,
                        hidden,
                    });
                    if n.has_children() {
                        open.push(idx);
                        descend = true;
                    }
                }
                scraper::Node::Text(t) => {
                    let idx = nodes.len() as u32;
                    nodes.push(Node {
                        tag: Tag::Text,
                        parent,
                        end: idx + 1,
                        text: t,
                        el: None,
                        eref: None,
                        class_bits: 0,
                        id_bits: 0,
                        hidden: false,
                    });
                }
                // A fragment's synthetic root <html> comes as an element; the
                // document node is the tree root, skipped above.
                _ => {}
            }
            if descend {
                cur = n.first_child();
                continue;
            }
            // Move to the next sibling, closing finished elements on the way up.
            let mut up = n;
            loop {
                if let Some(s) = up.next_sibling() {
                    cur = Some(s);
                    break;
                }
                match up.parent() {
                    Some(p) if p.id() != root.id() => {
                        if let Some(i) = open.pop() {
                            nodes[i as usize].end = nodes.len() as u32;
                        }
                        up = p;
                    }
                    _ => {
                        cur = None;
                        break;
                    }
                }
            }
        }
        let len = nodes.len() as u32;
        while let Some(i) = open.pop() {
            nodes[i as usize].end = len;
        }
        Dom { nodes }
    }

    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Children of node `i`, in order.
    pub(super) fn children(&self, i: u32) -> Children<'_, 'a> {
        Children {
            dom: self,
            next: i + 1,
            end: self.nodes[i as usize].end,
        }
    }

    /// Visits the subtree of `root` in document order: `enter` for each node,
    /// `leave` for each element after its children. A subtree whose root
    /// `skip` refuses is neither entered nor left.
    pub(super) fn walk(&self, root: u32, v: &mut impl Visit) {
        let end = self.nodes[root as usize].end;
        let mut open: Vec<u32> = Vec::new();
        let mut i = root;
        while i < end {
            while let Some(&top) = open.last() {
                if self.nodes[top as usize].end > i {
                    break;
                }
                open.pop();
                v.leave(top);
            }
            if v.skip(i) {
                i = self.nodes[i as usize].end;
                continue;
            }
            v.enter(i);
            let n = &self.nodes[i as usize];
            if n.end > i + 1 {
                open.push(i);
            } else if n.tag != Tag::Text {
                v.leave(i);
            }
            i += 1;
        }
        while let Some(top) = open.pop() {
            v.leave(top);
        }
    }

    /// First element of the given tag anywhere in the page.
    pub(super) fn find(&self, tag: Tag) -> Option<u32> {
        self.nodes
            .iter()
            .position(|n| n.tag == tag)
            .map(|i| i as u32)
    }
}

/// `display: none` or `visibility: hidden` in a style attribute.
fn is_hidden_style(style: &str) -> bool {
    let s = style.as_bytes();
    let has = |needle: &str| {
        s.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    (has("display") && (has("display:none") || has("display: none")))
        || (has("visibility") && (has("visibility:hidden") || has("visibility: hidden")))
}

/// ARIA roles of page furniture (WAI-ARIA 1.2 landmark and live-region roles).
fn is_boilerplate_role(role: &str) -> bool {
    matches!(
        role.trim(),
        "menu" | "menubar" | "complementary" | "navigation" | "alert" | "alertdialog" | "dialog"
    )
}

/// What [`Dom::walk`] calls back.
pub(super) trait Visit {
    fn skip(&mut self, i: u32) -> bool;
    fn enter(&mut self, i: u32);
    fn leave(&mut self, i: u32);
}

pub(super) struct Children<'d, 'a> {
    dom: &'d Dom<'a>,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        self.next = self.dom.nodes[i as usize].end;
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees_are_index_ranges_in_document_order() {
        let html = Html::parse_document("<p>a<b>b</b></p><div><i>c</i>d</div>");
        let dom = Dom::new(&html);
        let tags: Vec<Tag> = dom.nodes.iter().map(|n| n.tag).collect();
        assert_eq!(
            tags,
            [
                Tag::Html,
                Tag::Head,
                Tag::Body,
                Tag::P,
                Tag::Text,
                Tag::Inline,
                Tag::Text,
                Tag::Div,
                Tag::Inline,
                Tag::Text,
                Tag::Text
            ]
        );
        let p = 3;
        assert_eq!(dom.nodes[p].end, 7);
        assert_eq!(dom.nodes[6].parent, 5);
        let body_children: Vec<u32> = dom.children(2).collect();
        assert_eq!(body_children, [3, 7]);
        assert_eq!(dom.nodes[0].end as usize, dom.len());
    }
}
