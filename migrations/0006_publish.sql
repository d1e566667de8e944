-- 0006: publishing. Forward-only: never edit once landed.

-- A source's republishing policy (`republish` in the config): 'full' (the
-- whole sanitized article), 'excerpt' (a plain-text excerpt and a link back)
-- or 'link' (title and link only). Kept with the source so every reader of
-- the store (the feeds, the item pages, the CLI) applies the same policy;
-- `sync_sources` writes it from the config at start-up and reload.
ALTER TABLE sources ADD COLUMN republish TEXT NOT NULL DEFAULT 'full'
    CHECK (republish IN ('full', 'excerpt', 'link'));

