//! The labeled set of tests/fixtures/topics: short news texts written for
//! this project, each marked on- or off-topic for the "mediation" topic.
//! Shared by the integration tests and `examples/topics_eval.rs` (which
//! includes this file by path), so both measure the same thing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One labeled news text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabeledDoc {
    pub id: String,
    /// "on" or "off".
    pub label: String,
    /// For off-topic texts: the trap they set (the shared words).
    #[serde(default)]
    pub trap: Option<String>,
    pub source: String,
    pub title: String,
    pub text: String,
}

impl LabeledDoc {
    pub fn on_topic(&self) -> bool {
        self.label == "on"
    }

    /// The language part of the id ("ru-on-01" → "ru").
    pub fn lang(&self) -> &str {
        self.id.split('-').next().unwrap_or("")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabeledFile {
    doc: Vec<LabeledDoc>,
}

/// The folder of the labeled set.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/topics")
}

/// Loads every `*.toml` file of the labeled set, in file-name order.
pub fn load() -> Result<Vec<LabeledDoc>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .map_err(|e| format!("{}: {e}", dir().display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: LabeledFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for d in &file.doc {
            if d.label != "on" && d.label != "off" {
                return Err(format!(
                    "{}: {}: label must be on or off",
                    path.display(),
                    d.id
                ));
            }
        }
        docs.extend(file.doc);
    }
    Ok(docs)
}

/// Precision and recall of a classifier's decisions on the set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
}

impl Scores {
    pub fn add(&mut self, on_topic: bool, matched: bool) {
        match (on_topic, matched) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (true, false) => self.false_negatives += 1,
            (false, false) => self.true_negatives += 1,
        }
    }

    pub fn precision(&self) -> f64 {
        let p = self.true_positives + self.false_positives;
        if p == 0 {
            0.0
        } else {
            self.true_positives as f64 / p as f64
        }
    }

    pub fn recall(&self) -> f64 {
        let p = self.true_positives + self.false_negatives;
        if p == 0 {
            0.0
        } else {
            self.true_positives as f64 / p as f64
        }
    }
}
