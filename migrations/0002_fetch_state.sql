-- 0002: what fetching learns about a source besides success and failure:
-- where its feed really is, whether it is gone, and how often to poll it.
-- Times are Unix seconds (UTC), durations seconds. Forward-only.

-- The address the feed is fetched from when it is not the configured `url`:
-- the target of a permanent redirect seen consistently, or the feed an HTML
-- page links to. Reset when the configured `url` changes.
ALTER TABLE sources ADD COLUMN fetch_url TEXT;
-- Why `fetch_url` is set: 'moved' (301/308) or 'discovered' (<link rel=alternate>).
ALTER TABLE sources ADD COLUMN fetch_url_reason TEXT;
-- A permanent redirect target seen on the latest polls, and on how many in
-- a row; `fetch_url` follows it only once it is seen consistently.
ALTER TABLE sources ADD COLUMN moved_to TEXT;
ALTER TABLE sources ADD COLUMN moved_count INTEGER NOT NULL DEFAULT 0;
-- When the feed answered 410 Gone; while set (and `url` unchanged) the
-- source is not polled. `last_status` is then 'gone'.
ALTER TABLE sources ADD COLUMN gone_at INTEGER;
-- The adaptive polling interval chosen at the last successful poll.
ALTER TABLE sources ADD COLUMN interval_secs INTEGER;
-- The feed document's own "poll me at most this often" (RSS ttl,
-- sy:updatePeriod), kept for polls that answer 304 without a document.
ALTER TABLE sources ADD COLUMN feed_hint_secs INTEGER;
