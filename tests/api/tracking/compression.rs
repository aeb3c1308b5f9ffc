//! The tracker scripts and the dashboard go out gzip-encoded to clients that accept it, with a
//! `Vary: Accept-Encoding` and an ETag that revalidates either encoding.

use crate::helpers::{TestApp, spawn_app};
use reqwest::header::{HeaderMap, IF_NONE_MATCH};
use std::io::Read;

struct Got {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// reqwest here has no decompression: it sends no Accept-Encoding unless told, and hands back
/// the bytes as they came.
async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("the server answers");
    Got {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.expect("a body").to_vec(),
    }
}

fn header<'a>(got: &'a Got, name: &str) -> Option<&'a str> {
    got.headers.get(name).and_then(|v| v.to_str().ok())
}

fn varies_on_encoding(got: &Got) -> bool {
    got.headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("accept-encoding"))
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

const GZIP: (&str, &str) = ("Accept-Encoding", "gzip, deflate, br");

#[tokio::test]
async fn tracker_scripts_are_gzipped_for_clients_that_accept_it_and_revalidate_either_way() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let tracker = format!("/api/v1/tracker.js?k={}&a=1&c=1", a.key.public);
    for path in [tracker.as_str(), "/api/v1/client/script.js"] {
        let plain = get(&app, path, &[]).await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(header(&plain, "content-encoding"), None, "{path}: identity");
        assert!(varies_on_encoding(&plain), "{path}: Vary on identity too");
        assert!(
            String::from_utf8_lossy(&plain.body).contains("MetricsTracker"),
            "{path}"
        );

        let zipped = get(&app, path, &[GZIP]).await;
        assert_eq!(zipped.status, 200, "{path}");
        assert_eq!(header(&zipped, "content-encoding"), Some("gzip"), "{path}");
        assert!(varies_on_encoding(&zipped), "{path}");
        assert!(
            zipped.body.len() < plain.body.len() * 6 / 10,
            "{path}: {} bytes compressed to {}",
            plain.body.len(),
            zipped.body.len()
        );
        assert_eq!(gunzip(&zipped.body), plain.body, "{path}: the same script");

        // One weak ETag for both encodings; If-None-Match compares weakly, lists included.
        let etag = header(&plain, "etag").expect("an ETag").to_owned();
        assert!(etag.starts_with("W/\""), "{path}: {etag} is weak");
        assert_eq!(header(&zipped, "etag"), Some(etag.as_str()), "{path}");
        let strong = etag.trim_start_matches("W/").to_owned();
        for (tag, accept) in [
            (etag.as_str(), GZIP),
            (&strong, ("Accept-Encoding", "identity")),
        ] {
            let listed = format!("\"stale\", {tag}");
            let again = get(&app, path, &[(IF_NONE_MATCH.as_str(), &listed), accept]).await;
            assert_eq!(again.status, 304, "{path} with If-None-Match: {listed}");
            assert!(
                again.body.is_empty() && varies_on_encoding(&again),
                "{path}"
            );
            assert_eq!(header(&again, "etag"), Some(etag.as_str()), "{path}");
        }
        let stale = get(&app, path, &[(IF_NONE_MATCH.as_str(), "W/\"stale\""), GZIP]).await;
        assert_eq!(stale.status, 200, "{path}: another ETag gets the script");
        assert_eq!(gunzip(&stale.body), plain.body, "{path}");
    }
}

#[tokio::test]
async fn dashboard_files_are_gzipped_and_other_routes_are_not() {
    let app = spawn_app().await;
    let plain = get(&app, "/app.js", &[]).await;
    let zipped = get(&app, "/app.js", &[GZIP]).await;
    assert_eq!((plain.status, zipped.status), (200, 200));
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(header(&zipped, "content-encoding"), Some("gzip"));
    assert!(varies_on_encoding(&zipped));
    assert_eq!(gunzip(&zipped.body), plain.body);
    assert_eq!(header(&zipped, "x-frame-options"), Some("DENY"));

    // Compression is scoped: the API's JSON (and so ingestion answers) stays as it was.
    let health = get(&app, "/api/v1/health", &[GZIP]).await;
    assert_eq!(health.status, 200);
    assert_eq!(header(&health, "content-encoding"), None);
    // A method the dashboard does not serve still falls through to a 404, as before.
    let post = app
        .client
        .post(app.url("/app.js"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(post.status(), 404);
}
