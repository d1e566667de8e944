//! Finding the main content of a page: which subtrees hold the article and
//! which nodes inside them are not part of it.
//!
//! In: a [`Dom`] and the nodes already excluded (hidden, stripped by a
//! source's rules). Out: [`Content`], the content roots in document order and
//! the per-node exclusion list the renderers honour.
//!
//! The method is Readability's (Arc90, 2009; Mozilla's Readability.js):
//! every paragraph-sized run of text scores its container and, less, the
//! containers above it; the best-scoring container, discounted by its link
//! density, is the content; its siblings that score close to it or read like
//! prose join it (bodies split across sibling divs); then boilerplate inside
//! is pruned, bottom-up: by shape (link-heavy blocks, image strips, form
//! controls — data tables stay whole), by name (share bars, captions,
//! bylines), by content (the repeated headline, date lines, "Читайте
//! также" / "Read more" lines and links, copyright lines), and line by line
//! where `<br>` layouts give no element to judge ([`super::lines`]).
//!
//! Where feedsieve departs from Readability — the rules after the shape
//! tests, and the thresholds commented below — it is because ScrapingHub's
//! human-annotated benchmark pages say so; `BENCHMARKS.md` has the numbers.

use super::dom::{Dom, NONE, Tag, Visit};
use super::hints;
use super::text::{space_len, utf8_len};

/// The chosen content of a page.
pub(super) struct Content {
    /// Subtrees that make the article, in document order.
    pub roots: Vec<u32>,
    /// Nodes (with their subtrees) left out of the article.
    pub excluded: Vec<bool>,
    /// Length of the article's text.
    pub chars: u32,
}

/// How hard to look: the first pass strips likely boilerplate early; when
/// that leaves too little text the page is scored again more leniently
/// (Readability's "flags" retry).
#[derive(Clone, Copy)]
struct Pass {
    strip_unlikely: bool,
    weigh_classes: bool,
    clean_conditionally: bool,
}

const PASSES: [Pass; 3] = [
    Pass {
        strip_unlikely: true,
        weigh_classes: true,
        clean_conditionally: true,
    },
    Pass {
        strip_unlikely: false,
        weigh_classes: true,
        clean_conditionally: true,
    },
    Pass {
        strip_unlikely: false,
        weigh_classes: false,
        clean_conditionally: false,
    },
];

/// Below this many characters of text a pass is not trusted and the next,
/// more lenient one is tried (Readability's `charThreshold`). Readability
/// uses 500, tuned on blogs; news briefs of three sentences are shorter,
/// and for them the lenient pass, which keeps comment threads, won with
/// the comments. 300 raised ScrapingHub's mean F1 by 0.005 (one page from
/// 0.00 to 0.94) and cost nothing elsewhere but one page of the
/// Readability set, whose expected text keeps a menu.
const ENOUGH_CHARS: u32 = 300;

/// Per-node facts that do not depend on the pass.
pub(super) struct Facts {
    /// Hidden or never text, or excluded by the caller.
    gone: Vec<bool>,
    /// The titles the page declares, to drop the headline from the text.
    titles: Vec<String>,
    /// What `class` and `id` say, per node (the [`Dom`]'s, in arrays of
    /// their own).
    class_bits: Vec<u8>,
    id_bits: Vec<u8>,
}

impl Facts {
    pub(super) fn new(dom: &Dom<'_>, excluded: &[bool], titles: Vec<String>) -> Facts {
        let mut gone = excluded.to_vec();
        let mut class_bits = Vec::with_capacity(dom.len());
        let mut id_bits = Vec::with_capacity(dom.len());
        for (g, node) in gone.iter_mut().zip(&dom.nodes) {
            if node.hidden || node.tag.is_never_text() || node.tag == Tag::Nav {
                *g = true;
            }
            class_bits.push(node.class_bits);
            id_bits.push(node.id_bits);
        }
        Facts {
            gone,
            titles,
            class_bits,
            id_bits,
        }
    }

    fn class_weight(&self, i: usize) -> f32 {
        let mut w = 0.0;
        for bits in [self.class_bits[i], self.id_bits[i]] {
            if bits & hints::NEGATIVE != 0 {
                w -= 25.0;
            }
            if bits & hints::POSITIVE != 0 {
                w += 25.0;
            }
        }
        w
    }

    fn unlikely(&self, dom: &Dom<'_>, i: usize) -> bool {
        // <aside> and <footer> are page furniture by definition (HTML
        // §4.3.5, §4.3.8); a lenient pass still looks inside them.
        if matches!(dom.nodes[i].tag, Tag::Aside | Tag::Footer) {
            return true;
        }
        let bits = self.class_bits[i] | self.id_bits[i];
        bits & hints::UNLIKELY != 0
            && bits & hints::MAYBE == 0
            && !matches!(
                dom.nodes[i].tag,
                Tag::Body | Tag::Html | Tag::A | Tag::Article | Tag::Main
            )
    }

    fn junk(&self, i: usize) -> bool {
        (self.class_bits[i] | self.id_bits[i]) & hints::JUNK != 0
    }

    fn caption(&self, i: usize) -> bool {
        (self.class_bits[i] | self.id_bits[i]) & hints::CAPTION != 0
    }
}

/// Finds the content of the page, trying more lenient passes when a strict
/// one finds too little.
pub(super) fn find(
    dom: &Dom<'_>,
    facts: &Facts,
    mut trace: Option<&mut String>,
) -> Option<Content> {
    let mut best: Option<(u32, Content)> = None;
    for pass in PASSES {
        let Some(c) = find_with(dom, facts, pass, trace.as_deref_mut()) else {
            continue;
        };
        let chars = c.chars;
        if chars >= ENOUGH_CHARS {
            return Some(c);
        }
        if best.as_ref().is_none_or(|(b, _)| chars > *b) {
            best = Some((chars, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Length of a text with its whitespace collapsed (as Readability measures
/// `textContent`, minus leading and trailing space), its commas, and
/// whether it has a `©`.
fn char_count(s: &str) -> (u32, u32, bool) {
    let b = s.as_bytes();
    let (mut chars, mut commas, mut gap) = (0u32, 0u32, false);
    let mut copyright = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let w = if c < 0x80 && !c.is_ascii_whitespace() && c != 0x0b {
            0
        } else {
            space_len(b, i)
        };
        if w > 0 {
            gap = chars > 0;
            i += w;
            continue;
        }
        chars += 1 + gap as u32;
        gap = false;
        let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
        // ',' and the CJK (U+FF0C, U+3001) and Arabic (U+060C) commas.
        if c == b','
            || (c == 0xEF && at(1) == 0xBC && at(2) == 0x8C)
            || (c == 0xE3 && at(1) == 0x80 && at(2) == 0x81)
            || (c == 0xD8 && at(1) == 0x8C)
        {
            commas += 1;
        }
        copyright |= c == 0xC2 && at(1) == 0xA9;
        i += utf8_len(c);
    }
    (chars, commas, copyright)
}

/// A run of inline text between block boundaries: what a reader sees as one
/// paragraph.
#[derive(Clone, Copy)]
struct Run {
    /// The nearest block element around the run.
    owner: u32,
    chars: u32,
    link_chars: u32,
    commas: u32,
}

const IN_LINK: u8 = 1;
const IN_TIME: u8 = 2;
const HAS_COPYRIGHT: u8 = 4;

/// Numbers from one walk over the page (what a pass has not removed).
struct Measured {
    /// Text length of each subtree; of a text node, its own.
    chars: Vec<u32>,
    /// Text length inside links, per subtree.
    link_chars: Vec<u32>,
    /// Commas of each text node.
    commas: Vec<u32>,
    /// [`IN_LINK`], [`IN_TIME`], [`HAS_COPYRIGHT`] of each text node.
    text_flags: Vec<u8>,
    /// Has a [`is_blockish`] element below it.
    has_blocks: Vec<bool>,
    runs: Vec<Run>,
}

/// The walk that fills [`Measured`].
struct Measure<'d, 'a, 'x> {
    dom: &'d Dom<'a>,
    gone: &'x [bool],
    m: Measured,
    /// Open block elements.
    blocks: Vec<u32>,
    /// Open links.
    links: u32,
    /// Open `<time>` elements.
    times: u32,
    cur: Run,
    last_br: bool,
}

const NO_RUN: Run = Run {
    owner: NONE,
    chars: 0,
    link_chars: 0,
    commas: 0,
};

impl Measure<'_, '_, '_> {
    fn run(dom: &Dom<'_>, gone: &[bool]) -> Measured {
        let n = dom.len();
        let mut w = Measure {
            dom,
            gone,
            m: Measured {
                chars: vec![0; n],
                link_chars: vec![0; n],
                commas: vec![0; n],
                text_flags: vec![0; n],
                has_blocks: vec![false; n],
                runs: Vec::new(),
            },
            blocks: Vec::new(),
            links: 0,
            times: 0,
            cur: NO_RUN,
            last_br: false,
        };
        if n > 0 {
            dom.walk(0, &mut w);
        }
        w.flush();
        w.m
    }

    fn flush(&mut self) {
        if self.cur.chars > 0 {
            self.m.runs.push(Run {
                owner: self.blocks.last().copied().unwrap_or(NONE),
                ..self.cur
            });
        }
        self.cur = NO_RUN;
    }
}

impl Visit for Measure<'_, '_, '_> {
    fn skip(&mut self, i: u32) -> bool {
        self.gone[i as usize]
    }

    fn enter(&mut self, i: u32) {
        let n = &self.dom.nodes[i as usize];
        match n.tag {
            Tag::Text => {
                let (c, commas, copyright) = char_count(n.text);
                if c > 0 && n.parent != NONE {
                    let (i, p) = (i as usize, n.parent as usize);
                    // Text nodes are not left (they have no children), so
                    // they add to their parent here.
                    self.m.chars[i] = c;
                    self.m.commas[i] = commas;
                    self.m.chars[p] += c;
                    self.cur.chars += c;
                    self.cur.commas += commas;
                    let mut flags = if copyright { HAS_COPYRIGHT } else { 0 };
                    if self.times > 0 {
                        flags |= IN_TIME;
                    }
                    if self.links > 0 {
                        flags |= IN_LINK;
                        self.m.link_chars[p] += c;
                        self.cur.link_chars += c;
                    }
                    self.m.text_flags[i] = flags;
                    self.last_br = false;
                }
            }
            Tag::Br => {
                if self.last_br {
                    self.flush();
                }
                self.last_br = true;
            }
            Tag::A => {
                self.links += 1;
                self.last_br = false;
            }
            Tag::Time => self.times += 1,
            t if t.is_block() => {
                self.flush();
                self.blocks.push(i);
                self.last_br = false;
            }
            _ => self.last_br = false,
        }
    }

    fn leave(&mut self, i: u32) {
        let n = &self.dom.nodes[i as usize];
        match n.tag {
            Tag::A => self.links -= 1,
            Tag::Time => self.times -= 1,
            t if t.is_block() => {
                self.flush();
                self.blocks.pop();
            }
            _ => {}
        }
        // Children are all left before their parent, so sums are complete.
        if n.parent != NONE {
            let (i, p) = (i as usize, n.parent as usize);
            self.m.chars[p] += self.m.chars[i];
            self.m.link_chars[p] += self.m.link_chars[i];
            if is_blockish(n.tag) || self.m.has_blocks[i] {
                self.m.has_blocks[p] = true;
            }
        }
    }
}

/// How a run of text scores, by the block it sits in.
#[derive(PartialEq)]
enum Owner {
    /// A paragraph: the run scores the element's parent first.
    Paragraph,
    /// A layout block (`div`, `td`, `section`) holding loose text between
    /// its block children: the run scores the block itself first. A layout
    /// block with no block inside is a paragraph, as Readability turns such
    /// a `div` into a `p`.
    Container,
    /// List items, quotes, captions, table headers and page furniture: their
    /// text does not vote for where the article is.
    Ignored,
}

fn owner_kind(tag: Tag, has_blocks: bool) -> Owner {
    match tag {
        Tag::P | Tag::Pre | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6 => Owner::Paragraph,
        Tag::Div
        | Tag::Section
        | Tag::Article
        | Tag::Main
        | Tag::Body
        | Tag::Form
        | Tag::Center
        | Tag::Td
        | Tag::Html => {
            if has_blocks {
                Owner::Container
            } else {
                Owner::Paragraph
            }
        }
        _ => Owner::Ignored,
    }
}

/// Is `child` the only thing inside the `div` `parent`?
fn wraps_only(dom: &Dom<'_>, parent: u32, child: u32) -> bool {
    dom.nodes[parent as usize].tag == Tag::Div
        && dom.children(parent).all(|c| {
            c == child || {
                let n = &dom.nodes[c as usize];
                n.tag == Tag::Text && n.text.trim().is_empty()
            }
        })
}

/// Elements whose presence makes a `div` a container rather than a
/// paragraph (Readability's `DIV_TO_P_ELEMS`).
fn is_blockish(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::Blockquote
            | Tag::Dl
            | Tag::Div
            | Tag::Img
            | Tag::Ol
            | Tag::P
            | Tag::Pre
            | Tag::Table
            | Tag::Ul
            | Tag::Section
            | Tag::Article
            | Tag::Figure
    ) || tag.is_heading()
}

fn tag_score(tag: Tag) -> f32 {
    match tag {
        Tag::Div => 5.0,
        Tag::Pre | Tag::Td | Tag::Blockquote => 3.0,
        Tag::Address | Tag::Ol | Tag::Ul | Tag::Dl | Tag::Dd | Tag::Dt | Tag::Li | Tag::Form => {
            -3.0
        }
        Tag::Th => -5.0,
        t if t.is_heading() => -5.0,
        _ => 0.0,
    }
}

/// A one-line description of a node for traces: tag, class, id.
fn describe(dom: &Dom<'_>, i: u32) -> String {
    let n = &dom.nodes[i as usize];
    let name = n.el.map(|e| e.name()).unwrap_or("#text");
    let mut s = format!("#{i} <{name}");
    for a in ["id", "class", "itemprop"] {
        if let Some(v) = n.attr(a) {
            let v: String = v.chars().take(60).collect();
            s.push_str(&format!(" {a}={v:?}"));
        }
    }
    s.push('>');
    s
}

fn find_with(
    dom: &Dom<'_>,
    facts: &Facts,
    pass: Pass,
    mut trace: Option<&mut String>,
) -> Option<Content> {
    let n = dom.len();
    if n == 0 {
        return None;
    }
    let mut gone = facts.gone.clone();
    if pass.strip_unlikely {
        for (i, g) in gone.iter_mut().enumerate() {
            if !*g && facts.unlikely(dom, i) {
                *g = true;
            }
        }
    }
    let m = Measure::run(dom, &gone);
    let (chars, link_chars, runs, has_blocks) = (&m.chars, &m.link_chars, &m.runs, &m.has_blocks);

    // Score containers from their paragraphs.
    let mut score: Vec<f32> = vec![0.0; n];
    let mut is_candidate = vec![false; n];
    let mut candidates: Vec<u32> = Vec::new();
    for run in runs {
        if run.chars < 25 || run.owner == NONE {
            continue;
        }
        if run.link_chars * 2 > run.chars {
            continue;
        }
        let s = 1.0 + run.commas as f32 + (run.chars / 100).min(3) as f32;
        let owner = &dom.nodes[run.owner as usize];
        let mut at = match owner_kind(owner.tag, has_blocks[run.owner as usize]) {
            Owner::Paragraph => {
                // A div that only wraps this paragraph is the paragraph
                // (Readability replaces such a div by its p).
                let p = owner.parent;
                if owner.tag == Tag::P && p != NONE && wraps_only(dom, p, run.owner) {
                    dom.nodes[p as usize].parent
                } else {
                    p
                }
            }
            Owner::Container => run.owner,
            Owner::Ignored => continue,
        };
        let mut level = 0u32;
        while at != NONE && level < 5 {
            let a = at as usize;
            if !is_candidate[a] {
                is_candidate[a] = true;
                candidates.push(at);
                score[a] = tag_score(dom.nodes[a].tag);
                if pass.weigh_classes {
                    score[a] += facts.class_weight(a);
                }
            }
            let div = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f32 * 3.0,
            };
            score[a] += s / div;
            at = dom.nodes[a].parent;
            level += 1;
        }
    }
    // Text in prose-like runs per subtree: paragraph-sized, few links.
    let mut prose = vec![0u32; n];
    for run in runs {
        if run.chars >= 25 && run.link_chars * 4 < run.chars && run.owner != NONE {
            prose[run.owner as usize] += run.chars;
        }
    }
    for i in (1..n).rev() {
        let p = dom.nodes[i].parent;
        if p != NONE {
            prose[p as usize] += prose[i];
        }
    }
    let body = dom.find(Tag::Body).unwrap_or(0);
    if candidates.is_empty() {
        // Nothing paragraph-sized: a short page is all content.
        let mut excluded = gone;
        let roots = vec![body];
        let chars = clean(
            dom,
            facts,
            pass,
            &roots,
            &m,
            &mut excluded,
            trace.as_deref_mut(),
        );
        return Some(Content {
            roots,
            excluded,
            chars,
        });
    }
    let link_density = |i: usize| -> f32 {
        if chars[i] == 0 {
            0.0
        } else {
            link_chars[i] as f32 / chars[i] as f32
        }
    };
    for &c in &candidates {
        let c = c as usize;
        score[c] *= 1.0 - link_density(c);
    }
    let mut sorted = candidates.clone();
    sorted.sort_by(|a, b| score[*b as usize].total_cmp(&score[*a as usize]));
    let mut top = sorted[0];
    if let Some(t) = trace.as_deref_mut() {
        use std::fmt::Write;
        let _ = writeln!(
            t,
            "pass strip_unlikely={} weigh_classes={} clean={}",
            pass.strip_unlikely, pass.weigh_classes, pass.clean_conditionally
        );
        for &c in sorted.iter().take(12) {
            let ci = c as usize;
            let _ = writeln!(
                t,
                "  {:8.1} chars={:<6} ld={:.2} {}",
                score[ci],
                chars[ci],
                link_density(ci),
                describe(dom, c)
            );
        }
    }

    // When several strong candidates sit under one ancestor, the article is
    // that ancestor (a body split into blocks that each scored on their own).
    let top_score = score[top as usize];
    let strong: Vec<u32> = sorted[1..sorted.len().min(5)]
        .iter()
        .copied()
        .filter(|&c| score[c as usize] / top_score >= 0.75)
        .collect();
    if strong.len() >= 3 {
        let mut anc = dom.nodes[top as usize].parent;
        while anc != NONE && anc != body {
            let inside = strong
                .iter()
                .filter(|&&c| c > anc && c < dom.nodes[anc as usize].end)
                .count();
            if inside >= 3 {
                top = anc;
                break;
            }
            anc = dom.nodes[anc as usize].parent;
        }
    }
    // Climb while the parent scores about as well: the content is often
    // split into sibling blocks whose common parent collects them.
    {
        let mut last = score[top as usize];
        let threshold = last / 3.0;
        let mut p = dom.nodes[top as usize].parent;
        while p != NONE && p != body {
            if !is_candidate[p as usize] {
                p = dom.nodes[p as usize].parent;
                continue;
            }
            let ps = score[p as usize];
            if ps < threshold {
                break;
            }
            if ps > last {
                top = p;
                break;
            }
            last = ps;
            p = dom.nodes[p as usize].parent;
        }
    }
    // A lone child says nothing its parent does not.
    loop {
        let p = dom.nodes[top as usize].parent;
        if p == NONE || p == body || p == 0 {
            break;
        }
        let elements = dom
            .children(p)
            .filter(|&c| dom.nodes[c as usize].tag != Tag::Text)
            .count();
        if elements != 1 {
            break;
        }
        top = p;
    }

    // Siblings that belong to the article.
    let top_score = score[top as usize];
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = dom.nodes[top as usize].attr("class").unwrap_or("");
    let mut roots = Vec::new();
    let parent = dom.nodes[top as usize].parent;
    if parent == NONE {
        roots.push(top);
    } else {
        for s in dom.children(parent) {
            if s == top {
                roots.push(s);
                continue;
            }
            let si = s as usize;
            if gone[si] || dom.nodes[si].tag == Tag::Text {
                continue;
            }
            let mut bonus = 0.0;
            if !top_class.is_empty() && dom.nodes[si].attr("class") == Some(top_class) {
                bonus = top_score * 0.2;
            }
            if is_candidate[si] && score[si] + bonus >= threshold {
                roots.push(s);
                continue;
            }
            let ld = link_density(si);
            // A paragraph (or a div that is one: no block inside) that reads
            // as prose: long with few links, or a short plain sentence.
            let tag = dom.nodes[si].tag;
            if tag == Tag::P || (tag == Tag::Div && !has_blocks[si]) {
                let len = chars[si];
                if (len > 80 && ld < 0.25)
                    || (len > 0 && len <= 80 && ld == 0.0 && {
                        let t = lead_text(dom, si, &gone, 80);
                        t.contains(". ") || t.ends_with('.')
                    })
                {
                    roots.push(s);
                }
                continue;
            }
            // A body split across sibling blocks: a sibling that is mostly
            // prose joins even when its paragraphs sit too deep to have
            // scored it.
            if prose[si] >= SPLIT_MIN_PROSE
                && prose[si] as f32 >= 0.6 * chars[si] as f32
                && ld < 0.1
                && facts.class_weight(si) >= 0.0
            {
                roots.push(s);
            }
        }
    }

    if let Some(t) = trace.as_deref_mut() {
        use std::fmt::Write;
        let _ = writeln!(t, "  top {}", describe(dom, top));
        for &r in &roots {
            let _ = writeln!(t, "  root {}", describe(dom, r));
        }
    }
    let mut excluded = gone;
    let chars = clean(dom, facts, pass, &roots, &m, &mut excluded, trace);
    Some(Content {
        roots,
        excluded,
        chars,
    })
}

/// Largest block removed for its name alone (Readability's
/// `shareElementThreshold`).
const JUNK_MAX_CHARS: u32 = 500;

/// Prose a sibling block must hold to join the content on its prose alone.
const SPLIT_MIN_PROSE: u32 = 400;

/// Per-node counts for pruning, summed bottom-up over what survives.
#[derive(Default, Clone, Copy)]
struct Counts {
    chars: u32,
    link_chars: u32,
    commas: u32,
    p: u32,
    img: u32,
    li: u32,
    input: u32,
    embed: u32,
    heading_chars: u32,
    time_chars: u32,
    /// Text nodes with a `©`.
    copyright: u32,
    /// Data tables, whole or containing this node (see [`data_tables`]).
    data_tables: u32,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.chars += o.chars;
        self.link_chars += o.link_chars;
        self.commas += o.commas;
        self.p += o.p;
        self.img += o.img;
        self.li += o.li;
        self.input += o.input;
        self.embed += o.embed;
        self.heading_chars += o.heading_chars;
        self.time_chars += o.time_chars;
        self.copyright += o.copyright;
        self.data_tables += o.data_tables;
    }
}

/// Marks the nodes inside data tables under `root`. A data table holds
/// figures, not layout, and is kept whole whatever its shape (Readability's
/// `_markDataTables`, by the same signs): it has headers or a caption, or
/// enough rows and columns to be a grid; a table of one column, marked
/// presentational, or holding another table is layout.
fn data_tables(dom: &Dom<'_>, root: usize, inside: &mut [bool]) {
    let end = dom.nodes[root].end as usize;
    let mut i = root;
    while i < end {
        let n = &dom.nodes[i];
        if n.tag != Tag::Table {
            i += 1;
            continue;
        }
        let t_end = n.end as usize;
        let layout = n.attr("role") == Some("presentation") || n.attr("datatable") == Some("0");
        let (mut rows, mut cols, mut heads, mut nested) =
            (0u32, 0u32, n.attr("summary").is_some(), false);
        for j in i + 1..t_end {
            match dom.nodes[j].tag {
                Tag::Table => nested = true,
                Tag::Tr => {
                    rows += 1;
                    let cells = dom
                        .children(j as u32)
                        .filter(|&c| matches!(dom.nodes[c as usize].tag, Tag::Td | Tag::Th))
                        .count() as u32;
                    cols = cols.max(cells);
                }
                Tag::Th | Tag::Thead | Tag::Tfoot | Tag::Caption => heads = true,
                _ => {}
            }
        }
        let data =
            !layout && !nested && cols > 1 && (heads || rows >= 10 || cols > 4 || rows * cols > 10);
        if data {
            for x in &mut inside[i - root..t_end - root] {
                *x = true;
            }
            i = t_end;
        } else {
            i += 1;
        }
    }
}

/// Prunes boilerplate inside the content roots, bottom-up, so a container
/// is judged on what is left of it once its junk children are gone
/// (Readability's `_cleanConditionally` and `_clean`).
fn clean(
    dom: &Dom<'_>,
    facts: &Facts,
    pass: Pass,
    roots: &[u32],
    m: &Measured,
    excluded: &mut [bool],
    mut trace: Option<&mut String>,
) -> u32 {
    let mut kept = 0;
    for &root in roots {
        let start = root as usize;
        let end = dom.nodes[start].end as usize;
        let mut counts = vec![Counts::default(); end - start];
        // Top-down: drop whole subtrees that are never content.
        for i in start..end {
            if excluded[i] {
                continue;
            }
            let p = dom.nodes[i].parent;
            if p != NONE && (p as usize) >= start && excluded[p as usize] {
                excluded[i] = true;
                continue;
            }
            if matches!(
                dom.nodes[i].tag,
                Tag::Form | Tag::Fieldset | Tag::Aside | Tag::Footer | Tag::Figcaption
            ) {
                excluded[i] = true;
            }
        }
        super::lines::clean(dom, root, &facts.titles, excluded, trace.as_deref_mut());
        let mut in_table = vec![false; end - start];
        data_tables(dom, start, &mut in_table);
        // Bottom-up: judge each container on what is left inside it.
        for i in (start..end).rev() {
            let node = &dom.nodes[i];
            let gone = excluded[i] || node.tag.is_never_text();
            let mut c = counts[i - start];
            match node.tag {
                Tag::Text if !gone => {
                    c.chars = m.chars[i];
                    c.commas = m.commas[i];
                    let flags = m.text_flags[i];
                    if flags & IN_LINK != 0 {
                        c.link_chars = c.chars;
                    }
                    if flags & IN_TIME != 0 {
                        c.time_chars = c.chars;
                    }
                    if flags & HAS_COPYRIGHT != 0 {
                        c.copyright += 1;
                    }
                }
                Tag::P => c.p += 1,
                Tag::Img => c.img += 1,
                Tag::Li => c.li += 1,
                Tag::Input | Tag::Select | Tag::Textarea | Tag::Button => c.input += 1,
                Tag::Iframe | Tag::Object | Tag::Embed | Tag::Video | Tag::Audio => c.embed += 1,
                t if t.is_heading() => c.heading_chars += c.chars,
                _ => {}
            }
            if in_table[i - start]
                && node.tag == Tag::Table
                && (i == start || !in_table[node.parent as usize - start])
            {
                c.data_tables += 1;
            }
            let reason = if gone || i == start || node.tag == Tag::Text {
                None
            } else {
                removal_reason(dom, facts, pass, i, &c, excluded, in_table[i - start])
            };
            if reason == Some(PICTURE_CAPTION_REASON) {
                if let Some(t) = trace.as_deref_mut() {
                    use std::fmt::Write;
                    let _ = writeln!(
                        t,
                        "    drop text of {}: {}",
                        describe(dom, i as u32),
                        PICTURE_CAPTION_REASON
                    );
                }
                // Keep the picture: only its text goes.
                let end = dom.nodes[i].end as usize;
                for (n, x) in dom.nodes[i + 1..end].iter().zip(&mut excluded[i + 1..end]) {
                    if n.tag == Tag::Text {
                        *x = true;
                    }
                }
            } else if let Some(why) = reason {
                excluded[i] = true;
                if let Some(t) = trace.as_deref_mut()
                    && c.chars >= 30
                {
                    use std::fmt::Write;
                    let _ = writeln!(
                        t,
                        "    drop {} ({} chars, p={} img={} li={} in={} emb={} ld={}): {why}",
                        describe(dom, i as u32),
                        c.chars,
                        c.p,
                        c.img,
                        c.li,
                        c.input,
                        c.embed,
                        c.link_chars
                    );
                }
            }
            // Inputs and embeds count even though they are never text, and
            // captions though they are left out of the text: Readability's
            // shape tests, which these follow, see them. Other removed
            // subtrees count for nothing.
            let counts_up = match reason {
                None => !excluded[i] || node.tag.is_never_text(),
                Some(why) => why == CAPTION_REASON || why == PICTURE_CAPTION_REASON,
            };
            if counts_up {
                let p = node.parent as usize;
                if node.parent != NONE && p >= start {
                    counts[p - start].add(&c);
                }
            }
            counts[i - start] = c;
        }
        kept += counts[0].chars;
    }
    if let Some(&last) = roots.last() {
        super::lines::trailing_junk(dom, last, kept, excluded, trace);
    }
    kept
}

const CAPTION_REASON: &str = "caption";
const PICTURE_CAPTION_REASON: &str = "caption beside a picture";

/// Why an element inside the content is not part of the article, if it
/// is not.
fn removal_reason(
    dom: &Dom<'_>,
    facts: &Facts,
    pass: Pass,
    i: usize,
    c: &Counts,
    excluded: &[bool],
    in_data_table: bool,
) -> Option<&'static str> {
    // Named like a share bar or a "read also" box, and small: a big block
    // so named is a misnomer (`shared-history` holding a whole article), as
    // Readability's share threshold assumes.
    if facts.junk(i) && c.chars < JUNK_MAX_CHARS {
        return Some("junk name");
    }
    // A caption is the text beside a picture; the block holding the
    // picture itself stays (its image belongs in the article's HTML).
    if facts.caption(i) && c.img == 0 && c.chars < JUNK_MAX_CHARS {
        return Some(CAPTION_REASON);
    }
    if pass.clean_conditionally
        && !in_data_table
        && c.data_tables == 0
        && should_remove(dom, facts, pass, i, c)
    {
        return Some("boilerplate shape");
    }
    let tag = dom.nodes[i].tag;
    // The headline is the article's title, not its text.
    if matches!(tag, Tag::H1 | Tag::H2) {
        let text = lead_text(dom, i, excluded, 400);
        if super::meta::is_title(&text, &facts.titles) {
            return Some("title");
        }
    }
    // A picture with a line of text beside it and no paragraph: the text
    // is its caption (a layout table, a gallery slide).
    if c.img == 1
        && c.p == 0
        && c.chars > 0
        && c.chars <= CAPTION_MAX_CHARS
        && matches!(tag, Tag::Div | Tag::Table | Tag::Figure | Tag::Other)
    {
        return Some(PICTURE_CAPTION_REASON);
    }
    // "Подробнее о …", "Read more": a link out, not text.
    if tag == Tag::A {
        let lead = lead_text(dom, i, excluded, 40);
        if hints::link_out_prefix(&lead).is_some() {
            return Some("read-more link");
        }
        return None;
    }
    if c.chars < SMALL_BLOCK_CHARS
        && (tag.is_block()
            || (matches!(tag, Tag::Other | Tag::Inline)
                && super::lines::stands_alone(dom, i as u32, excluded)))
        && !matches!(
            tag,
            Tag::Td | Tag::Th | Tag::Tr | Tag::Table | Tag::Body | Tag::Html
        )
    {
        // A date line: mostly the text of <time> elements, or just a date.
        if c.time_chars * 2 >= c.chars && c.time_chars > 0 {
            return Some("dateline");
        }
        if c.copyright > 0 {
            return Some("copyright line");
        }
        if c.chars <= DATE_MAX_CHARS
            && is_date_only(&lead_text(dom, i, excluded, 60))
            // In code output "2024-10-14 09:15" is data, not a date line.
            && !inside(dom, i, Tag::Pre)
        {
            return Some("dateline");
        }
        // "Read also: <link>", or a bare "Related articles" heading.
        if c.link_chars > 0 || c.chars <= 30 {
            let lead = lead_text(dom, i, excluded, 40);
            if let Some(len) = hints::see_also_prefix(&lead)
                && (c.link_chars > 0 || c.chars as usize <= len + 3)
            {
                return Some("see-also line");
            }
        }
    }
    None
}

/// Is node `i` inside an element of this tag?
fn inside(dom: &Dom<'_>, i: usize, tag: Tag) -> bool {
    let mut p = dom.nodes[i].parent;
    while p != NONE {
        if dom.nodes[p as usize].tag == tag {
            return true;
        }
        p = dom.nodes[p as usize].parent;
    }
    false
}

/// Longest text taken for a caption by the picture-with-a-line shape.
const CAPTION_MAX_CHARS: u32 = 200;

/// Longest text that can be a date line ("Обновлено 14.10.2024, 09:15").
const DATE_MAX_CHARS: u32 = 40;

/// A date and time and little else: a date or time written with digits
/// (`14.10.2024`, `2024-10-14`, `09:15`, a year), and at most a dozen
/// letters (a month name, "г.", "Updated", "AM").
pub(super) fn is_date_only(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    letters <= 12 && has_date(text)
}

fn has_date(text: &str) -> bool {
    let b = text.as_bytes();
    // Runs of digits and the separators between them.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let sep = |a: (usize, usize), z: (usize, usize), seps: &[u8]| {
        z.0 == a.1 + 1 && seps.contains(&b[a.1])
    };
    runs.iter().enumerate().any(|(k, &r)| {
        let len = r.1 - r.0;
        let year = len == 4 && (b[r.0..r.1].starts_with(b"19") || b[r.0..r.1].starts_with(b"20"));
        // hh:mm, not a longer number.
        let time = len <= 2
            && runs
                .get(k + 1)
                .is_some_and(|&n| n.1 - n.0 == 2 && sep(r, n, b":"))
            && runs.get(k + 2).is_none_or(|&m| !sep(runs[k + 1], m, b".,"));
        // dd.mm.yy(yy), dd/mm/yyyy, yyyy-mm-dd
        let date = runs.get(k + 2).is_some_and(|&z| {
            let m = runs[k + 1];
            sep(r, m, b"./-") && sep(m, z, b"./-") && m.1 - m.0 <= 2
        });
        year || time || date
    })
}

/// Blocks this small are checked for date lines, copyright lines and
/// "read also" lines.
const SMALL_BLOCK_CHARS: u32 = 200;

/// The first `max` characters of an element's text (what is not excluded),
/// whitespace collapsed.
fn lead_text(dom: &Dom<'_>, i: usize, excluded: &[bool], max: usize) -> String {
    let mut out = String::new();
    let end = dom.nodes[i].end as usize;
    let mut j = i + 1;
    while j < end && out.len() < max * 4 {
        let n = &dom.nodes[j];
        if excluded[j] || n.tag.is_never_text() {
            j = n.end as usize;
            continue;
        }
        if n.tag == Tag::Text {
            for w in n.text.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(w);
            }
        }
        j += 1;
    }
    out
}

/// Readability's `_cleanConditionally`: a container goes when its name is
/// negative, or when, with few commas (little prose), its shape says list
/// of links, image strip, form or embed.
fn should_remove(dom: &Dom<'_>, facts: &Facts, pass: Pass, i: usize, c: &Counts) -> bool {
    let tag = dom.nodes[i].tag;
    if !matches!(
        tag,
        Tag::Div | Tag::Section | Tag::Ul | Tag::Ol | Tag::Table | Tag::Header
    ) {
        return false;
    }
    let weight = if pass.weigh_classes {
        facts.class_weight(i)
    } else {
        0.0
    };
    if weight < 0.0 {
        return true;
    }
    if c.commas >= 10 {
        return false;
    }
    let is_list = matches!(tag, Tag::Ul | Tag::Ol);
    let ld = if c.chars == 0 {
        0.0
    } else {
        c.link_chars as f32 / c.chars as f32
    };
    let heading_density = if c.chars == 0 {
        0.0
    } else {
        c.heading_chars as f32 / c.chars as f32
    };
    let p = c.p as f32;
    let img = c.img as f32;
    let li = c.li as f32 - 100.0;
    (c.img > 1 && p / img < 0.5)
        || (!is_list && li > p)
        || (c.input as f32 > (p / 3.0).floor())
        || (!is_list && heading_density < 0.9 && c.chars < 25 && (c.img == 0 || c.img > 2))
        || (!is_list && weight < 25.0 && ld > 0.2)
        || (weight >= 25.0 && ld > 0.5)
        || ((c.embed == 1 && c.chars < 75) || c.embed > 1)
}

/// The content a source's `content_selector` names: every matching element
/// not inside another match, with hidden and stripped nodes left out.
pub(super) fn selected(dom: &Dom<'_>, facts: &Facts, sel: &scraper::Selector) -> Option<Content> {
    let mut roots = Vec::new();
    let mut i = 0;
    while i < dom.len() {
        let n = &dom.nodes[i];
        if !facts.gone[i]
            && let Some(el) = n.element_ref()
            && sel.matches(&el)
        {
            roots.push(i as u32);
            i = n.end as usize;
        } else {
            i += 1;
        }
    }
    (!roots.is_empty()).then(|| Content {
        roots,
        excluded: facts.gone.clone(),
        chars: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_lines_are_told_from_numbers() {
        for date in [
            "14.10.2024",
            "18 қыркүйек 2024, 09:15",
            "Updated Nov 19, 6:55 AM",
            "2024-11-05",
            "5 ноября 2024 г.",
        ] {
            assert!(is_date_only(date), "{date}");
        }
        for not in [
            "4.3333333333333333",
            "x = 3,08 + 12",
            "V1 × V2 = 1024",
            "Президент подписал указ 12.05.2024",
        ] {
            assert!(!is_date_only(not), "{not}");
        }
    }

    #[test]
    fn text_length_counts_characters_and_collapsed_spaces() {
        // "Қазақ тілі, and more"
        assert_eq!(
            char_count("  Қазақ  тілі, \u{a0} and\tmore "),
            (20, 1, false)
        );
        assert_eq!(char_count("© 2024"), (6, 0, true));
        assert_eq!(char_count("один，два、три"), (12, 2, false));
        assert_eq!(char_count(""), (0, 0, false));
    }
}
