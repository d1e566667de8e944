//! Loopback servers that misbehave on purpose, for the fetching tests: a
//! canary that counts connections (and must count none), and a raw HTTP/1.1
//! server whose answers wiremock cannot give (a body that never ends, a
//! `Content-Length` that lies, one byte at a time, no answer at all).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A loopback listener that counts the connections it accepts and answers
/// none of them: a stand-in for a cloud metadata service or an admin port.
pub struct Canary {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Canary {
    pub async fn start() -> Canary {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Canary { port, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// What the raw server does after reading a request.
#[derive(Debug, Clone, Copy)]
pub enum Misbehaviour {
    /// Headers, then one byte of a feed every `every`, forever.
    Trickle { every: Duration },
    /// Accepts the connection and never answers.
    Stall,
    /// A chunked body of `<item>`s that never ends.
    Endless,
    /// Claims `Content-Length: 10 GiB`, sends 1 kB, closes.
    HugeLength,
    /// Promises `Content-Length: 100000`, sends the first 2 kB of a feed
    /// and closes the connection.
    CloseMidBody,
    /// A small valid answer after `delay`: well-behaved but slow, to see
    /// how many requests a client runs at once.
    SlowOk { delay: Duration },
}

/// A raw HTTP/1.1 server on 127.0.0.1 misbehaving in one way; it counts
/// the requests it saw.
pub struct RawServer {
    pub port: u16,
    requests: Arc<AtomicUsize>,
    in_flight: Arc<InFlight>,
}

/// Requests being answered right now, and the most at any moment.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl RawServer {
    pub async fn start(misbehaviour: Misbehaviour) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(InFlight::default());
        let (counter, flight) = (Arc::clone(&requests), Arc::clone(&in_flight));
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(
                    socket,
                    misbehaviour,
                    Arc::clone(&counter),
                    Arc::clone(&flight),
                ));
            }
        });
        RawServer {
            port,
            requests,
            in_flight,
        }
    }

    /// The most requests this server was answering at the same time.
    pub fn most_at_once(&self) -> usize {
        self.in_flight.most.load(Ordering::SeqCst)
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("http://127.0.0.1:{}{path}", self.port)).unwrap()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn answer(
    mut socket: TcpStream,
    misbehaviour: Misbehaviour,
    requests: Arc<AtomicUsize>,
    in_flight: Arc<InFlight>,
) {
    // Keep-alive: answer requests on this connection until it closes.
    loop {
        // Read the request head; its content does not matter.
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        requests.fetch_add(1, Ordering::SeqCst);
        let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        in_flight.most.fetch_max(now, Ordering::SeqCst);
        let keep_going = misbehave(&mut socket, misbehaviour).await;
        in_flight.now.fetch_sub(1, Ordering::SeqCst);
        if !keep_going {
            return;
        }
    }
}

/// Answers one request; `true` when the connection can take another.
async fn misbehave(socket: &mut TcpStream, misbehaviour: Misbehaviour) -> bool {
    let mut buf = [0u8; 1024];
    let feed_start = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
    match misbehaviour {
        Misbehaviour::Stall => {
            // Hold the connection open until the client gives up.
            let _ = socket.read(&mut buf).await;
            false
        }
        Misbehaviour::Trickle { every } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: 100000\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for byte in feed_start.iter().cycle() {
                // The server is the slow party here: it sleeps between bytes.
                tokio::time::sleep(every).await;
                if socket.write_all(&[*byte]).await.is_err() {
                    break;
                }
            }
            false
        }
        Misbehaviour::Endless => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let item = b"<item><title>again</title><description>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</description></item>";
            let chunk = [format!("{:x}\r\n", item.len()).as_bytes(), item, b"\r\n"].concat();
            while socket.write_all(&chunk).await.is_ok() {}
            false
        }
        Misbehaviour::HugeLength => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: 10737418240\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&[b' '; 1024]).await;
            false
        }
        Misbehaviour::CloseMidBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: 100000\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let mut body = feed_start.to_vec();
            while body.len() < 2000 {
                body.extend_from_slice(b"<item><title>cut</title></item>");
            }
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
            false
        }
        Misbehaviour::SlowOk { delay } => {
            tokio::time::sleep(delay).await;
            let body = "<html><body><p>ok</p></body></html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.is_ok()
        }
    }
}
