//! OPML: the exports of Miniflux, FreshRSS, Feedly and NetNewsWire import
//! into the config file (its comments kept), and feedsieve's export
//! imports back to the same sources.

use std::path::{Path, PathBuf};

use feedsieve::config::{Config, SourceConfig};
use feedsieve::opml;

use crate::support::process::feedsieve;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opml")
        .join(name)
}

fn parse(name: &str) -> opml::Document {
    opml::parse(&std::fs::read(fixture(name)).unwrap()).unwrap()
}

/// (title, feed URL, category) of every subscription.
fn listed(doc: &opml::Document) -> Vec<(String, String, Option<String>)> {
    doc.subscriptions
        .iter()
        .map(|s| (s.title.clone(), s.feed_url.to_string(), s.category.clone()))
        .collect()
}

fn row(title: &str, url: &str, category: Option<&str>) -> (String, String, Option<String>) {
    (title.into(), url.into(), category.map(str::to_string))
}

#[test]
fn a_miniflux_export_keeps_categories_quotes_full_text_and_disabled_feeds() {
    let doc = parse("miniflux.opml");
    assert_eq!(doc.title.as_deref(), Some("Miniflux"));
    assert_eq!(
        listed(&doc),
        [
            row(
                "Fergana News",
                "https://fergana.news/rss/",
                Some("Central Asia")
            ),
            row("24.kg", "https://24.kg/rss/", Some("Central Asia")),
            row(
                "Kazinform \"Ақорда\" news",
                "https://www.inform.kz/rss/rus.xml",
                Some("Kazakhstan")
            ),
            row(
                "Tengrinews",
                "https://tengrinews.kz/news.rss",
                Some("Kazakhstan")
            ),
            row("Vlast.kz", "https://vlast.kz/rss", Some("Kazakhstan")),
        ]
    );
    let s = &doc.subscriptions;
    assert_eq!(s[0].full_text, None);
    assert_eq!(s[1].full_text, Some(true), "miniflux:crawler");
    assert_eq!(s[4].enabled, Some(false), "miniflux:disabled");
    assert_eq!(s[3].enabled, None);
    assert_eq!(
        s[0].site_url.as_ref().unwrap().as_str(),
        "https://fergana.news/"
    );
}

#[test]
fn a_freshrss_export_keeps_its_full_content_selector_as_full_text() {
    let doc = parse("freshrss.opml");
    assert_eq!(
        listed(&doc),
        [
            row(
                "The Astana Times",
                "https://astanatimes.com/feed/",
                Some("Uncategorized")
            ),
            row(
                "Казахстанская правда",
                "https://kazpravda.kz/rss/",
                Some("Казахстан")
            ),
            row(
                "Zakon.kz — новости",
                "https://www.zakon.kz/rss/",
                Some("Казахстан")
            ),
            row(
                "Eurasianet",
                "https://eurasianet.org/feed",
                Some("Analysis & opinion")
            ),
        ]
    );
    assert_eq!(doc.subscriptions[1].full_text, Some(true));
    assert_eq!(doc.subscriptions[2].full_text, None);
}

#[test]
fn a_feedly_export_lists_a_feed_in_two_collections_but_it_is_imported_once() {
    let doc = parse("feedly.opml");
    assert_eq!(
        doc.title.as_deref(),
        Some("Aigerim subscriptions in feedly Cloud")
    );
    assert_eq!(
        listed(&doc),
        [
            row(
                "Tengrinews.kz",
                "https://tengrinews.kz/news.rss",
                Some("Kazakhstan")
            ),
            row(
                "Kursiv.media",
                "https://kz.kursiv.media/feed/",
                Some("Kazakhstan")
            ),
            row(
                "RFE/RL – Central Asia",
                "https://www.rferl.org/api/zrqiteuuir",
                Some("Morning read")
            ),
        ]
    );
}

#[test]
fn a_netnewswire_export_has_feeds_inside_and_outside_folders() {
    let doc = parse("netnewswire.opml");
    assert_eq!(
        listed(&doc),
        [
            row("Kun.uz", "https://kun.uz/ru/news/rss", None),
            row(
                "AKIpress News & Analysis",
                "https://akipress.com/rss/news.rss",
                Some("Central Asia")
            ),
            row(
                "Asia-Plus",
                "https://asiaplustj.info/ru/rss",
                Some("Central Asia")
            ),
            row("The Diplomat", "https://thediplomat.com/feed/", None),
        ]
    );
}

/// The sources of a config, as OPML can carry them.
fn sources(config: &Config) -> Vec<SourceConfig> {
    config.sources.clone()
}

const COMMENTED: &str = "# Our analysts' feeds. Keep this comment!\n\
    [store]\npath = \"fs.db\"  # beside this file\n\n\
    [fetch]\ninterval = \"30m\"\n\n\
    # Hand-picked.\n[[source]]\nname = \"Tengrinews\"\nurl = \"https://tengrinews.kz/news.rss\"\n\
    interval = \"15m\"\n\n\
    [[topic]]\nslug = \"mediation\"\ntitle = \"Mediation\"\nquery = \"переговор*\"\n";

#[test]
fn each_reader_s_export_imports_into_the_config_and_round_trips_through_export() {
    for reader in ["miniflux", "freshrss", "feedly", "netnewswire"] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("feedsieve.toml");
        std::fs::write(&config, COMMENTED).unwrap();
        let file = fixture(&format!("{reader}.opml"));

        let out = feedsieve(&config, &["import-opml", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{reader}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(
            text.starts_with(COMMENTED),
            "{reader}: the file's text changed:\n{text}"
        );
        let imported = Config::load(&config).unwrap();
        let doc = parse(&format!("{reader}.opml"));
        // Every feed of the file is configured once; Tengrinews, already
        // there, keeps its own settings.
        let mut expected: Vec<String> = doc
            .subscriptions
            .iter()
            .map(|s| s.feed_url.to_string())
            .collect();
        expected.retain(|u| u != "https://tengrinews.kz/news.rss");
        let urls: Vec<String> = imported.sources[1..]
            .iter()
            .map(|s| s.url.to_string())
            .collect();
        assert_eq!(urls, expected, "{reader}");
        assert_eq!(imported.sources[0].interval.as_secs(), 900, "{reader}");

        // Importing the same file again adds nothing.
        let out = feedsieve(&config, &["import-opml", file.to_str().unwrap()]);
        assert!(out.status.success());
        assert_eq!(std::fs::read_to_string(&config).unwrap(), text, "{reader}");

        // Export, import into an empty config: the same sources, settings
        // (full text, enabled, interval, category) included.
        let exported = dir.path().join("export.opml");
        let out = feedsieve(
            &config,
            &["export-opml", "--output", exported.to_str().unwrap()],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fresh = dir.path().join("fresh.toml");
        std::fs::write(&fresh, "[fetch]\ninterval = \"30m\"\n").unwrap();
        let out = feedsieve(&fresh, &["import-opml", exported.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let round_tripped = Config::load(&fresh).unwrap();
        assert_eq!(sources(&round_tripped), sources(&imported), "{reader}");
    }
}

#[test]
fn a_dry_run_changes_nothing_and_a_non_opml_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedsieve.toml");
    std::fs::write(&config, COMMENTED).unwrap();
    let file = fixture("feedly.opml");
    let out = feedsieve(
        &config,
        &["import-opml", "--dry-run", file.to_str().unwrap()],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("would add: Kursiv.media"), "{stdout}");
    assert!(
        stdout.contains("already configured: https://tengrinews.kz/news.rss"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), COMMENTED);

    let rss = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site/kazpravda.rss");
    let out = feedsieve(&config, &["import-opml", rss.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an OPML document"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), COMMENTED);
}
