//! Deciding which story each new article belongs to.
//!
//! In: a batch of new articles from one source (publication time, text
//! hash, fingerprint), the stored articles with the same text hashes (the
//! store looks those up), and the near-duplicate index. Out: a
//! [`StoryLink`] per article. The store writes what was decided; `refresh`
//! holds the index lock from the decision until the articles are stored and
//! indexed, so two outlets' copies refreshed at the same moment cannot both
//! start a story.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::{DedupeError, Fingerprint, FingerprintParams, MatchRule, NearDupIndex, Similarity};
use crate::model::{ArticleId, ExactCopies, SourceId, StoredFingerprint, StoryLink};

/// The daemon's near-duplicate index, shared by all refreshes.
///
/// A std `Mutex`, not an async one: it is only ever locked inside
/// `spawn_blocking` work (lookups take microseconds, the store write
/// milliseconds) and never held across an `.await`.
#[derive(Debug)]
pub struct Stories {
    /// A copy of the index's rule, readable without the lock.
    rule: MatchRule,
    index: Mutex<NearDupIndex>,
    /// When the index was last pruned (Unix seconds).
    pruned_at: AtomicI64,
}

/// How often articles older than the window are dropped from the index.
/// Pruning rewrites the index (≈ 0.1 s at a million articles), so it is
/// not done on every refresh; an hour's worth of extra articles is noise.
const PRUNE_EVERY_SECS: i64 = 3600;

impl Stories {
    /// An empty index (a new database).
    pub fn new(params: FingerprintParams, rule: MatchRule) -> Stories {
        Stories {
            rule,
            index: Mutex::new(NearDupIndex::new(params, rule)),
            pruned_at: AtomicI64::new(0),
        }
    }

    /// Rebuilds the index from stored fingerprint BLOBs. Returns the
    /// articles whose fingerprint could not be used (unreadable, or made
    /// with other parameters): re-make those from their stored text and
    /// [`insert`](NearDupIndex::insert) them.
    pub fn rebuild(
        params: FingerprintParams,
        rule: MatchRule,
        stored: Vec<StoredFingerprint>,
    ) -> (Stories, Vec<(ArticleId, DateTime<Utc>, DedupeError)>) {
        let mut bad = Vec::new();
        let mut published = HashMap::new();
        let decoded: Vec<(ArticleId, DateTime<Utc>, Fingerprint)> = stored
            .into_iter()
            .filter_map(|(article, when, bytes)| {
                published.insert(article, when);
                match Fingerprint::from_bytes(article.0, &bytes) {
                    Ok(fp) => Some((article, when, fp)),
                    Err(e) => {
                        bad.push((article, when, e));
                        None
                    }
                }
            })
            .collect();
        let (index, errors) = NearDupIndex::from_fingerprints(params, rule, decoded);
        for e in errors {
            let article = match &e {
                DedupeError::BadFingerprint { article, .. }
                | DedupeError::OtherParams { article, .. }
                | DedupeError::Full { article } => ArticleId(*article),
            };
            let when = published.get(&article).copied().unwrap_or_default();
            bad.push((article, when, e));
        }
        (
            Stories {
                rule,
                index: Mutex::new(index),
                pruned_at: AtomicI64::new(0),
            },
            bad,
        )
    }

    pub fn rule(&self) -> MatchRule {
        self.rule
    }

    /// Drops articles published more than a window before `now` — they can
    /// no longer match a new article — at most once an hour, so the index
    /// holds about one window of articles however long the daemon runs.
    /// Takes the locked index (see [`lock`](Self::lock)).
    pub fn prune_if_due(&self, index: &mut NearDupIndex, now: DateTime<Utc>) {
        let last = self.pruned_at.load(Ordering::Relaxed);
        if now.timestamp() - last < PRUNE_EVERY_SECS {
            return;
        }
        self.pruned_at.store(now.timestamp(), Ordering::Relaxed);
        let before = index.len();
        index.retain_published_since(now - self.rule.window);
        tracing::debug!(
            dropped = before - index.len(),
            kept = index.len(),
            "near-duplicate index pruned"
        );
    }

    pub fn lock(&self) -> MutexGuard<'_, NearDupIndex> {
        // A panic while holding the lock cannot leave the index half
        // updated in a way that matters: at worst one article is missing
        // from it, and that article then starts its own story.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One new article, as far as the story decision needs it.
#[derive(Debug, Clone)]
pub struct NewText {
    pub published: DateTime<Utc>,
    pub text_hash: [u8; 32],
    pub fingerprint: Option<Fingerprint>,
    /// Already decided before scraping (same canonical URL as a stored
    /// article of this source, or as an earlier entry of the batch).
    pub decided: Option<StoryLink>,
}

/// Decides the story of each article of a batch from `source`, in order:
/// 1. a stored article of the same source with the same text: the same
///    page under another GUID ([`StoryLink::CopyOf`]); an earlier article of
///    the batch with the same text likewise;
/// 2. a stored article of another source with the same text: an exact
///    reprint, same story, whatever its length;
/// 3. the most similar stored article by fingerprint, or failing that the
///    most similar earlier article of the batch (texts under `min_words`
///    never match here);
/// 4. otherwise a new story.
///
/// `exact` maps text hashes to stored articles with that text (earliest
/// first), as `Store::exact_copies` returns them.
pub fn link_batch(
    index: &NearDupIndex,
    source: SourceId,
    batch: &[NewText],
    exact: &ExactCopies,
) -> Vec<StoryLink> {
    let rule = index.rule();
    let mut links = Vec::with_capacity(batch.len());
    for (i, a) in batch.iter().enumerate() {
        if let Some(link) = a.decided {
            links.push(link);
            continue;
        }
        let stored = exact
            .get(&a.text_hash)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some((article, _)) = stored.iter().find(|(_, s)| *s == source) {
            links.push(StoryLink::CopyOf(*article));
            continue;
        }
        if let Some(j) = batch[..i].iter().position(|b| b.text_hash == a.text_hash) {
            links.push(StoryLink::CopyOfBatch(j));
            continue;
        }
        if let Some((article, _)) = stored.first() {
            links.push(StoryLink::Joins(*article));
            continue;
        }
        let Some(fp) = &a.fingerprint else {
            links.push(StoryLink::New);
            continue;
        };
        // An error here means the fingerprint was made with other
        // parameters than the index's: a bug in the caller, logged; the
        // article then starts its own story, which loses nothing.
        match index.best_match(fp, a.published) {
            Ok(Some(m)) => {
                links.push(StoryLink::Joins(m.article));
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "near-duplicate lookup failed"),
        }
        let in_batch = batch[..i]
            .iter()
            .enumerate()
            .filter(|(_, b)| (b.published - a.published).abs() <= rule.window)
            .filter_map(|(j, b)| Some((j, b.fingerprint.as_ref()?)))
            .filter(|(_, b)| fp.words >= rule.min_words && b.words >= rule.min_words)
            .map(|(j, b)| (j, Similarity::of(fp, b)))
            .filter(|(_, s)| {
                s.get(rule.measure) >= rule.threshold && s.shared >= f64::from(rule.min_shared)
            })
            // Ties keep the earliest: the original rather than a copy.
            .fold(None::<(usize, Similarity)>, |best, (j, s)| match best {
                Some((_, b)) if b.get(rule.measure) >= s.get(rule.measure) => best,
                _ => Some((j, s)),
            });
        links.push(match in_batch {
            Some((j, _)) => StoryLink::JoinsBatch(j),
            None => StoryLink::New,
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::{fingerprint, text_hash};

    const P: FingerprintParams = FingerprintParams::DEFAULT;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/dedupe/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        raw.lines()
            .filter(|l| !l.starts_with("# quirk:"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn new_text(text: &str) -> NewText {
        NewText {
            published: DateTime::UNIX_EPOCH,
            text_hash: text_hash(text).0,
            fingerprint: Some(fingerprint(text, P)),
            decided: None,
        }
    }

    #[test]
    fn the_same_text_from_the_same_source_is_a_copy_and_from_another_source_joins_the_story() {
        let index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let brief = new_text(&fixture("ru_brief_rate_a.txt"));
        let exact = HashMap::from([(
            brief.text_hash,
            vec![(ArticleId(5), SourceId(2)), (ArticleId(9), SourceId(1))],
        )]);
        assert_eq!(
            link_batch(&index, SourceId(1), std::slice::from_ref(&brief), &exact),
            vec![StoryLink::CopyOf(ArticleId(9))]
        );
        assert_eq!(
            link_batch(&index, SourceId(3), std::slice::from_ref(&brief), &exact),
            vec![StoryLink::Joins(ArticleId(5))]
        );
    }

    #[test]
    fn within_one_batch_a_repeated_text_is_a_copy_and_a_reprint_joins_the_earlier_article() {
        let index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let original = new_text(&fixture("ru_summit_kazpravda.txt"));
        let reprint = new_text(&fixture("ru_summit_kazinform_reprint.txt"));
        let other = new_text(&fixture("ru_summit_other_report.txt"));
        let batch = [original.clone(), original, reprint, other];
        assert_eq!(
            link_batch(&index, SourceId(1), &batch, &HashMap::new()),
            vec![
                StoryLink::New,
                StoryLink::CopyOfBatch(0),
                StoryLink::JoinsBatch(0),
                StoryLink::New
            ]
        );
    }

    #[test]
    fn a_reprint_joins_the_stored_article_found_in_the_index() {
        let stored = fingerprint(&fixture("en_forum_astana_times.txt"), P);
        let (stories, bad) = Stories::rebuild(
            P,
            MatchRule::DEFAULT,
            vec![(ArticleId(40), DateTime::UNIX_EPOCH, stored.to_bytes())],
        );
        assert!(bad.is_empty());
        let batch = [new_text(&fixture("en_forum_kazinform_reprint.txt"))];
        let links = link_batch(&stories.lock(), SourceId(2), &batch, &HashMap::new());
        assert_eq!(links, vec![StoryLink::Joins(ArticleId(40))]);
    }

    #[test]
    fn pruning_drops_articles_older_than_the_window_at_most_once_an_hour() {
        let fp = fingerprint(&fixture("en_forum_astana_times.txt"), P);
        let day = |d: i64| DateTime::UNIX_EPOCH + chrono::TimeDelta::days(d);
        let (stories, _) = Stories::rebuild(
            P,
            MatchRule::DEFAULT,
            vec![
                (ArticleId(1), day(1), fp.to_bytes()),
                (ArticleId(2), day(20), fp.to_bytes()),
            ],
        );
        let mut index = stories.lock();
        // Day 10: article 1 (day 1) is older than the 7-day window.
        stories.prune_if_due(&mut index, day(10));
        assert_eq!(index.len(), 1);
        // Half an hour later nothing is pruned, even what is now too old.
        index.insert(ArticleId(3), day(1), &fp).expect("insert");
        stories.prune_if_due(&mut index, day(10) + chrono::TimeDelta::minutes(30));
        assert_eq!(index.len(), 2);
        stories.prune_if_due(&mut index, day(10) + chrono::TimeDelta::minutes(61));
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn a_stored_fingerprint_made_with_other_parameters_is_handed_back_for_re_making() {
        let other = FingerprintParams { bands: 10, ..P };
        let old = fingerprint(&fixture("en_forum_astana_times.txt"), other);
        let (stories, bad) = Stories::rebuild(
            P,
            MatchRule::DEFAULT,
            vec![
                (ArticleId(1), DateTime::UNIX_EPOCH, old.to_bytes()),
                (ArticleId(2), DateTime::UNIX_EPOCH, vec![1, 2, 3]),
            ],
        );
        let ids: Vec<ArticleId> = bad.iter().map(|(a, _, _)| *a).collect();
        assert_eq!(ids, vec![ArticleId(2), ArticleId(1)]);
        assert!(stories.lock().is_empty());
    }
}
