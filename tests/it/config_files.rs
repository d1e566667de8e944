use std::path::Path;

use feedsieve::config::Config;

#[test]
fn every_file_in_config_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let c = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.sources.is_empty(), "{} has no sources", path.display());
            loaded += 1;
        }
    }
    assert!(loaded >= 1, "no config files found in {}", dir.display());
}

#[test]
fn the_shipped_config_has_the_regions_sources_and_the_mediation_topic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/feedsieve.toml");
    let c = Config::load(&path).unwrap();
    let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "Kazpravda",
        "Kazinform",
        "Tengrinews",
        "Zakon.kz",
        "The Astana Times",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(c.topics.iter().any(|t| t.slug == "mediation"));
}
