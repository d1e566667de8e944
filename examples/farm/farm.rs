//! The feed farm: N outlets, each with one feed of M items and M article
//! pages, all derived from one seed.
//!
//! Each outlet lives on its own loopback address (127.1.x.y), like real
//! outlets live on their own hosts, so per-host politeness limits apply to
//! the farm exactly as to the real world: one feed and its pages share a
//! host, different outlets do not.
//!
//! Mix (by outlet index, so every size has the same proportions): 70 %
//! Russian, 30 % English; one feed in three is Atom, the rest RSS 2.0; one
//! Russian outlet in four serves windows-1251 (half of those declare it in
//! the HTTP header, half only in the document). A share of items
//! (`reprint_share`, 15 % by default) are reprints: one story published by
//! about three outlets with light edits — a reworded headline, a swapped
//! word, a dropped sentence, the outlet's own closing line.

use std::fmt::Write;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};

use crate::page;
use crate::rng::Rng;
use crate::text::{self, Lang};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub feeds: usize,
    pub items: usize,
    pub reprint_share: f64,
    /// The farm's "now" (Unix seconds): items are dated in the hours before
    /// it. Taken from the clock when a run starts, because feedsieve judges
    /// dates against its own clock (a story window of days, pruning of old
    /// fingerprints); a farm dated in the past would not be news to it.
    pub epoch: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// windows-1251, declared in the HTTP Content-Type and the document.
    Cp1251Declared,
    /// windows-1251, declared only inside the document (XML declaration,
    /// `<meta charset>`), as many old Russian CMSes do.
    Cp1251InDocument,
}

/// One outlet.
#[derive(Debug, Clone)]
pub struct Outlet {
    pub index: usize,
    pub name: String,
    pub lang: Lang,
    pub format: Format,
    pub charset: Charset,
    /// Which of the page templates the outlet's site uses.
    pub layout: usize,
    /// `127.1.x.y:port`.
    pub host: String,
}

impl Outlet {
    pub fn feed_path(&self) -> String {
        match self.format {
            Format::Rss => format!("/o{}/rss.xml", self.index),
            Format::Atom => format!("/o{}/atom.xml", self.index),
        }
    }

    pub fn feed_url(&self) -> String {
        format!("http://{}{}", self.host, self.feed_path())
    }

    pub fn page_path(&self, item: usize) -> String {
        format!("/o{}/news/{item}.html", self.index)
    }

    pub fn page_url(&self, item: usize) -> String {
        format!("http://{}{}", self.host, self.page_path(item))
    }

    /// The feed's validator. Stable for the farm's life: the farm never
    /// changes, so a second poll is always a 304.
    pub fn etag(&self, seed: u64) -> String {
        format!("\"farm-{seed}-{}\"", self.index)
    }
}

/// The loopback address of outlet host `k`: 127.1.0.1, 127.1.0.2, … The
/// whole of 127.0.0.0/8 is loopback on Linux.
pub fn host_ip(k: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(127, 1, (k / 250) as u8, (k % 250 + 1) as u8)
}

/// An item as its feed lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub title: String,
    pub url: String,
    pub guid: String,
    pub published: DateTime<Utc>,
    pub teaser: String,
    pub topic: Option<usize>,
}

/// A story's words before an outlet dresses it up.
pub struct Story {
    pub lang: Lang,
    pub topic: Option<usize>,
    pub title: String,
    pub paragraphs: Vec<String>,
}

/// An article as an outlet publishes it.
pub struct Article {
    pub item: Item,
    pub paragraphs: Vec<String>,
    pub author: &'static str,
}

const STORY: u64 = 1;
const ITEM: u64 = 2;
const EDIT: u64 = 3;
const REPRINT: u64 = 7;

pub struct Farm {
    pub spec: Spec,
    pub outlets: Vec<Outlet>,
}

impl Farm {
    /// The farm for `spec`, its outlets served on `port`.
    pub fn new(spec: Spec, port: u16) -> Farm {
        let outlets = (0..spec.feeds)
            .map(|i| {
                let lang = if i % 10 < 7 { Lang::Ru } else { Lang::En };
                let charset = match (lang, i % 8) {
                    (Lang::Ru, 1) => Charset::Cp1251Declared,
                    (Lang::Ru, 5) => Charset::Cp1251InDocument,
                    _ => Charset::Utf8,
                };
                Outlet {
                    index: i,
                    name: format!("outlet-{i:05}"),
                    lang,
                    format: if i % 3 == 2 {
                        Format::Atom
                    } else {
                        Format::Rss
                    },
                    charset,
                    layout: (i / 3) % page::LAYOUTS,
                    host: format!("{}:{port}", host_ip(i)),
                }
            })
            .collect();
        Farm { spec, outlets }
    }

    pub fn epoch(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.spec.epoch, 0).unwrap_or_default()
    }

    pub fn total_items(&self) -> usize {
        self.spec.feeds * self.spec.items
    }

    /// How many distinct shared stories reprints draw from, per language:
    /// each is reprinted by about three outlets.
    fn pool(&self) -> u64 {
        ((self.total_items() as f64 * self.spec.reprint_share / 3.0).ceil() as u64).max(1)
    }

    fn story(&self, lang: Lang, id: u64) -> Story {
        let mut rng = Rng::new(self.spec.seed, &[STORY, lang as u64, id]);
        let topic = text::story_topic(&mut rng);
        let title = text::title(&mut rng, lang, topic);
        let words = rng.range(400, 1100);
        Story {
            lang,
            topic,
            title,
            paragraphs: text::paragraphs(&mut rng, lang, topic, words),
        }
    }

    /// Item `j` of outlet `o` with its story.
    pub fn article(&self, o: &Outlet, j: usize) -> Article {
        let mut rng = Rng::new(self.spec.seed, &[ITEM, o.index as u64, j as u64]);
        let reprint_of = self.reprint_of(o, j);
        let story = match reprint_of {
            Some(id) => self.story(o.lang, 1 << 40 | id),
            None => self.story(o.lang, (o.index as u64) << 20 | j as u64),
        };
        let Story {
            lang,
            topic,
            mut title,
            mut paragraphs,
        } = story;
        if reprint_of.is_some() {
            let mut edit = Rng::new(self.spec.seed, &[EDIT, o.index as u64, j as u64]);
            title = reprint_title(&title, lang, &mut edit);
            for _ in 0..2 {
                let k = edit.below(paragraphs.len());
                paragraphs[k] = text::edit_sentence(&paragraphs[k], lang, &mut edit);
            }
            // Drop the last sentence of one paragraph.
            let k = edit.below(paragraphs.len());
            let cut = paragraphs[k].strip_suffix('.').and_then(|p| p.rfind(". "));
            if let Some(cut) = cut {
                paragraphs[k].truncate(cut + 1);
            }
            paragraphs.push(match lang {
                Lang::Ru => format!("Материал подготовлен редакцией {}.", o.name),
                Lang::En => format!("Reporting by the {} newsroom.", o.name),
            });
        }
        let teaser = teaser(&paragraphs[0]);
        let published = self.epoch()
            - Duration::minutes((j * 47 + o.index % 45) as i64)
            - Duration::seconds(rng.below(60) as i64);
        let author = match lang {
            Lang::Ru => rng.pick(&[
                "Айгерим Сапарова",
                "Ержан Нуров",
                "Ольга Ким",
                "Марат Беков",
            ]),
            Lang::En => rng.pick(&[
                "Aigerim Saparova",
                "Yerzhan Nurov",
                "Olga Kim",
                "Marat Bekov",
            ]),
        };
        Article {
            item: Item {
                title,
                url: o.page_url(j),
                guid: format!("{}-news-{j}", o.name),
                published,
                teaser,
                topic,
            },
            paragraphs,
            author,
        }
    }

    /// The shared story item `j` of `o` reprints, if it is a reprint.
    pub fn reprint_of(&self, o: &Outlet, j: usize) -> Option<u64> {
        let mut rng = Rng::new(self.spec.seed, &[REPRINT, o.index as u64, j as u64]);
        rng.chance(self.spec.reprint_share)
            .then(|| rng.next_u64() % self.pool())
    }

    /// Items that are reprints, and the distinct stories they carry
    /// (per language, so a Russian and an English story never count as one).
    pub fn reprint_stats(&self) -> (usize, usize) {
        let mut stories = std::collections::HashSet::new();
        let mut items = 0;
        for o in &self.outlets {
            for j in 0..self.spec.items {
                if let Some(id) = self.reprint_of(o, j) {
                    items += 1;
                    stories.insert((o.lang, id));
                }
            }
        }
        (items, stories.len())
    }

    /// The feed document of outlet `o`, encoded in its charset.
    pub fn feed(&self, o: &Outlet) -> Bytes {
        let items: Vec<Item> = (0..self.spec.items)
            .map(|j| self.article(o, j).item)
            .collect();
        let declared = match o.charset {
            Charset::Utf8 => "utf-8",
            Charset::Cp1251Declared | Charset::Cp1251InDocument => "windows-1251",
        };
        let xml = match o.format {
            Format::Rss => rss(o, &items, declared, self.epoch()),
            Format::Atom => atom(o, &items, declared, self.epoch()),
        };
        encode(&xml, o.charset)
    }

    /// The article page of item `j` of outlet `o`, encoded in its charset.
    pub fn page(&self, o: &Outlet, j: usize) -> Bytes {
        let article = self.article(o, j);
        let html = page::render(self, o, j, &article);
        encode(&html, o.charset)
    }

    /// A headline of outlet `o` for its chrome (sidebars, related blocks).
    pub fn headline(&self, o: &Outlet, n: usize) -> String {
        let mut rng = Rng::new(self.spec.seed, &[4, o.index as u64, n as u64]);
        let topic = text::story_topic(&mut rng);
        text::title(&mut rng, o.lang, topic)
    }
}

fn reprint_title(title: &str, lang: Lang, rng: &mut Rng) -> String {
    match (lang, rng.below(3)) {
        (_, 0) => title.to_string(),
        (Lang::Ru, 1) => format!("{title} — подробности"),
        (Lang::En, 1) => format!("{title}: details"),
        (_, _) => text::edit_sentence(title, lang, rng),
    }
}

/// The first sentence or two, at most ~300 characters: what a teaser-only
/// feed carries.
fn teaser(lead: &str) -> String {
    let mut out = String::new();
    for s in lead.split_inclusive(". ") {
        if !out.is_empty() && out.chars().count() + s.chars().count() > 300 {
            break;
        }
        out.push_str(s);
    }
    out.trim().to_string()
}

fn encode(text: &str, charset: Charset) -> Bytes {
    match charset {
        Charset::Utf8 => Bytes::copy_from_slice(text.as_bytes()),
        Charset::Cp1251Declared | Charset::Cp1251InDocument => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
            Bytes::copy_from_slice(&bytes)
        }
    }
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn rss(o: &Outlet, items: &[Item], charset: &str, epoch: DateTime<Utc>) -> String {
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"{charset}\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n\
         <title>{}</title>\n<link>http://{}/</link>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n\
         <description>{}</description>\n<language>{}</language>\n\
         <lastBuildDate>{}</lastBuildDate>\n<ttl>30</ttl>\n",
        o.name,
        o.host,
        o.feed_url(),
        match o.lang {
            Lang::Ru => "Новости Казахстана и Центральной Азии",
            Lang::En => "News from Kazakhstan and Central Asia",
        },
        o.lang.code(),
        epoch.to_rfc2822(),
    );
    for it in items {
        let _ = write!(
            x,
            "<item>\n<title>{}</title>\n<link>{}</link>\n\
             <guid isPermaLink=\"false\">{}</guid>\n<pubDate>{}</pubDate>\n\
             <category>{}</category>\n<dc:creator>{}</dc:creator>\n\
             <description>{}</description>\n</item>\n",
            esc(&it.title),
            it.url,
            it.guid,
            it.published.to_rfc2822(),
            it.topic.map_or("news", |t| text::TOPICS[t].slug),
            o.name,
            esc(&format!("<p>{}</p>", esc(&it.teaser))),
        );
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

fn atom(o: &Outlet, items: &[Item], charset: &str, epoch: DateTime<Utc>) -> String {
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"{charset}\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <id>tag:{},2025:feed</id>\n<title>{}</title>\n<updated>{}</updated>\n\
         <link rel=\"alternate\" href=\"http://{}/\"/>\n<link rel=\"self\" href=\"{}\"/>\n",
        o.lang.code(),
        o.name,
        o.name,
        epoch.to_rfc3339(),
        o.host,
        o.feed_url(),
    );
    for it in items {
        let _ = write!(
            x,
            "<entry>\n<id>tag:{},2025:{}</id>\n<title>{}</title>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n\
             <author><name>{}</name></author>\n\
             <summary type=\"html\">{}</summary>\n</entry>\n",
            o.name,
            it.guid,
            esc(&it.title),
            it.url,
            it.published.to_rfc3339(),
            it.published.to_rfc3339(),
            o.name,
            esc(&format!("<p>{}</p>", esc(&it.teaser))),
        );
    }
    x.push_str("</feed>\n");
    x
}
