//! Reading a response body with a size cap.
//!
//! In: a `reqwest::Response` and a byte limit. Out: the body bytes, or
//! [`BodyError::TooLarge`] as soon as the limit is passed. The count is of
//! bytes after HTTP content decoding (reqwest inflates gzip/deflate/br
//! while streaming), so a 1 MB gzip bomb that inflates to 10 GB stops at the
//! limit with at most `limit` bytes held (`hostile/gen/gen-gzip-bomb.py`).
//! A `Content-Length` above the limit is refused before any body byte is
//! read (`/huge-length.rss` of the hostile server says 10 GiB).

use bytes::{Bytes, BytesMut};

/// Why a body could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("response too large: limit {}", human_bytes(*limit))]
    TooLarge { limit: u64 },
    #[error("reading the response body failed: {0}")]
    Read(#[source] reqwest::Error),
}

/// Reads the whole body of `response`, refusing more than `limit` bytes
/// (after content decoding).
pub async fn read_capped(mut response: reqwest::Response, limit: u64) -> Result<Bytes, BodyError> {
    // With content decoding on, reqwest reports no length for encoded
    // bodies, so this only ever sees the length of the bytes we will count.
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let initial = response.content_length().unwrap_or(16 * 1024).min(limit);
    let mut body = BytesMut::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        let total = body.len() as u64 + chunk.len() as u64;
        if total > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// "10 MiB", "512 KiB", "300 bytes": limits as a person writes them.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn serve(template: ResponseTemplate) -> (MockServer, reqwest::Response) {
        let server = MockServer::start().await;
        Mock::given(path("/body"))
            .respond_with(template)
            .mount(&server)
            .await;
        let response = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
            .get(format!("{}/body", server.uri()))
            .send()
            .await
            .expect("response");
        (server, response)
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let (_server, response) =
            serve(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4096])).await;
        let body = read_capped(response, 4096).await.expect("fits exactly");
        assert_eq!(body.len(), 4096);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_with_the_limit_named() {
        let (_server, response) =
            serve(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4097])).await;
        let error = read_capped(response, 4096)
            .await
            .expect_err("one byte too many");
        assert!(matches!(error, BodyError::TooLarge { limit: 4096 }));
        assert_eq!(error.to_string(), "response too large: limit 4 KiB");
    }

    #[tokio::test]
    async fn a_gzip_bomb_stops_at_the_decompressed_limit() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&zeros).expect("compress");
        }
        let bomb = encoder.finish().expect("compress");
        assert!(
            bomb.len() < 200 * 1024,
            "64 MiB compress to {} bytes",
            bomb.len()
        );
        let (_server, response) = serve(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(bomb),
        )
        .await;
        let limit = 10 * 1024 * 1024;
        let error = read_capped(response, limit)
            .await
            .expect_err("inflates past the limit");
        assert!(matches!(error, BodyError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn limits_read_as_a_person_writes_them() {
        assert_eq!(human_bytes(10 * 1024 * 1024), "10 MiB");
        assert_eq!(human_bytes(512 * 1024), "512 KiB");
        assert_eq!(human_bytes(300), "300 bytes");
    }
}
