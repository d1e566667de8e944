//! Changing the config file on the user's behalf, keeping everything they
//! wrote: comments, blank lines, key order, formatting.
//!
//! In: the file's text and the subscriptions to add (from `opml`). Out:
//! the new text, checked by the same resolver as any config, and what was
//! added or skipped. Never writes files (the CLI does, atomically) and
//! never removes or changes an existing source.
//!
//! `toml_edit` keeps the file's layout (a serde round trip through `toml`
//! would drop every comment, and the shipped config is mostly comments).

use std::collections::HashSet;
use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::{Config, ConfigError};
use crate::opml::Subscription;

/// What an import did to the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// (name, url) of each source added, in order.
    pub added: Vec<(String, String)>,
    /// Feed URLs already configured (by any name), left as they were.
    pub already_configured: Vec<String>,
}

/// Why an import could not be done.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the config must be valid before sources are added to it: {0}")]
    InvalidBefore(ConfigError),
    #[error("cannot edit {path}: {message}")]
    Toml { path: String, message: String },
    #[error("the edited config would not load (this is a bug in feedsieve): {0}")]
    InvalidAfter(ConfigError),
}

/// Adds `subscriptions` as `[[source]]` tables at the end of the config
/// `text` (read from `path`), after a comment naming `origin`. Feeds already
/// configured are skipped; a name already taken gets " (2)", " (3)", ….
pub fn add_sources(
    text: &str,
    path: &Path,
    subscriptions: &[Subscription],
    origin: &str,
) -> Result<(String, ImportReport), EditError> {
    let current = Config::from_str(text, path).map_err(EditError::InvalidBefore)?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Toml {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let mut urls: HashSet<String> = current.sources.iter().map(|s| s.url.to_string()).collect();
    let mut names: HashSet<String> = current.sources.iter().map(|s| s.name.clone()).collect();
    let mut report = ImportReport::default();

    let mut tables = Vec::new();
    for sub in subscriptions {
        let url = sub.feed_url.to_string();
        if !urls.insert(url.clone()) {
            report.already_configured.push(url);
            continue;
        }
        let base = sub.title.trim();
        let base = if base.is_empty() { url.as_str() } else { base };
        let mut name = base.to_string();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        let mut t = Table::new();
        t["name"] = value(name.as_str());
        t["url"] = value(url.as_str());
        if let Some(c) = &sub.category {
            t["category"] = value(c.as_str());
        }
        if let Some(f) = sub.full_text {
            t["full_text"] = value(f);
        }
        if let Some(i) = sub.interval {
            t["interval"] = value(humantime::format_duration(i).to_string());
        }
        if sub.enabled == Some(false) {
            t["enabled"] = value(false);
        }
        report.added.push((name, url));
        tables.push(t);
    }
    if tables.is_empty() {
        return Ok((text.to_string(), report));
    }
    if let Some(first) = tables.first_mut() {
        first.decor_mut().set_prefix(format!(
            "\n# Imported from {} on {}.\n",
            origin.replace('\n', " "),
            chrono::Utc::now().format("%Y-%m-%d")
        ));
    }
    // New tables go after everything the file has: toml_edit places a
    // table by its position, and a table without one would be written
    // among the existing [[source]] tables, separated from its comment.
    let mut position = doc
        .iter()
        .filter_map(|(_, item)| match item {
            Item::Table(t) => t.position(),
            Item::ArrayOfTables(a) => a.iter().filter_map(Table::position).max(),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let array = doc
        .entry("source")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| EditError::Toml {
            path: path.display().to_string(),
            message: "`source` is not a list of [[source]] tables".to_string(),
        })?;
    for mut t in tables {
        position += 1;
        t.set_position(Some(position));
        array.push(t);
    }
    let mut new_text = doc.to_string();
    if !text.ends_with('\n') && new_text.ends_with('\n') {
        new_text.pop();
    }
    Config::from_str(&new_text, path).map_err(EditError::InvalidAfter)?;
    Ok((new_text, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn sub(title: &str, url: &str) -> Subscription {
        Subscription {
            title: title.into(),
            feed_url: Url::parse(url).unwrap(),
            site_url: None,
            category: None,
            full_text: None,
            enabled: None,
            interval: None,
        }
    }

    const CONFIG: &str = r#"# My feeds.
[store]
path = "x.db" # next to this file

# The one source I had.
[[source]]
name = "Kazpravda"
url = "https://kazpravda.kz/rss/"

# Topics.
[[topic]]
slug = "mediation"
title = "Mediation"
query = "переговор*"
"#;

    #[test]
    fn imported_sources_are_appended_and_every_comment_stays() {
        let mut tengri = sub("Tengrinews", "https://tengrinews.kz/news.rss");
        tengri.category = Some("Казахстан".into());
        tengri.full_text = Some(false);
        tengri.enabled = Some(false);
        let subs = [
            tengri,
            sub("Kazpravda", "https://kazpravda.kz/other.rss"),
            sub("Dup", "https://kazpravda.kz/rss/"),
        ];
        let path = Path::new("/etc/feedsieve/feedsieve.toml");
        let (text, report) = add_sources(CONFIG, path, &subs, "reader.opml").unwrap();
        assert!(text.starts_with(CONFIG), "the old text changed:\n{text}");
        assert!(text.contains("# Imported from reader.opml on "), "{text}");
        assert_eq!(
            report.added,
            [
                (
                    "Tengrinews".to_string(),
                    "https://tengrinews.kz/news.rss".to_string()
                ),
                (
                    "Kazpravda (2)".to_string(),
                    "https://kazpravda.kz/other.rss".to_string()
                ),
            ]
        );
        assert_eq!(report.already_configured, ["https://kazpravda.kz/rss/"]);

        let c = Config::from_str(&text, path).unwrap();
        let t = &c.sources[1];
        assert_eq!(t.name, "Tengrinews");
        assert_eq!(t.category.as_deref(), Some("Казахстан"));
        assert!(!t.full_text && !t.enabled);
        assert_eq!(c.sources[2].name, "Kazpravda (2)");
        assert!(
            c.sources[2].full_text,
            "the default applies when the file says nothing"
        );
        assert_eq!(c.topics.len(), 1);
    }

    #[test]
    fn importing_nothing_new_leaves_the_file_byte_for_byte() {
        let path = Path::new("/tmp/f.toml");
        let subs = [sub("Again", "https://kazpravda.kz/rss/")];
        let (text, report) = add_sources(CONFIG, path, &subs, "x").unwrap();
        assert_eq!(text, CONFIG);
        assert!(report.added.is_empty());
    }

    #[test]
    fn a_file_without_sources_gets_its_first_ones() {
        let path = Path::new("/tmp/f.toml");
        let (text, _) = add_sources(
            "[fetch]\ninterval = \"1h\"\n",
            path,
            &[sub("A", "https://a.example/rss")],
            "x",
        )
        .unwrap();
        let c = Config::from_str(&text, path).unwrap();
        assert_eq!(c.sources.len(), 1);
        assert!(text.starts_with("[fetch]\ninterval = \"1h\"\n"));
    }

    #[test]
    fn a_broken_config_is_not_edited() {
        let path = Path::new("/tmp/f.toml");
        let e = add_sources(
            "[fetch]\nintervl = 1\n",
            path,
            &[sub("A", "https://a.example/rss")],
            "x",
        );
        assert!(matches!(e, Err(EditError::InvalidBefore(_))));
    }
}
