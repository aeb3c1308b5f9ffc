//! The table of hostile requests: each one malformed in one way, with the answer it must get.
//! Over 300 lines because it is one table, a case per entry, read top to bottom.

use serde_json::{Value, json};

/// Which credentials a case sends.
#[derive(Clone)]
pub enum Auth {
    /// the account's key and secret
    Full,
    /// extra headers (raw bytes, so invalid UTF-8 can be sent) instead of the key and secret
    Headers(Vec<(&'static str, Vec<u8>)>),
}

#[derive(Clone, Debug)]
pub enum Expect {
    /// a whole-request error: this status and `error.code`
    Error(u16, &'static str),
    /// a one-item batch whose item is refused: 422 `nothing_accepted`, this item code
    Item(&'static str),
}

#[derive(Clone)]
pub struct Case {
    pub what: String,
    pub body: Vec<u8>,
    pub auth: Auth,
    pub query: String,
    pub expect: Expect,
}

fn case(what: impl Into<String>, body: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        what: what.into(),
        body: body.into(),
        auth: Auth::Full,
        query: String::new(),
        expect,
    }
}

fn batch(items: Vec<Value>) -> Vec<u8> {
    json!({ "metrics": items }).to_string().into_bytes()
}

fn deep(open: &str, close: &str, n: usize) -> String {
    format!("{}1{}", open.repeat(n), close.repeat(n))
}

/// Whole-request errors: broken JSON, wrong envelope, sizes, encodings.
pub fn bad_requests() -> Vec<Case> {
    let bad_json = |what: &str, body: Vec<u8>| case(what, body, Expect::Error(400, "invalid_json"));
    let mut v = Vec::new();
    for body in [
        "",
        " ",
        "{",
        "}",
        "{\"metrics\":",
        "{\"metrics\":[",
        "{\"metrics\":[{]}",
        "{'metrics':[]}",
        "{metrics:[]}",
        "{\"metrics\":[1,]}",
        "{\"metrics\":[]}}",
        "{\"metrics\":[]} x",
        "/* c */ {\"metrics\":[]}",
        "{\"metrics\":[]} // c",
        "metrics=%5B%5D",
        "\u{0}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":01}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":+1}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":.5}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":1.}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":0x10}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":1e}]}",
    ] {
        v.push(bad_json(&format!("broken JSON {body:?}"), body.into()));
    }
    // NaN and the infinities as bare JSON tokens, and numbers past f64
    for token in [
        "NaN",
        "nan",
        "-NaN",
        "Infinity",
        "-Infinity",
        "inf",
        "+Inf",
        "-inf",
        "1e999",
        "-1e999",
        "1e400",
        "2e308",
    ] {
        let body =
            format!("{{\"metrics\":[{{\"name\":\"x\",\"type\":\"gauge\",\"value\":{token}}}]}}");
        v.push(bad_json(&format!("bare {token}"), body.into_bytes()));
    }
    // deeply nested: past serde_json's recursion limit, in the envelope and inside an item
    v.push(bad_json(
        "200 nested arrays",
        deep("[", "]", 200).into_bytes(),
    ));
    v.push(bad_json(
        "100,000 nested arrays",
        deep("[", "]", 100_000).into_bytes(),
    ));
    v.push(bad_json(
        "200 nested objects",
        deep("{\"a\":", "}", 200).into_bytes(),
    ));
    let in_labels = format!(
        "{{\"metrics\":[{{\"name\":\"x\",\"type\":\"counter\",\"value\":1,\"labels\":{}}}]}}",
        deep("{\"a\":", "}", 500)
    );
    v.push(bad_json(
        "500 nested objects in labels",
        in_labels.into_bytes(),
    ));
    let in_metrics = format!("{{\"metrics\":{}}}", deep("[", "]", 300));
    v.push(bad_json(
        "300 nested arrays in metrics",
        in_metrics.into_bytes(),
    ));
    // invalid UTF-8 and encodings serde_json must refuse
    let item = |s: &[u8]| {
        let mut b = b"{\"metrics\":[{\"name\":\"x_total\",\"type\":\"counter\",\"value\":1,\"labels\":{\"a\":\"".to_vec();
        b.extend_from_slice(s);
        b.extend_from_slice(b"\"}}]}");
        b
    };
    for (what, bytes) in [
        ("0xff in a label value", &b"\xff"[..]),
        ("overlong '/'", &b"\xc0\xaf"[..]),
        ("UTF-8-encoded surrogate", &b"\xed\xa0\x80"[..]),
        ("truncated sequence", &b"\xe2\x82"[..]),
        ("lone surrogate escape", &b"\\ud800"[..]),
        ("lone trailing surrogate escape", &b"\\udc00x"[..]),
        ("raw newline", &b"a\nb"[..]),
        ("raw NUL", &b"a\x00b"[..]),
        ("bad escape", &b"\\x41"[..]),
        ("short unicode escape", &b"\\u12"[..]),
    ] {
        v.push(bad_json(what, item(bytes)));
    }
    v.push(bad_json(
        "UTF-8 BOM",
        [&b"\xef\xbb\xbf"[..], &batch(vec![])].concat(),
    ));
    v.push(bad_json(
        "UTF-16",
        "{\"metrics\":[]}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    ));
    // the envelope: wrong types, unknown fields, batch ids
    for body in [
        json!(null),
        json!(true),
        json!(1),
        json!("metrics"),
        json!([]),
        json!([{"name": "x", "type": "counter", "value": 1}]),
        json!({}),
        json!({"metrics": null}),
        json!({"metrics": {}}),
        json!({"metrics": "x"}),
        json!({"metrics": 1}),
        json!({"metrics": true}),
        json!({"Metrics": []}),
    ] {
        let expect = if body.get("Metrics").is_some() {
            "unknown_field"
        } else {
            "invalid_batch"
        };
        v.push(case(
            format!("envelope {body}"),
            body.to_string(),
            Expect::Error(400, expect),
        ));
    }
    let one = json!({"name": "x_total", "type": "counter", "value": 1});
    for extra in ["tenant", "instance", "job", "labels", "__proto__"] {
        let body = json!({"metrics": [one], extra: "x"});
        v.push(case(
            format!("top-level {extra}"),
            body.to_string(),
            Expect::Error(400, "unknown_field"),
        ));
    }
    for id in [
        json!(5),
        json!(""),
        json!({}),
        json!([]),
        json!(true),
        json!("b".repeat(129)),
    ] {
        let body = json!({"metrics": [one], "batch_id": id});
        v.push(case(
            format!("batch_id {id:.20}"),
            body.to_string(),
            Expect::Error(400, "invalid_batch_id"),
        ));
    }
    // sizes
    v.push(case(
        "empty batch",
        batch(vec![]),
        Expect::Error(400, "empty_batch"),
    ));
    for n in [1001, 10_000] {
        v.push(case(
            format!("{n} items"),
            batch(vec![one.clone(); n]),
            Expect::Error(400, "batch_too_large"),
        ));
    }
    let pad = |n: usize| format!("{{\"metrics\":[],\"pad\":\"{}\"}}", "x".repeat(n));
    v.push(case(
        "1 MiB + 1 body",
        pad(1024 * 1024),
        Expect::Error(413, "payload_too_large"),
    ));
    v.push(case(
        "5 MiB body",
        pad(5 * 1024 * 1024),
        Expect::Error(413, "payload_too_large"),
    ));
    v.push(case(
        "1 MiB of spaces",
        " ".repeat(1024 * 1024 + 1),
        Expect::Error(413, "payload_too_large"),
    ));
    v
}

/// Credentials in hostile shapes; the body is a valid batch.
pub fn bad_credentials(public: &str, secret: &str) -> Vec<Case> {
    let body = batch(vec![
        json!({"name": "x_total", "type": "counter", "value": 1}),
    ]);
    let with = |what: &str, headers: Vec<(&'static str, Vec<u8>)>, query: &str, expect| Case {
        what: what.into(),
        body: body.clone(),
        auth: Auth::Headers(headers),
        query: query.into(),
        expect,
    };
    let unauthorized = Expect::Error(401, "unauthorized");
    let key = |k: &[u8]| {
        vec![
            ("x-api-key", k.to_vec()),
            ("x-api-secret", secret.as_bytes().to_vec()),
        ]
    };
    let mut v = vec![
        with("no credentials", vec![], "", unauthorized.clone()),
        with("empty key", key(b""), "", unauthorized.clone()),
        with(
            "key with 0xff",
            key(&[public.as_bytes(), b"\xff"].concat()),
            "",
            unauthorized.clone(),
        ),
        with("10 KB key", key(&[b'k'; 10_000]), "", unauthorized.clone()),
        with(
            "key with a space",
            key(format!("{} {}", &public[..3], &public[3..]).as_bytes()),
            "",
            unauthorized.clone(),
        ),
        with(
            "key in upper case",
            key(public.to_uppercase().as_bytes()),
            "",
            unauthorized.clone(),
        ),
        with(
            "key and a wrong secret",
            vec![
                ("x-api-key", public.into()),
                ("x-api-secret", b"sk_wrong".to_vec()),
            ],
            "",
            unauthorized.clone(),
        ),
        with(
            "key and an empty secret",
            vec![("x-api-key", public.into()), ("x-api-secret", vec![])],
            "",
            unauthorized.clone(),
        ),
        with(
            "secret without a key",
            vec![("x-api-secret", secret.into())],
            "",
            unauthorized.clone(),
        ),
        with(
            "secret as the key",
            key(secret.as_bytes()),
            "",
            unauthorized.clone(),
        ),
        with("query key %ff", vec![], "?k=%ff%fe", unauthorized.clone()),
        with("query key empty", vec![], "?k=", unauthorized.clone()),
        with(
            "query key SQL",
            vec![],
            "?k=%27%20OR%201%3D1--",
            unauthorized.clone(),
        ),
        with(
            "key-only from a browser, undeclared metric",
            vec![
                ("x-api-key", public.into()),
                ("origin", b"https://evil.example".to_vec()),
            ],
            "",
            Expect::Item("undeclared_metric"),
        ),
    ];
    // a key-only push with a secret that is not UTF-8 is a browser push without an origin
    v.push(with(
        "secret with 0xff",
        vec![
            ("x-api-key", public.into()),
            ("x-api-secret", [secret.as_bytes(), b"\xff"].concat()),
        ],
        "",
        unauthorized,
    ));
    v
}
