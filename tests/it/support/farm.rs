//! A loopback feed farm whose feeds grow on demand: `SOURCES` RSS feeds
//! at `/feed/S.rss`, each listing its `published` newest items, and an
//! article page per item at `/page/S/I.html`. Every text is generated from
//! its (source, item) numbers, so two runs against the farm see the same
//! articles, and no two articles are one story. Page requests are counted,
//! and the `kill_at`-th of a round wakes whoever waits on `hit`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Sources in the farm.
pub const SOURCES: usize = 6;

/// A small deterministic generator (SplitMix64): the farm's texts must be
/// the same in the killed run and the reference run.
#[derive(Clone)]
pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: [&str; 24] = [
    "ка", "за", "стан", "ар", "ну", "ли", "бе", "то", "ра", "ми", "со", "ле", "да", "ги", "мор",
    "вен", "ти", "ко", "па", "сы", "жан", "тау", "кол", "бай",
];

/// Article `i` of source `s`: its title and its paragraphs. Every text is
/// different, so no two articles are one story.
pub fn article(s: usize, i: usize) -> (String, Vec<String>) {
    let mut mix = Mix(((s as u64) << 32) | i as u64);
    let word = |mix: &mut Mix| -> String {
        (0..2 + mix.below(2))
            .map(|_| SYLLABLES[mix.below(SYLLABLES.len())])
            .collect()
    };
    let title = format!("Сообщение {s}-{i}: {} {}", word(&mut mix), word(&mut mix));
    let paragraphs = (0..3)
        .map(|p| {
            let mut words: Vec<String> = (0..40).map(|_| word(&mut mix)).collect();
            // One article in three is about the topic.
            if p == 0 && (s + i).is_multiple_of(3) {
                words.insert(5, "переговоры".to_string());
            }
            let mut text = words.join(" ");
            text.push('.');
            text
        })
        .collect();
    (title, paragraphs)
}

pub struct Farm {
    base: String,
    /// Items each feed lists.
    pub published: AtomicUsize,
    /// Page requests since this was last reset.
    pub pages: AtomicUsize,
    /// The page request (counted in `pages`) that wakes `hit`.
    pub kill_at: AtomicUsize,
    pub hit: tokio::sync::Notify,
}

impl Farm {
    fn feed(&self, s: usize) -> String {
        let n = self.published.load(Ordering::SeqCst);
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <!-- Crash-consistency farm: source {s}, {n} items, newest first. -->\n\
             <rss version=\"2.0\"><channel><title>Источник {s}</title>\
             <link>{}/</link><description>farm</description>",
            self.base
        );
        for i in (0..n).rev() {
            let (title, paragraphs) = article(s, i);
            // Distinct dates for every item, so output order is total.
            let published =
                chrono::DateTime::from_timestamp(1_700_000_000 + (i * SOURCES + s) as i64 * 60, 0)
                    .unwrap();
            xml.push_str(&format!(
                "<item><title>{title}</title><link>{}/page/{s}/{i}.html</link>\
                 <guid>farm-{s}-{i}</guid><pubDate>{}</pubDate>\
                 <description>{}</description></item>",
                self.base,
                published.to_rfc2822(),
                &paragraphs[0][..paragraphs[0].char_indices().nth(60).unwrap().0],
            ));
        }
        xml.push_str("</channel></rss>");
        xml
    }

    fn page(&self, s: usize, i: usize) -> String {
        let (title, paragraphs) = article(s, i);
        let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><nav><a href=\"/\">Главная</a></nav>\
             <article><h1>{title}</h1>{body}</article></body></html>"
        )
    }
}

struct FarmResponder(Arc<Farm>);

impl Respond for FarmResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<&str> = request.url.path().split('/').collect();
        match parts.as_slice() {
            ["", "feed", file] => {
                let s: usize = file.trim_end_matches(".rss").parse().unwrap();
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/rss+xml; charset=utf-8")
                    .set_body_string(self.0.feed(s))
            }
            ["", "page", s, file] => {
                let (s, i) = (
                    s.parse().unwrap(),
                    file.trim_end_matches(".html").parse().unwrap(),
                );
                let n = self.0.pages.fetch_add(1, Ordering::SeqCst) + 1;
                if n == self.0.kill_at.load(Ordering::SeqCst) {
                    self.0.hit.notify_one();
                }
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html; charset=utf-8")
                    .set_body_string(self.0.page(s, i))
                    // Pages take a moment, as real ones do, so a pass lasts
                    // long enough to be interrupted at many points.
                    .set_delay(Duration::from_millis(5))
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

pub async fn farm() -> (MockServer, Arc<Farm>) {
    let origin = MockServer::start().await;
    let farm = Arc::new(Farm {
        base: origin.uri(),
        published: AtomicUsize::new(0),
        pages: AtomicUsize::new(0),
        kill_at: AtomicUsize::new(usize::MAX),
        hit: tokio::sync::Notify::new(),
    });
    Mock::given(path_regex("^/(feed|page)/"))
        .respond_with(FarmResponder(farm.clone()))
        .mount(&origin)
        .await;
    (origin, farm)
}

/// The `feedsieve.toml` for a daemon over the farm: its database at
/// `store` (relative to the config file), listening on `port`, polling every
/// source every second with no politeness delay (all sources share one
/// loopback host), and `extra` appended (topics).
pub fn config(origin: &MockServer, store: &str, port: u16, extra: &str) -> String {
    let mut text = format!(
        "[store]\npath = \"{store}\"\n\
         [server]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://feeds.test/\"\n\
         [fetch]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"2s\"\n\
         timeout = \"10s\"\nconcurrency = 3\nper_host = 6\nhost_delay = \"0s\"\n\
         allow_private_networks = true\n\n{extra}\n"
    );
    for s in 0..SOURCES {
        text.push_str(&format!(
            "[[source]]\nname = \"Farm {s}\"\nurl = \"{}/feed/{s}.rss\"\n\n",
            origin.uri()
        ));
    }
    text
}

/// A free loopback port for the daemon's HTTP server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
