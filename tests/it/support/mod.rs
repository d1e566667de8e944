//! Test set-up: a loopback origin serving the fixture site, a temp-dir
//! SQLite file, and the real pipeline and HTTP server wired to them.

pub mod active_content;
pub mod farm;
pub mod labeled_set;

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
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[store]\npath = \"feedsieve.db\"\n\
             [server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://feeds.test/\"\n\
             [fetch]\ntimeout = \"5s\"\nconcurrency = 4\nallow_private_networks = true\n\n{}",
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
        let state = AppState::new(self.pipeline.store.clone(), &self.config);
        tokio::spawn(publish::serve(listener, state, std::future::pending()));
        addr
    }

    /// Opens the database file directly, to check what is really stored.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.config.store.path).unwrap()
    }
}
