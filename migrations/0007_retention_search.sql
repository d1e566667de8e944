-- 0007: retention (tombstones of pruned entries) and full-text search.
-- Forward-only: never edit once landed.

-- An entry pruned by retention leaves its key here, so a feed that still
-- lists it does not bring it back (and its page is not scraped again): the
-- "seen before?" check consults this table as well as `articles`. Miniflux
-- keeps removed entries as rows for the same reason
-- (internal/storage/entry.go, "removed" status); a key-only table is
-- smaller than keeping the article row.
CREATE TABLE tombstones (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    entry_key TEXT NOT NULL,
    pruned_at INTEGER NOT NULL,
    -- The last time the source's feed still listed the entry. A tombstone
    -- whose entry has long left the feed protects nothing and is dropped.
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, entry_key)
) WITHOUT ROWID;

-- The invariant "a pruned entry is never taken in again" lives here, not
-- only in the refresh's check: an insert of a tombstoned key is skipped,
-- whichever code path inserts it.
CREATE TRIGGER articles_skip_tombstoned
BEFORE INSERT ON articles
WHEN EXISTS (SELECT 1 FROM tombstones
             WHERE source_id = NEW.source_id AND entry_key = NEW.entry_key)
BEGIN
    SELECT RAISE(IGNORE);
END;

-- Full-text index over the *stems* of each article's title and text (see
-- src/search.rs): SQLite's tokenizers know no Russian morphology, so the
-- store indexes the stems that feedsieve's own analysis produces. The
-- stems are space-separated and lower-case; the `ascii` tokenizer splits
-- them on spaces and keeps every non-ASCII letter as part of a token
-- (unicode61 would fold й into и). Contentless: the text is already in
-- `articles`; contentless_delete (SQLite 3.43+) lets a row be deleted by
-- rowid. The rowid is the article's id.
CREATE VIRTUAL TABLE article_search USING fts5(
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);

-- Deleting an article (retention, or a source's removal) removes its index
-- row, whoever deletes it.
CREATE TRIGGER articles_unindex
AFTER DELETE ON articles
BEGIN
    DELETE FROM article_search WHERE rowid = OLD.id;
END;

-- Small facts about the store itself. `search_analyzer` names the analysis
-- the index was built with; `search_reindex_upto` / `search_reindex_last`
-- track a rebuild in progress (articles with id in (upto, last] still need
-- indexing). Existing articles are indexed by that rebuild: a migration
-- cannot stem.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
