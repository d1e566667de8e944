-- 0005: why each topic match was made, and which topic definition made it.
-- Forward-only: never edit once landed. (0002–0004 are reserved by other
-- work; gaps are allowed.)

-- JSON object {"terms": [{"term", "zones", "forms", "contribution"}],
-- "similarity", "shared_words"}: what matched where. NULL for matches stored
-- before this migration.
ALTER TABLE topic_matches ADD COLUMN evidence TEXT;

-- The definition each topic's stored matches were computed with
-- (topics::Topic::fingerprint). When a configured topic's fingerprint
-- differs from this at start-up, its matches are recomputed over the
-- archive; a topic no longer configured loses its matches.
CREATE TABLE topic_state (
    topic          TEXT PRIMARY KEY,
    fingerprint    TEXT NOT NULL,
    classified_at  INTEGER NOT NULL
) WITHOUT ROWID;
