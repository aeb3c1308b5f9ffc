//! Requests no well-behaved client library would send, written byte by byte to a socket:
//! header injection, request smuggling, lying lengths, oversized heads.

use super::{check_shape, pushgateway_still_accepts};
use crate::helpers::{Response, spawn_app};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `head` (and `body`) and reads the answer until the server closes or 5 s pass.
async fn exchange(addr: &str, head: &[u8], body: &[u8]) -> Result<(u16, String), String> {
    let mut socket = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    socket
        .write_all(head)
        .await
        .map_err(|e| format!("write: {e}"))?;
    // the server may answer and close before the body is written: that is allowed
    let _ = socket.write_all(body).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 8192];
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            if complete(&answer) {
                break;
            }
        }
    });
    let _ = read.await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP answer: {text:?}"))?;
    Ok((status, text))
}

/// True once a full response (head and `content-length` bytes of body) has arrived.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse::<usize>().ok());
    length.is_some_and(|n| body.len() >= n)
}

fn json_body(text: &str) -> Value {
    text.split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn raw_protocol_attacks_get_4xx_and_inject_nothing() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let creds = format!(
        "X-API-Key: {}\r\nX-API-Secret: {}\r\n",
        a.key.public, a.key.secret
    );
    let body = r#"{"metrics":[{"name":"raw_total","type":"counter","value":1}]}"#;
    let post = |extra: &str, length: &str| {
        format!(
            "POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\n{creds}{extra}Content-Length: {length}\r\n\r\n"
        )
    };
    let n = body.len().to_string();
    let big_header = format!("X-Pad: {}\r\n", "p".repeat(200_000));
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>, &str, bool)> = vec![
        // (what, head, body, reaches the application: the JSON shape is required)
        ("bare CR in a header value", post("X-Note: a\rX-Injected: 1\r\n", &n).into_bytes(), body, false),
        ("NUL in a header value", post("X-Note: a\0b\r\n", &n).into_bytes(), body, false),
        ("obs-fold continuation line", post("X-Note: a\r\n folded\r\n", &n).into_bytes(), body, false),
        ("200 KB header", post(&big_header, &n).into_bytes(), body, false),
        ("200 headers", post(&many_headers, &n).into_bytes(), body, false),
        ("space in a header name", post("X Note: a\r\n", &n).into_bytes(), body, false),
        ("two different Content-Lengths", post(&format!("Content-Length: {}\r\n", body.len() + 5), &n).into_bytes(), body, false),
        ("Content-Length and chunked", post("Transfer-Encoding: chunked\r\n", &n).into_bytes(), body, false),
        ("negative Content-Length", post("", "-1").into_bytes(), body, false),
        ("Content-Length not a number", post("", "ten").into_bytes(), body, false),
        ("bad chunk size", format!("POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\n{creds}Transfer-Encoding: chunked\r\n\r\nzz\r\n{body}\r\n0\r\n\r\n").into_bytes(), "", false),
        ("garbage request line", b"GARBAGE\r\n\r\n".to_vec(), "", false),
        ("non-ASCII bytes in the path", b"GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", false),
        ("100 KB path", format!("GET /api/v1/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)).into_bytes(), "", false),
        // these reach the application
        ("a lying 100 GB Content-Length", post("", "100000000000").into_bytes(), body, true),
        ("CRLF encoded in the path", b"GET /api/v1/metrics%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
        ("CRLF encoded in the query key", b"POST /api/v1/metrics?k=pk%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n".to_vec(), "{}", true),
        ("path traversal", b"GET /api/v1/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
        ("NUL encoded in the path", b"GET /api/v1/apikeys/%00 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
        ("GET on the ingestion endpoint", b"GET /api/v1/metrics HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
        ("DELETE on the ingestion endpoint", b"DELETE /api/v1/metrics HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
        ("unknown method", b"BREW /api/v1/metrics HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), "", true),
    ];
    let mut failures = Vec::new();
    for (what, head, body, reaches_app) in &cases {
        match exchange(&addr, head, body.as_bytes()).await {
            Err(e) => failures.push(format!("{what}: {e}")),
            Ok((status, text)) => {
                let head = text
                    .split_once("\r\n\r\n")
                    .map_or(text.as_str(), |(h, _)| h);
                if !(400..500).contains(&status) {
                    failures.push(format!("{what}: status {status}: {text:.300}"));
                } else if head.to_ascii_lowercase().contains("x-injected") {
                    failures.push(format!("{what}: a header was injected: {head}"));
                } else if *reaches_app {
                    let r = Response {
                        status,
                        headers: Default::default(),
                        body: json_body(&text),
                    };
                    failures.extend(check_shape(what, &r).err());
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    pushgateway_still_accepts(&app, &a).await;
}
