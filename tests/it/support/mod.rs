//! Test set-up: a loopback origin serving the fixture site, a temp-dir
//! SQLite file, and the real pipeline and HTTP server wired to them.

pub mod active_content;
pub mod farm;
pub mod labeled_set;
pub mod process;
pub mod servers;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use feedsieve::config::Config;
use feedsieve::daemon;
use feedsieve::publish::{self, AppState};
use feedsieve::refresh::{Pipeline, RefreshReport};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site")
}

/// A fixture file with `{{BASE}}` replaced by the origin's address.
pub fn fixture(name: &str, base: &str) -> String {
    let text = std::fs::read_to_string(fixture_dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    text.replace("{{BASE}}", base)
}

/// A fixture file's bytes with `{{BASE}}` replaced, for files in legacy
/// encodings that are not UTF-8 text.
pub fn fixture_bytes(name: &str, base: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixture_dir().join("..").join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while let Some(at) = rest.windows(8).position(|w| w == b"{{BASE}}") {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(base.as_bytes());
        rest = &rest[at + 8..];
    }
    out.extend_from_slice(rest);
    out
}

/// Serves `tests/fixtures/<name>` at `route` with `content_type`, as bytes.
pub async fn serve_bytes(origin: &MockServer, route: &str, name: &str, content_type: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", content_type)
                .set_body_bytes(fixture_bytes(name, &origin.uri())),
        )
        .mount(origin)
        .await;
}

/// Serves fixture `file` at `route` with `content_type`.
pub async fn serve_fixture(origin: &MockServer, route: &str, file: &str, content_type: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", content_type)
                .set_body_string(fixture(file, &origin.uri())),
        )
        .mount(origin)
        .await;
}

pub struct TestApp {
    /// Holds the config and database files until the test ends.
    _dir: TempDir,
    pub origin: MockServer,
    pub config: Config,
    pub pipeline: Pipeline,
}

impl TestApp {
    /// An app whose config has the default test settings followed by
    /// `body` (sources and topics); `{{BASE}}` in it is the origin.
    pub async fn spawn(body: &str) -> TestApp {
        let origin = MockServer::start().await;
        Self::with_origin(origin, body).await
    }

    pub async fn with_origin(origin: MockServer, body: &str) -> TestApp {
        Self::with_settings(origin, "", "allow_private_networks = true", body).await
    }

    /// Like [`TestApp::with_origin`], with `server` (lines of the
    /// `[server]` table, e.g. `websub_hub = "…"`) added to the config.
    pub async fn with_server_settings(origin: MockServer, server: &str, body: &str) -> TestApp {
        Self::with_settings(origin, server, "allow_private_networks = true", body).await
    }

    /// An app whose `[fetch]` table ends with `fetch` (which must say how
    /// the address guard treats loopback; `{{ORIGIN}}` in it is the
    /// origin's `127.0.0.1:port`).
    pub async fn with_fetch(origin: MockServer, fetch: &str, body: &str) -> TestApp {
        Self::with_settings(origin, "", fetch, body).await
    }

    async fn with_settings(origin: MockServer, server: &str, fetch: &str, body: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[store]\npath = \"feedsieve.db\"\n\
             [server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://feeds.test/\"\n{server}\n\
             [fetch]\ntimeout = \"5s\"\nconcurrency = 4\nhost_delay = \"0s\"\n{}\n\n{}",
            fetch.replace("{{ORIGIN}}", &origin.address().to_string()),
            body.replace("{{BASE}}", &origin.uri())
        );
        let path = dir.path().join("feedsieve.toml");
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let pipeline = daemon::pipeline(&config).unwrap();
        TestApp {
            _dir: dir,
            origin,
            config,
            pipeline,
        }
    }

    /// One fetch pass over every enabled source, driven to completion.
    pub async fn fetch_pass(&self) -> Vec<RefreshReport> {
        let mut r = daemon::fetch_all(&self.pipeline, &self.config).await;
        r.sort_by(|a, b| a.source.cmp(&b.source));
        r
    }

    /// Starts the HTTP server on an ephemeral port and returns its address.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(
            self.pipeline.store.clone(),
            self.pipeline.publisher.clone(),
            self.pipeline.metrics.clone(),
            &self.config,
        );
        tokio::spawn(publish::serve(listener, state, std::future::pending()));
        addr
    }

    /// One source's row, read straight from the database.
    pub fn source_row<T: rusqlite::types::FromSql>(&self, name: &str, column: &str) -> T {
        self.db()
            .query_row(
                &format!("SELECT {column} FROM sources WHERE name = ?1"),
                [name],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Opens the database file directly, to check what is really stored.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.config.store.path).unwrap()
    }
}
