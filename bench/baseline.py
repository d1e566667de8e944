"""The straightforward Python pipeline a user would write instead of feedsieve.

Used by the end-to-end benchmark (`cargo run --release --example farm`), which
runs it over the same local feed farm as feedsieve and compares the two.

For every feed: fetch it (httpx), parse it (feedparser), and for every entry
not seen before fetch its page, extract the main text (trafilatura), match it
against the topics (regular expressions built from the same word lists as
feedsieve's topic queries) and store it (sqlite3), one commit per feed.

It is deliberately what a competent user writes in an afternoon, not a tuned
program: one HTTP client with keep-alive, no per-page re-parsing, prepared
statements through sqlite3's statement cache. `--workers N` runs N feeds at
once in threads, the first thing such a user would try to make it faster.

Usage: baseline.py MANIFEST.json DATABASE [--workers N]
MANIFEST.json: {"feeds": ["http://…/rss.xml", …],
                "topics": [{"slug": "…", "query": "word prefix* …"}, …]}
Prints one JSON line: {"articles": …, "extracted": …, "failed_feeds": …, "seconds": …}.
"""

import argparse
import json
import re
import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import feedparser
import httpx
import trafilatura

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    feed TEXT NOT NULL,
    guid TEXT NOT NULL,
    url TEXT,
    title TEXT,
    published TEXT,
    text TEXT,
    UNIQUE (feed, guid)
);
CREATE TABLE IF NOT EXISTS topic_matches (
    topic TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (topic, article_id)
);
"""


def compile_topic(query):
    """A word list with `prefix*` words, any of which matches, case-insensitively:
    (exact words, prefixes)."""
    words = query.lower().split()
    exact = frozenset(w for w in words if not w.endswith("*"))
    prefixes = tuple(w[:-1] for w in words if w.endswith("*"))
    return exact, prefixes


WORD = re.compile(r"\w+")


def matches(topic, tokens):
    exact, prefixes = topic
    return not exact.isdisjoint(tokens) or any(t.startswith(prefixes) for t in tokens)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("database")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    topics = [(t["slug"], compile_topic(t["query"])) for t in manifest["topics"]]

    db = sqlite3.connect(args.database, check_same_thread=False)
    db.executescript(SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db_lock = threading.Lock()
    client = httpx.Client(
        timeout=20,
        follow_redirects=True,
        headers={"User-Agent": "baseline/1.0"},
        limits=httpx.Limits(max_connections=max(10, 2 * args.workers)),
    )
    counts = {"articles": 0, "extracted": 0, "failed_feeds": 0}

    def refresh(feed_url):
        try:
            r = client.get(feed_url)
            r.raise_for_status()
        except httpx.HTTPError as e:
            print(f"{feed_url}: {e}", file=sys.stderr)
            with db_lock:
                counts["failed_feeds"] += 1
            return
        parsed = feedparser.parse(r.content, response_headers=dict(r.headers))
        rows = []
        for e in parsed.entries:
            guid = e.get("id") or e.get("link")
            link = e.get("link")
            with db_lock:
                seen = db.execute(
                    "SELECT 1 FROM articles WHERE feed = ? AND guid = ?", (feed_url, guid)
                ).fetchone()
            if seen or not link:
                continue
            text = None
            try:
                page = client.get(link)
                page.raise_for_status()
                text = trafilatura.extract(page.content, url=link)
            except httpx.HTTPError as err:
                print(f"{link}: {err}", file=sys.stderr)
            extracted = text is not None
            if not extracted:
                text = e.get("summary", "")
            title = e.get("title", "")
            tokens = set(WORD.findall(f"{title} {text}".lower()))
            matched = [slug for slug, topic in topics if matches(topic, tokens)]
            rows.append((guid, link, title, e.get("published"), text, matched, extracted))
        with db_lock:
            for guid, link, title, published, text, matched, extracted in rows:
                cur = db.execute(
                    "INSERT OR IGNORE INTO articles (feed, guid, url, title, published, text)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (feed_url, guid, link, title, published, text),
                )
                if cur.rowcount:
                    counts["articles"] += 1
                    counts["extracted"] += extracted
                    for slug in matched:
                        db.execute(
                            "INSERT OR IGNORE INTO topic_matches VALUES (?, ?)",
                            (slug, cur.lastrowid),
                        )
            db.commit()

    start = time.monotonic()
    if args.workers <= 1:
        for url in manifest["feeds"]:
            refresh(url)
    else:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(refresh, manifest["feeds"]))
    counts["seconds"] = time.monotonic() - start
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
