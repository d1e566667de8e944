-- 0004: stories. Every article belongs to one story (one news event); the
-- outlets that reprint each other's stories become members of one story,
-- shown once in output feeds with the others listed. Forward-only: never
-- edit once landed.

CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- The story an article belongs to. Which member represents the story is
-- decided when reading (earliest published, or the source the config
-- prefers), so a change of preference needs no rewrite.
ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id);
-- Set when the article is the same page as an earlier article of the same
-- source (listed again under another GUID): kept so its entry key is known
-- and never fetched again, but never shown.
ALTER TABLE articles ADD COLUMN duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL;
-- SHA-256 of the normalized text: exact copies.
ALTER TABLE articles ADD COLUMN text_hash BLOB;
-- Near-duplicate fingerprint (dedupe::Fingerprint::to_bytes); the in-memory
-- index is rebuilt from these at start-up. NULL for texts too short to have
-- a useful one.
ALTER TABLE articles ADD COLUMN fingerprint BLOB;

-- Articles stored before this migration each become their own story.
INSERT INTO stories (id, created_at) SELECT id, fetched_at FROM articles;
UPDATE articles SET story_id = id;

CREATE INDEX articles_by_story ON articles (story_id, published_at);
CREATE INDEX articles_by_text_hash ON articles (text_hash);
CREATE INDEX articles_by_source_canonical_url ON articles (source_id, canonical_url);
