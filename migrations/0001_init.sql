-- 0001: the skeleton's schema: sources, their articles, topic matches.
-- Times are Unix seconds (UTC). Forward-only: never edit once landed.

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    -- The configured name; the stable identity of a source across restarts.
    name            TEXT NOT NULL UNIQUE,
    url             TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- Validators for conditional GET (RFC 9110 section 13).
    etag            TEXT,
    last_modified   TEXT,
    last_fetch_at   INTEGER,
    last_success_at INTEGER,
    -- 'ok', 'not_modified' or 'error'.
    last_status     TEXT,
    last_error      TEXT,
    -- Consecutive failures; reset by a success.
    error_count     INTEGER NOT NULL DEFAULT 0,
    next_fetch_at   INTEGER
);

CREATE TABLE articles (
    id               INTEGER PRIMARY KEY,
    source_id        INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    -- Stable key of the entry within its source (GUID, else canonical link,
    -- else a hash of title and date). The invariant "an entry is taken in
    -- once" lives in the UNIQUE constraint below, not in application code.
    entry_key        TEXT NOT NULL,
    url              TEXT,
    canonical_url    TEXT,
    title            TEXT NOT NULL,
    author           TEXT,
    -- The feed's own summary or content, sanitized.
    summary          TEXT,
    -- The stored content: extracted from the page, or the feed's content.
    html             TEXT NOT NULL,
    text             TEXT NOT NULL,
    lang             TEXT,
    published_at     INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    fetched_at       INTEGER NOT NULL,
    -- 'feed' (full text not requested), 'extracted', or 'failed'.
    extraction       TEXT NOT NULL,
    extraction_error TEXT,
    UNIQUE (source_id, entry_key)
);

CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_canonical_url ON articles (canonical_url);

CREATE TABLE topic_matches (
    topic      TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    score      REAL NOT NULL,
    -- JSON array of the query terms that matched.
    terms      TEXT NOT NULL,
    PRIMARY KEY (topic, article_id)
) WITHOUT ROWID;

CREATE INDEX topic_matches_by_article ON topic_matches (article_id);
