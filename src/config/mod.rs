//! Configuration: read one TOML file, check all of it, and hand each
//! component its own resolved part.
//!
//! `file` mirrors the TOML; this module turns it into checked domain types
//! (URLs, durations, socket addresses, compiled topic queries) exactly once,
//! at start-up or reload. Every problem is reported together, each naming
//! the file, the line and the key, so a user fixes the file in one go.
//! There is no global config: the daemon passes each part where it is used.

pub mod edit;
mod file;

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::FixedOffset;
use toml::Spanned;
use url::Url;

use crate::extract;
use crate::fetch::charset::Charset;
use crate::fetch::guard::AddressPolicy;
use crate::model::Republish;
use crate::topics;

/// Where the daemon looks when `--config` is not given.
pub const DEFAULT_PATH: &str = "config/feedsieve.toml";

/// The log filter when neither `[log] level` nor `RUST_LOG` says otherwise.
pub const DEFAULT_LOG_LEVEL: &str = "info";

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from.
    pub path: PathBuf,
    pub store: StoreConfig,
    pub server: ServerConfig,
    pub fetch: FetchConfig,
    pub log: LogConfig,
    pub dedupe: DedupeConfig,
    pub sources: Vec<SourceConfig>,
    pub topics: Vec<topics::Topic>,
}

/// When two articles are one story (`[dedupe]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DedupeConfig {
    /// How two texts are compared; threshold, window and minimum sizes come
    /// from the file, the rest is the measured default.
    pub rule: crate::dedupe::MatchRule,
    /// Source names whose copy represents a story, best first; stories
    /// without such a copy are represented by their earliest article.
    pub prefer: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// The SQLite file, absolute or relative to the working directory (a
    /// relative path in the file was resolved against the file's folder).
    pub path: PathBuf,
    /// How long articles are kept, by publication date; `None` keeps them
    /// for ever.
    pub keep: Option<Duration>,
    /// The most articles kept per source (the newest); `None` for no limit.
    pub max_per_source: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// A `tracing` filter: a level ("info") or directives
    /// ("info,feedsieve::fetch=debug"). `RUST_LOG`, when set, wins.
    pub level: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The address readers use to reach the daemon; output feeds put it in
    /// their self links, so it must be what subscribers see.
    pub base_url: Url,
    /// A WebSub hub (W3C WebSub) to advertise in every feed and to notify
    /// when a topic gets new items; `None` means no hub.
    pub websub_hub: Option<Url>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// Default polling interval of a source: where a new source starts.
    pub interval: Duration,
    /// Default bounds of the adaptive interval.
    pub min_interval: Duration,
    pub max_interval: Duration,
    /// The longest wait between two attempts at a failing source.
    pub max_backoff: Duration,
    /// Total time allowed for one HTTP request, redirects and body included.
    pub timeout: Duration,
    /// Time allowed to open a connection (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// How many sources are refreshed at the same time.
    pub concurrency: usize,
    /// How many HTTP requests run at the same time, all hosts together.
    pub connections: usize,
    /// How many HTTP requests run at the same time to one host.
    pub per_host: usize,
    /// The least time between the starts of two requests to one host.
    pub host_delay: Duration,
    /// The most bytes read from one response, after decompression.
    pub max_body: u64,
    /// The most redirects followed for one request.
    pub max_redirects: usize,
    /// The most entries taken from one feed in one pass.
    pub max_items: usize,
    pub user_agent: String,
    /// Turns the private-address guard off, for feeds on a local network.
    pub allow_private_networks: bool,
    /// Which addresses may be fetched: `allow_private_networks` and
    /// `allow_private_origins`, resolved.
    pub address_policy: AddressPolicy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Unique, stable name: the store keys a source's history by it.
    pub name: String,
    pub url: Url,
    /// Fetch each new entry's page and keep its main text.
    pub full_text: bool,
    /// The starting (and, without history, the usual) polling interval.
    pub interval: Duration,
    /// Bounds of the adaptive interval.
    pub min_interval: Duration,
    pub max_interval: Duration,
    /// The source's `encoding`: its bytes are read in this charset whatever
    /// they claim.
    pub encoding: Option<Charset>,
    /// The offset of dates the feed writes without a zone.
    pub utc_offset: FixedOffset,
    pub enabled: bool,
    /// A folder name for people and OPML exports ("Kazakhstan"); feedsieve
    /// itself does not use it.
    pub category: Option<String>,
    /// Where the article is on this source's pages and what to cut from
    /// it, when automatic extraction gets a site wrong.
    pub rules: Arc<extract::Rules>,
    /// How much of its articles the output feeds may carry.
    pub republish: Republish,
}

/// A configuration that could not be used, with every problem found.
#[derive(Debug)]
pub enum ConfigError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One problem in the file: where, which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => {
                write!(f, "cannot read config {}: {source}", path.display())
            }
            ConfigError::Invalid { path, problems } => {
                let n = problems.len();
                write!(
                    f,
                    "{n} problem{} in config {}",
                    if n == 1 { "" } else { "s" },
                    path.display()
                )?;
                for p in problems {
                    write!(
                        f,
                        "\n  {}:{}:{}: {}: {}",
                        path.display(),
                        p.line,
                        p.column,
                        p.key,
                        p.message
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { source, .. } => Some(source),
            ConfigError::Invalid { .. } => None,
        }
    }
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_str(&text, path)
    }

    /// Checks `text` as if it were read from `path` (relative paths in it
    /// resolve against `path`'s folder).
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file: file::FileConfig = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: vec![syntax_problem(text, &e)],
        })?;
        let mut r = Resolver {
            text,
            problems: Vec::new(),
        };
        let config = r.resolve(file, path);
        if r.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems: r.problems,
            })
        }
    }

    /// The enabled sources, in configuration order.
    pub fn enabled_sources(&self) -> impl Iterator<Item = &SourceConfig> {
        self.sources.iter().filter(|s| s.enabled)
    }
}

/// Turns a TOML/serde error into a [`Problem`]. serde's messages for a wrong
/// type ("invalid type: string, expected u32") do not name the key, so the
/// key is read off the start of the line the error points at.
fn syntax_problem(text: &str, e: &toml::de::Error) -> Problem {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = line_col(text, span.start);
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let key = match line_text.split_once('=') {
        Some((k, _)) => k.trim().to_string(),
        None => line_text.trim().to_string(),
    };
    Problem {
        line,
        column,
        key,
        message: e.message().trim().to_string(),
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Resolver<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Resolver<'_> {
    fn problem(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.problems.push(Problem {
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }

    fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref()) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => {
                self.problem(value.span(), key, "must be longer than zero");
                None
            }
            Err(e) => {
                self.problem(
                    value.span(),
                    key,
                    format!(
                        "invalid duration {:?} ({e}); write e.g. \"30s\", \"15m\", \"2h\"",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// A duration that may be zero ("0s" turns a delay off).
    fn duration_or_zero(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(
                    value.span(),
                    key,
                    format!(
                        "invalid duration {:?} ({e}); write e.g. \"0s\", \"500ms\", \"2s\"",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn count(&mut self, value: &Option<Spanned<u32>>, key: &str, default: usize) -> usize {
        match value {
            Some(c) if *c.get_ref() == 0 => {
                self.problem(c.span(), key, "must be at least 1");
                default
            }
            Some(c) => *c.get_ref() as usize,
            None => default,
        }
    }

    fn size(&mut self, value: &Spanned<String>, key: &str) -> Option<u64> {
        match parse_size(value.get_ref()) {
            Some(0) => {
                self.problem(value.span(), key, "must be larger than zero");
                None
            }
            Some(n) => Some(n),
            None => {
                self.problem(
                    value.span(),
                    key,
                    format!(
                        "invalid size {:?}; write e.g. \"10 MiB\", \"512 KiB\", \"1000000\"",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// `min_interval` and `max_interval`, each defaulting to `defaults`; a
    /// minimum above the maximum is an error on the minimum.
    fn interval_bounds(
        &mut self,
        min: &Option<Spanned<String>>,
        max: &Option<Spanned<String>>,
        defaults: (Duration, Duration),
        prefix: &str,
    ) -> (Duration, Duration) {
        let min_key = format!("{prefix}min_interval");
        let max_key = format!("{prefix}max_interval");
        let lo = min
            .as_ref()
            .and_then(|d| self.duration(d, &min_key))
            .unwrap_or(defaults.0);
        let hi = max
            .as_ref()
            .and_then(|d| self.duration(d, &max_key))
            .unwrap_or(defaults.1);
        if lo > hi {
            let span = min.as_ref().or(max.as_ref()).map_or(0..0, Spanned::span);
            let key = if min.is_some() { min_key } else { max_key };
            self.problem(
                span,
                &key,
                format!(
                    "min_interval ({}) is longer than max_interval ({})",
                    humantime::format_duration(lo),
                    humantime::format_duration(hi)
                ),
            );
            return (hi, hi);
        }
        (lo, hi)
    }

    fn http_url(&mut self, value: &Spanned<String>, key: &str) -> Option<Url> {
        match Url::parse(value.get_ref().trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            Ok(u) => {
                self.problem(
                    value.span(),
                    key,
                    format!("only http and https URLs are allowed, not {:?}", u.scheme()),
                );
                None
            }
            Err(e) => {
                self.problem(
                    value.span(),
                    key,
                    format!("invalid URL {:?}: {e}", value.get_ref()),
                );
                None
            }
        }
    }

    /// Compiles one `[[topic]]`: its query, thresholds, examples and match
    /// mode. Problems are recorded; `None` when the topic is unusable.
    fn topic(
        &mut self,
        t: &file::TopicTable,
        slug: &str,
        folder: &Path,
        key: &dyn Fn(&str) -> String,
    ) -> Option<topics::Topic> {
        let mut ok = true;
        let query = match &t.query {
            Some(q) => match topics::Query::parse(q.get_ref()) {
                Ok(query) => Some(query),
                Err(e) => {
                    // Point at the offending character inside the string.
                    let start = string_value_offset(self.text, q.span(), e.position);
                    self.problem(start..start, &key("query"), e.to_string());
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let min_score = match &t.min_score {
            Some(m) if !(m.get_ref().is_finite() && *m.get_ref() >= 0.0) => {
                self.problem(m.span(), &key("min_score"), "must be a number of 0 or more");
                ok = false;
                None
            }
            Some(m) => Some(*m.get_ref()),
            None => None,
        };
        let min_similarity = match &t.min_similarity {
            Some(m) if !(0.0..=1.0).contains(m.get_ref()) => {
                self.problem(
                    m.span(),
                    &key("min_similarity"),
                    "must be between 0 and 1 (a cosine similarity)",
                );
                ok = false;
                topics::DEFAULT_MIN_SIMILARITY
            }
            Some(m) => *m.get_ref(),
            None => topics::DEFAULT_MIN_SIMILARITY,
        };
        let mut example_sources = Vec::new();
        for (j, e) in t.examples.iter().flatten().enumerate() {
            match self.example(e.get_ref(), folder) {
                Ok(source) => example_sources.push(source),
                Err(message) => {
                    self.problem(e.span(), &key(&format!("examples[{j}]")), message);
                    ok = false;
                }
            }
        }
        let match_mode = match &t.match_mode {
            Some(m) => match m.get_ref().parse::<topics::MatchMode>() {
                Ok(mode) => mode,
                Err(message) => {
                    self.problem(m.span(), &key("match"), message);
                    return None;
                }
            },
            None => topics::Topic::default_mode(t.query.is_some(), t.examples.is_some()),
        };
        if t.query.is_none() && t.examples.is_none() {
            self.problem(
                t.slug.span(),
                &key("query"),
                "a topic needs a query, examples, or both",
            );
            return None;
        }
        if !ok {
            return None;
        }
        let mut topic = topics::Topic {
            slug: slug.to_string(),
            title: t.title.clone(),
            query,
            min_score,
            examples: None,
            example_sources,
            min_similarity,
            match_mode,
        };
        if let Err(e) = topic.validate() {
            let span = t.match_mode.as_ref().map_or(t.slug.span(), |m| m.span());
            self.problem(span, &key("match"), e.to_string());
            return None;
        }
        // A first profile from the file examples alone, so `check` reports
        // unusable examples; start-up rebuilds it with URL examples and the
        // archive's word statistics.
        let has_file_examples = topic
            .example_sources
            .iter()
            .any(|s| matches!(s, topics::ExampleSource::Text(_)));
        if has_file_examples && let Err(e) = topic.build_profile(&[], &[]) {
            self.problem(t.slug.span(), &key("examples"), e.to_string());
            return None;
        }
        Some(topic)
    }

    /// Reads one `examples` entry: an http(s) URL of an archived article,
    /// or a file relative to the config's folder — saved HTML (`.html`,
    /// `.htm`, whose main content is extracted) or plain text (first line
    /// the title, the rest the article).
    fn example(&self, entry: &str, folder: &Path) -> Result<topics::ExampleSource, String> {
        if entry.starts_with("http://") || entry.starts_with("https://") {
            return Url::parse(entry)
                .map(topics::ExampleSource::Url)
                .map_err(|e| format!("invalid URL {entry:?}: {e}"));
        }
        let path = folder.join(entry);
        let content = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read example {}: {e}", path.display()))?;
        let is_html = path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("html") || x.eq_ignore_ascii_case("htm"));
        let (title, text) = if is_html {
            let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
            let base = Url::from_file_path(&absolute)
                .map_err(|()| format!("cannot make a URL of {}", path.display()))?;
            let a = crate::extract::article(&content, &base, &crate::extract::Rules::none())
                .map_err(|e| format!("cannot extract example {}: {e}", path.display()))?;
            (a.title.unwrap_or_default(), a.text)
        } else {
            let content = content.trim_start();
            let (title, rest) = content.split_once('\n').unwrap_or((content, ""));
            (title.trim().to_string(), rest.trim().to_string())
        };
        Ok(topics::ExampleSource::Text(topics::ExampleText {
            origin: entry.to_string(),
            title,
            text,
        }))
    }

    /// A source's extraction rules; every selector that is not valid CSS is
    /// reported at its own line.
    fn rules(&mut self, s: &file::SourceTable, i: usize) -> Option<extract::Rules> {
        let mut ok = true;
        let mut check = |this: &mut Self, sel: &Spanned<String>, key: String| {
            if let Err(e) = extract::Rules::check_selector(sel.get_ref()) {
                this.problem(sel.span(), &key, e.to_string());
                ok = false;
            }
        };
        if let Some(sel) = &s.content_selector {
            check(self, sel, format!("source[{i}].content_selector"));
        }
        let strip = s.strip_selectors.as_deref().unwrap_or_default();
        for (j, sel) in strip.iter().enumerate() {
            check(self, sel, format!("source[{i}].strip_selectors[{j}]"));
        }
        if !ok {
            return None;
        }
        let strip: Vec<String> = strip.iter().map(|s| s.get_ref().clone()).collect();
        // Every selector was checked above, so this does not fail.
        extract::Rules::new(
            s.content_selector.as_ref().map(|s| s.get_ref().as_str()),
            &strip,
        )
        .ok()
    }

    fn resolve(&mut self, file: file::FileConfig, path: &Path) -> Config {
        let folder = path.parent().unwrap_or(Path::new("."));

        let store_path = match &file.store.path {
            Some(p) if p.get_ref().trim().is_empty() => {
                self.problem(p.span(), "store.path", "must not be empty");
                PathBuf::new()
            }
            Some(p) => folder.join(p.get_ref()),
            None => folder.join("data/feedsieve.db"),
        };

        let keep = file
            .store
            .keep
            .as_ref()
            .and_then(|d| self.duration(d, "store.keep"));
        let max_per_source = match &file.store.max_per_source {
            Some(n) if *n.get_ref() == 0 => {
                self.problem(
                    n.span(),
                    "store.max_per_source",
                    "must be at least 1 (leave it out to keep every article)",
                );
                None
            }
            Some(n) => Some(*n.get_ref() as usize),
            None => None,
        };

        let log = LogConfig {
            level: match &file.log.level {
                Some(l) => match check_log_filter(l.get_ref()) {
                    Ok(()) => l.get_ref().trim().to_string(),
                    Err(e) => {
                        self.problem(
                            l.span(),
                            "log.level",
                            format!(
                                "invalid level {:?} ({e}); write e.g. \"info\" or \"info,feedsieve::fetch=debug\"",
                                l.get_ref()
                            ),
                        );
                        DEFAULT_LOG_LEVEL.to_string()
                    }
                },
                None => DEFAULT_LOG_LEVEL.to_string(),
            },
        };

        let listen = match &file.server.listen {
            Some(l) => l.get_ref().parse().unwrap_or_else(|e| {
                self.problem(
                    l.span(),
                    "server.listen",
                    format!(
                        "invalid address {:?} ({e}); write e.g. \"127.0.0.1:8080\"",
                        l.get_ref()
                    ),
                );
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }),
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let base_url = match &file.server.base_url {
            Some(u) => self.http_url(u, "server.base_url"),
            None => Url::parse(&format!("http://{listen}/")).ok(),
        }
        .unwrap_or_else(|| Url::parse("http://127.0.0.1:8080/").expect("literal URL"));
        let websub_hub = file
            .server
            .websub_hub
            .as_ref()
            .and_then(|u| self.http_url(u, "server.websub_hub"));

        let f = &file.fetch;
        let interval = f
            .interval
            .as_ref()
            .and_then(|d| self.duration(d, "fetch.interval"))
            .unwrap_or(DEFAULT_INTERVAL);
        // The adaptive bounds default to a band around the interval: busy
        // sources down to 10 minutes, quiet ones up to 6 hours.
        let (min_interval, max_interval) = self.interval_bounds(
            &f.min_interval,
            &f.max_interval,
            (
                DEFAULT_MIN_INTERVAL.min(interval),
                DEFAULT_MAX_INTERVAL.max(interval),
            ),
            "fetch.",
        );
        let timeout = f
            .timeout
            .as_ref()
            .and_then(|d| self.duration(d, "fetch.timeout"))
            .unwrap_or(Duration::from_secs(20));
        let contact = f.contact.as_ref().and_then(|c| {
            let text = c.get_ref().trim();
            match Url::parse(text) {
                Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto") => Some(u),
                _ => {
                    self.problem(
                        c.span(),
                        "fetch.contact",
                        format!(
                            "{text:?} is not an http(s) or mailto: URL; site owners use it to reach you"
                        ),
                    );
                    None
                }
            }
        });
        let allow_private_networks = f.allow_private_networks.unwrap_or(false);
        let origins: Vec<String> = f
            .allow_private_origins
            .iter()
            .flatten()
            .map(|o| o.get_ref().clone())
            .collect();
        let address_policy = match AddressPolicy::new(allow_private_networks, &origins) {
            Ok(policy) => policy,
            Err(bad) => {
                for error in bad {
                    let span = f
                        .allow_private_origins
                        .iter()
                        .flatten()
                        .find(|o| *o.get_ref() == error.entry)
                        .map_or(0..0, Spanned::span);
                    self.problem(span, "fetch.allow_private_origins", error.to_string());
                }
                AddressPolicy::default()
            }
        };
        let fetch = FetchConfig {
            interval,
            min_interval,
            max_interval,
            max_backoff: f
                .max_backoff
                .as_ref()
                .and_then(|d| self.duration(d, "fetch.max_backoff"))
                .unwrap_or(crate::schedule::backoff::DEFAULT_CEILING),
            timeout,
            connect_timeout: f
                .connect_timeout
                .as_ref()
                .and_then(|d| self.duration(d, "fetch.connect_timeout"))
                .unwrap_or(Duration::from_secs(10))
                .min(timeout),
            concurrency: self.count(&f.concurrency, "fetch.concurrency", 8),
            connections: self.count(&f.connections, "fetch.connections", 16),
            per_host: self.count(&f.per_host, "fetch.per_host", 2),
            host_delay: f
                .host_delay
                .as_ref()
                .and_then(|d| self.duration_or_zero(d, "fetch.host_delay"))
                .unwrap_or(Duration::from_secs(1)),
            max_body: f
                .max_body
                .as_ref()
                .and_then(|v| self.size(v, "fetch.max_body"))
                .unwrap_or(10 * 1024 * 1024),
            max_redirects: match &f.max_redirects {
                Some(n) => *n.get_ref() as usize,
                None => 10,
            },
            max_items: self.count(&f.max_items, "fetch.max_items", 500),
            user_agent: f.user_agent.clone().unwrap_or_else(|| {
                let contact = contact
                    .as_ref()
                    .map_or("https://github.com/feedsieve/feedsieve", Url::as_str);
                format!("feedsieve/{} (+{contact})", env!("CARGO_PKG_VERSION"))
            }),
            allow_private_networks,
            address_policy,
        };

        let default_rule = crate::dedupe::MatchRule::DEFAULT;
        let threshold = match &file.dedupe.threshold {
            Some(t) if !(*t.get_ref() > 0.0 && *t.get_ref() <= 1.0) => {
                self.problem(
                    t.span(),
                    "dedupe.threshold",
                    "must be above 0 and at most 1",
                );
                default_rule.threshold
            }
            Some(t) => *t.get_ref(),
            None => default_rule.threshold,
        };
        let window = file
            .dedupe
            .window
            .as_ref()
            .and_then(|d| self.duration(d, "dedupe.window"))
            .and_then(|d| chrono::TimeDelta::from_std(d).ok())
            .unwrap_or(default_rule.window);
        let dedupe = DedupeConfig {
            rule: crate::dedupe::MatchRule {
                threshold,
                window,
                min_words: file
                    .dedupe
                    .min_words
                    .as_ref()
                    .map_or(default_rule.min_words, |m| *m.get_ref()),
                min_shared: file
                    .dedupe
                    .min_shared
                    .as_ref()
                    .map_or(default_rule.min_shared, |m| *m.get_ref()),
                ..default_rule
            },
            prefer: Vec::new(),
        };

        let mut sources: Vec<SourceConfig> = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, s) in file.source.iter().enumerate() {
            let key = |k: &str| format!("source[{i}].{k}");
            let name = s.name.get_ref().trim().to_string();
            if name.is_empty() {
                self.problem(s.name.span(), &key("name"), "must not be empty");
            } else if !names.insert(name.clone()) {
                self.problem(
                    s.name.span(),
                    &key("name"),
                    format!("source name {name:?} is used twice; names must be unique"),
                );
            }
            let url = self.http_url(&s.url, &key("url"));
            let interval = match &s.interval {
                Some(d) => self.duration(d, &key("interval")),
                None => Some(fetch.interval),
            };
            // A source's own interval widens the default band so that
            // "interval = 12h" is not silently clamped to 6 hours.
            let defaults = match interval {
                Some(i) => (fetch.min_interval.min(i), fetch.max_interval.max(i)),
                None => (fetch.min_interval, fetch.max_interval),
            };
            let (min_interval, max_interval) =
                self.interval_bounds(&s.min_interval, &s.max_interval, defaults, &key(""));
            let encoding = s.encoding.as_ref().and_then(|e| {
                let charset = Charset::for_label(e.get_ref());
                if charset.is_none() {
                    self.problem(
                        e.span(),
                        &key("encoding"),
                        format!(
                            "unknown encoding {:?}; write e.g. \"windows-1251\", \"koi8-r\", \"utf-8\"",
                            e.get_ref()
                        ),
                    );
                }
                charset
            });
            let utc_offset = match &s.utc_offset {
                Some(o) => parse_utc_offset(o.get_ref()).unwrap_or_else(|| {
                    self.problem(
                        o.span(),
                        &key("utc_offset"),
                        format!("invalid offset {:?}; write e.g. \"+05:00\"", o.get_ref()),
                    );
                    utc()
                }),
                None => utc(),
            };
            let republish = match &s.republish {
                None => Some(Republish::Full),
                Some(r) => Republish::from_name(r.get_ref()).or_else(|| {
                    self.problem(
                        r.span(),
                        &key("republish"),
                        format!(
                            "unknown policy {:?}; use \"full\", \"excerpt\" or \"link\"",
                            r.get_ref()
                        ),
                    );
                    None
                }),
            };
            let rules = self.rules(s, i);
            if let (Some(url), Some(interval), Some(republish), Some(rules)) =
                (url, interval, republish, rules)
            {
                sources.push(SourceConfig {
                    name,
                    url,
                    full_text: s.full_text.unwrap_or(true),
                    interval: interval.clamp(min_interval, max_interval),
                    min_interval,
                    max_interval,
                    encoding,
                    utc_offset,
                    enabled: s.enabled.unwrap_or(true),
                    category: s
                        .category
                        .as_ref()
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty()),
                    rules: Arc::new(rules),
                    republish,
                });
            }
        }

        let mut topics: Vec<topics::Topic> = Vec::new();
        let mut slugs = std::collections::HashSet::new();
        for (i, t) in file.topic.iter().enumerate() {
            let key = |k: &str| format!("topic[{i}].{k}");
            let slug = t.slug.get_ref().as_str();
            if !is_valid_slug(slug) {
                self.problem(
                    t.slug.span(),
                    &key("slug"),
                    format!(
                        "invalid slug {slug:?}: use lower-case letters, digits and '-' (it becomes part of a URL)"
                    ),
                );
            } else if slug == crate::publish::ALL_SLUG {
                self.problem(
                    t.slug.span(),
                    &key("slug"),
                    format!("the slug {slug:?} is reserved for the feed of all stories"),
                );
            } else if !slugs.insert(slug) {
                self.problem(
                    t.slug.span(),
                    &key("slug"),
                    format!("topic slug {slug:?} is used twice"),
                );
            }
            if let Some(topic) = self.topic(t, slug, folder, &key) {
                topics.push(topic);
            }
        }

        let mut dedupe = dedupe;
        for (i, name) in file.dedupe.prefer.iter().flatten().enumerate() {
            if sources.iter().any(|s| &s.name == name.get_ref()) {
                dedupe.prefer.push(name.get_ref().clone());
            } else {
                self.problem(
                    name.span(),
                    &format!("dedupe.prefer[{i}]"),
                    format!("no source is named {:?}", name.get_ref()),
                );
            }
        }

        Config {
            path: path.to_path_buf(),
            store: StoreConfig {
                path: store_path,
                keep,
                max_per_source,
            },
            server: ServerConfig {
                listen,
                base_url,
                websub_hub,
            },
            fetch,
            log,
            dedupe,
            sources,
            topics,
        }
    }
}

/// Checks a `[log] level` value. `EnvFilter` alone accepts any bare word
/// as a target name, so a misspelt level ("inf") would silently log
/// nothing; here each comma-separated part must be a level name or a
/// `target=level` directive.
fn check_log_filter(value: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    for part in value.split(',').map(str::trim) {
        if !part.contains('=') && !LEVELS.contains(&part.to_ascii_lowercase().as_str()) {
            return Err(format!("{part:?} is not one of {}", LEVELS.join(", ")));
        }
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(value)
        .map(drop)
        .map_err(|e| e.to_string())
}

const DEFAULT_INTERVAL: Duration = Duration::from_secs(30 * 60);
const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(10 * 60);
const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(6 * 60 * 60);

fn utc() -> FixedOffset {
    chrono::Offset::fix(&chrono::Utc)
}

/// "+05:00", "-03:30", "+0500", "+5", "UTC": the offset of zone-less dates.
fn parse_utc_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") {
        return Some(utc());
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// "10 MiB", "512KiB", "1.5 MB", "1000000": a byte count. Binary (KiB,
/// MiB, GiB) and decimal (KB, MB, GB) units; no unit means bytes.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1.0,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        _ => return None,
    };
    let bytes = number * scale;
    // u64::MAX as f64 rounds up, so compare against a value that fits.
    (0.0..1.8e19).contains(&bytes).then(|| bytes.round() as u64)
}

/// Byte offset in the file of the `chars`-th character of the string value
/// whose TOML source is at `span`. Handles the four TOML string forms: the
/// opening quote(s), the newline right after a multi-line opener (which TOML
/// drops), and in basic strings the escapes (`\"` is one character of the
/// value but two of the file).
fn string_value_offset(text: &str, span: Range<usize>, chars: usize) -> usize {
    let raw = text.get(span.clone()).unwrap_or("");
    let (open, basic) = if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with("'''") {
        (3, false)
    } else {
        (1, raw.starts_with('"'))
    };
    let mut offset = (span.start + open).min(span.end);
    let mut rest = text.get(offset..span.end).unwrap_or("");
    if open == 3 {
        if let Some(r) = rest.strip_prefix("\r\n") {
            offset += 2;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('\n') {
            offset += 1;
            rest = r;
        }
    }
    let mut it = rest.char_indices().peekable();
    let mut seen = 0;
    while let Some((i, c)) = it.next() {
        if seen == chars {
            return offset + i;
        }
        if basic && c == '\\' {
            // \uXXXX and \UXXXXXXXX are one character each; other escapes
            // are a backslash and one character.
            let skip = match it.peek().map(|&(_, n)| n) {
                Some('u') => 5,
                Some('U') => 9,
                _ => 1,
            };
            for _ in 0..skip {
                it.next();
            }
        }
        seen += 1;
    }
    offset + rest.len()
}

fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_str(text, Path::new("/etc/feedsieve/feedsieve.toml"))
    }

    fn problems(text: &str) -> Vec<Problem> {
        match load(text) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("expected invalid config, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let c = load("").unwrap();
        assert_eq!(c.store.path, Path::new("/etc/feedsieve/data/feedsieve.db"));
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.fetch.interval, Duration::from_secs(1800));
        assert_eq!(c.fetch.timeout, Duration::from_secs(20));
        assert_eq!(c.fetch.concurrency, 8);
        assert!(!c.fetch.allow_private_networks);
        assert_eq!((c.store.keep, c.store.max_per_source), (None, None));
        assert_eq!(c.log.level, "info");
    }

    #[test]
    fn retention_and_log_level_are_read_and_checked() {
        let c = load("[store]\nkeep = \"90d\"\nmax_per_source = 500\n[log]\nlevel = \"warn,feedsieve=debug\"\n")
            .unwrap();
        assert_eq!(c.store.keep, Some(Duration::from_secs(90 * 86400)));
        assert_eq!(c.store.max_per_source, Some(500));
        assert_eq!(c.log.level, "warn,feedsieve=debug");

        let p =
            problems("[store]\nkeep = \"forever\"\nmax_per_source = 0\n[log]\nlevel = \"loud\"\n");
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["store.keep", "store.max_per_source", "log.level"]);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let p = problems("[fetch]\ninterval = \"10m\"\nconcurency = 4\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 3);
        assert!(p[0].message.contains("concurency"), "{:?}", p[0]);
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let p = problems("[fetch]\nconcurrency = \"eight\"\n");
        assert_eq!(p[0].line, 2);
        assert_eq!(p[0].key, "concurrency");
    }

    #[test]
    fn all_semantic_problems_are_reported_together() {
        let p = problems(
            r#"
[fetch]
interval = "soon"

[[source]]
name = "a"
url = "ftp://example.com/feed"

[[source]]
name = "a"
url = "https://example.com/feed"

[[topic]]
slug = "Bad Slug"
title = "x"
query = "peace"
"#,
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "fetch.interval",
                "source[0].url",
                "source[1].name",
                "topic[0].slug"
            ]
        );
        assert_eq!(p[0].line, 3);
        assert_eq!(p[1].line, 7);
    }

    #[test]
    fn republish_defaults_to_full_and_rejects_unknown_policies() {
        let c = load(
            r#"
[server]
websub_hub = "https://hub.example/"
[[source]]
name = "a"
url = "https://a.example/feed"
[[source]]
name = "b"
url = "https://b.example/feed"
republish = "excerpt"
[[source]]
name = "c"
url = "https://c.example/feed"
republish = "link"
"#,
        )
        .unwrap();
        let policies: Vec<Republish> = c.sources.iter().map(|s| s.republish).collect();
        assert_eq!(
            policies,
            [Republish::Full, Republish::Excerpt, Republish::Link]
        );
        assert_eq!(
            c.server.websub_hub.as_ref().map(Url::as_str),
            Some("https://hub.example/")
        );
        assert_eq!(load("").unwrap().server.websub_hub, None);

        let p = problems(
            "[server]\nwebsub_hub = \"ftp://hub.example/\"\n\
             [[source]]\nname = \"a\"\nurl = \"https://a.example/feed\"\nrepublish = \"quote\"\n",
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["server.websub_hub", "source[0].republish"]);
        assert_eq!(p[1].line, 6);
        assert!(p[1].message.contains("\"quote\""), "{:?}", p[1]);
    }

    #[test]
    fn the_dedupe_table_sets_the_match_rule_and_the_preferred_sources() {
        let c = load("").unwrap();
        assert_eq!(c.dedupe.rule, crate::dedupe::MatchRule::DEFAULT);
        assert!(c.dedupe.prefer.is_empty());
        let c = load(
            r#"
[dedupe]
threshold = 0.4
window = "2d"
min_words = 60
min_shared = 50
prefer = ["Kazpravda"]

[[source]]
name = "Kazpravda"
url = "https://kazpravda.kz/rss/"
"#,
        )
        .unwrap();
        assert_eq!(c.dedupe.rule.threshold, 0.4);
        assert_eq!(c.dedupe.rule.window, chrono::TimeDelta::days(2));
        assert_eq!(
            (c.dedupe.rule.min_words, c.dedupe.rule.min_shared),
            (60, 50)
        );
        assert_eq!(c.dedupe.prefer, ["Kazpravda"]);
    }

    #[test]
    fn a_bad_dedupe_threshold_and_an_unknown_preferred_source_are_both_reported() {
        let p = problems("[dedupe]\nthreshold = 1.5\nprefer = [\"Nobody\"]\n");
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["dedupe.threshold", "dedupe.prefer[0]"], "{p:?}");
        assert_eq!((p[0].line, p[1].line), (2, 3));
        let p = problems("[dedupe]\ntreshold = 0.3\n");
        assert!(p[0].message.contains("treshold"), "{p:?}");
    }

    #[test]
    fn every_bad_extraction_selector_is_reported_at_its_line() {
        let p = problems(
            r#"
[[source]]
name = "a"
url = "https://example.com/feed"
content_selector = "div..body"
strip_selectors = [".ok",
  "p:unknown-pseudo"]
"#,
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["source[0].content_selector", "source[0].strip_selectors[1]"]
        );
        assert_eq!((p[0].line, p[1].line), (5, 7));
        assert!(p[0].message.contains("div..body"), "{:?}", p[0]);
    }

    #[test]
    fn extraction_rules_are_compiled_per_source() {
        let c = load(
            r#"
[[source]]
name = "a"
url = "https://example.com/feed"
content_selector = "article .body"
strip_selectors = [".share"]

[[source]]
name = "b"
url = "https://example.org/feed"
"#,
        )
        .unwrap();
        assert_ne!(*c.sources[0].rules, extract::Rules::none());
        assert_eq!(*c.sources[1].rules, extract::Rules::none());
    }

    #[test]
    fn relative_store_paths_resolve_against_the_config_folder() {
        let c = load("[store]\npath = \"state/x.db\"\n").unwrap();
        assert_eq!(c.store.path, Path::new("/etc/feedsieve/state/x.db"));
        let c = load("[store]\npath = \"/var/lib/feedsieve/x.db\"\n").unwrap();
        assert_eq!(c.store.path, Path::new("/var/lib/feedsieve/x.db"));
    }

    #[test]
    fn a_source_inherits_the_fetch_interval_unless_it_sets_one() {
        let c = load(
            r#"
[fetch]
interval = "10m"
[[source]]
name = "a"
url = "https://a.example/feed"
[[source]]
name = "b"
url = "https://b.example/feed"
interval = "2h"
full_text = false
enabled = false
"#,
        )
        .unwrap();
        assert_eq!(c.sources[0].interval, Duration::from_secs(600));
        assert!(c.sources[0].full_text && c.sources[0].enabled);
        assert_eq!(c.sources[1].interval, Duration::from_secs(7200));
        assert!(!c.sources[1].full_text && !c.sources[1].enabled);
        assert_eq!(c.enabled_sources().count(), 1);
    }
    #[test]
    fn fetch_limits_politeness_and_guard_keys_resolve() {
        let c = load(
            r#"
[fetch]
connect_timeout = "3s"
connections = 4
per_host = 1
host_delay = "0s"
max_body = "512 KiB"
max_redirects = 3
max_items = 50
max_backoff = "12h"
contact = "mailto:ops@example.org"
allow_private_origins = ["127.0.0.1:8765", "10.1.2.0/24"]
"#,
        )
        .unwrap();
        assert_eq!(c.fetch.connect_timeout, Duration::from_secs(3));
        assert_eq!((c.fetch.connections, c.fetch.per_host), (4, 1));
        assert_eq!(c.fetch.host_delay, Duration::ZERO);
        assert_eq!(c.fetch.max_body, 512 * 1024);
        assert_eq!((c.fetch.max_redirects, c.fetch.max_items), (3, 50));
        assert_eq!(c.fetch.max_backoff, Duration::from_secs(12 * 3600));
        assert!(c.fetch.user_agent.starts_with("feedsieve/"));
        assert!(
            c.fetch.user_agent.ends_with("(+mailto:ops@example.org)"),
            "{}",
            c.fetch.user_agent
        );
        let exempt = Url::parse("http://127.0.0.1:8765/feed").unwrap();
        let other = Url::parse("http://127.0.0.1:8766/feed").unwrap();
        assert!(c.fetch.address_policy.check_url(&exempt).is_ok());
        assert!(c.fetch.address_policy.check_url(&other).is_err());
    }

    #[test]
    fn defaults_keep_the_guard_on_and_the_limits_of_the_issue() {
        let c = load("").unwrap();
        assert_eq!(c.fetch.max_body, 10 * 1024 * 1024);
        assert_eq!(c.fetch.max_redirects, 10);
        assert_eq!(c.fetch.per_host, 2);
        assert_eq!(c.fetch.max_backoff, Duration::from_secs(24 * 3600));
        let metadata = Url::parse("http://169.254.169.254/latest/meta-data/").unwrap();
        assert!(c.fetch.address_policy.check_url(&metadata).is_err());
    }

    #[test]
    fn source_encoding_offset_and_interval_bounds_resolve() {
        let c = load(
            r#"
[fetch]
interval = "30m"
[[source]]
name = "a"
url = "https://a.example/feed"
encoding = "cp1251"
utc_offset = "+05:00"
min_interval = "5m"
max_interval = "2h"
[[source]]
name = "b"
url = "https://b.example/feed"
interval = "12h"
"#,
        )
        .unwrap();
        let a = &c.sources[0];
        assert_eq!(a.encoding, Charset::for_label("windows-1251"));
        assert_eq!(a.utc_offset, FixedOffset::east_opt(5 * 3600).unwrap());
        assert_eq!(
            (a.min_interval, a.max_interval),
            (Duration::from_secs(300), Duration::from_secs(7200))
        );
        let b = &c.sources[1];
        assert_eq!(b.encoding, None);
        assert_eq!(b.interval, Duration::from_secs(12 * 3600));
        assert_eq!(
            b.max_interval,
            Duration::from_secs(12 * 3600),
            "the band widens to the source's interval"
        );
    }

    #[test]
    fn bad_fetch_and_source_values_are_all_named() {
        let p = problems(
            r#"
[fetch]
max_body = "ten megs"
per_host = 0
contact = "call me"
allow_private_origins = ["intranet.example", "10.0.0.0/8"]
min_interval = "2h"
max_interval = "1h"

[[source]]
name = "a"
url = "https://a.example/feed"
encoding = "klingon-8"
utc_offset = "Almaty"
"#,
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "fetch.min_interval",
                "fetch.contact",
                "fetch.allow_private_origins",
                "fetch.per_host",
                "fetch.max_body",
                "source[0].encoding",
                "source[0].utc_offset",
            ]
        );
        assert!(p[2].message.contains("intranet.example"), "{:?}", p[2]);
        assert_eq!(p[2].line, 6);
    }

    #[test]
    fn sizes_and_offsets_parse_as_people_write_them() {
        assert_eq!(parse_size("10 MiB"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("1.5MB"), Some(1_500_000));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("10 parsecs"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_utc_offset("+05:00"), FixedOffset::east_opt(5 * 3600));
        assert_eq!(
            parse_utc_offset("-0330"),
            FixedOffset::east_opt(-(3 * 3600 + 1800))
        );
        assert_eq!(parse_utc_offset("+6"), FixedOffset::east_opt(6 * 3600));
        assert_eq!(parse_utc_offset("UTC"), FixedOffset::east_opt(0));
        assert_eq!(parse_utc_offset("+25:00"), None);
        assert_eq!(parse_utc_offset("Asia/Almaty"), None);
    }
}
