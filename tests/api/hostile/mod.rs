//! Hostile input (issue 8): a table of malformed requests, raw protocol attacks and
//! property-based batches. Every answer is a 4xx in the JSON error shape (or a 200 listing
//! per-item rejections when part of a batch is valid, SPEC §4), never a 5xx; the server keeps
//! answering, and the real Pushgateway accepts every push afterwards.

mod corpus;
mod items;
mod props;
mod raw;

use crate::helpers::{Account, Response, TestApp, exposition, spawn_app};
use corpus::{Auth, Case, Expect};
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

async fn send(app: &TestApp, a: &Account, case: &Case) -> Result<Response, String> {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/metrics{}", case.query)))
        .header("Content-Type", "application/json")
        .body(case.body.clone());
    match &case.auth {
        Auth::Full => {
            req = req
                .header("X-API-Key", &a.key.public)
                .header("X-API-Secret", &a.key.secret);
        }
        Auth::Headers(headers) => {
            for (name, value) in headers {
                let value = HeaderValue::from_bytes(value)
                    .map_err(|e| format!("{}: the client refuses the header: {e}", case.what))?;
                req = req.header(*name, value);
            }
        }
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("{}: no answer ({e})", case.what))?;
    Ok(Response::read(resp).await)
}

/// What every answer must satisfy whatever was sent: no 5xx, errors in the one JSON shape,
/// and a 200 that accounts for every item.
pub fn check_shape(what: &str, r: &Response) -> Result<(), String> {
    let fail = |why: &str| Err(format!("{what}: {why}: {} {:.300}", r.status, r.body));
    if r.status >= 500 {
        return fail("a server error");
    }
    if r.status >= 400 {
        let e = &r.body["error"];
        let filled = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
        if !filled(&e["code"]) || !filled(&e["message"]) {
            return fail("not the JSON error shape");
        }
    } else if r.status == 200 {
        let counted = r.body["accepted"].as_u64().unwrap_or(0) > 0
            && r.body["rejected"].as_u64().is_some()
            && r.body["errors"].as_array().map(Vec::len)
                == r.body["rejected"].as_u64().map(|n| n as usize);
        if !counted {
            return fail("a 200 that does not account for its items");
        }
    } else {
        return fail("an unexpected status");
    }
    Ok(())
}

fn check(case: &Case, r: &Response) -> Result<(), String> {
    check_shape(&case.what, r)?;
    let ok = match case.expect {
        Expect::Error(status, code) => (r.status, r.error_code()) == (status, code),
        Expect::Item(code) => {
            (r.status, r.error_code()) == (422, "nothing_accepted")
                && r.body["error"]["details"]["errors"][0]["code"] == code
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{}: expected {:?}, got {} {:.300}",
            case.what, case.expect, r.status, r.body
        ))
    }
}

/// After everything hostile: the server answers, the Pushgateway has never refused a push,
/// and a valid push still arrives.
pub async fn pushgateway_still_accepts(app: &TestApp, a: &Account) {
    let r = app.ready().await;
    assert_eq!(
        r.status, 200,
        "the server and its dependencies answer: {:?}",
        r.body
    );
    let r = app
        .push(
            &a.key,
            json!({"metrics": [{"name": "after_corpus_total", "type": "counter", "value": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.pushgateway_shows("after_corpus_total", &[("tenant", a.user_id.as_str())], 1.0)
        .await;
    app.pushgateway.assert_never_refused_a_push().await;
}

#[tokio::test]
async fn the_corpus_gets_json_4xx_and_the_pushgateway_accepts_every_push() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let items = items::bad_items();
    let mut cases = corpus::bad_requests();
    cases.extend(corpus::bad_credentials(&a.key.public, &a.key.secret));
    cases.extend(items.iter().map(|(item, code)| Case {
        what: format!("item {item:.120}"),
        body: json!({ "metrics": [item] }).to_string().into_bytes(),
        auth: Auth::Full,
        query: String::new(),
        expect: Expect::Item(code),
    }));
    let mut failures = Vec::new();
    for case in &cases {
        match send(&app, &a, case).await {
            Ok(r) => failures.extend(check(case, &r).err()),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // every bad item in one batch with a good one: a 200 that lists each refusal by index
    let mut batch: Vec<Value> = items.iter().map(|(item, _)| item.clone()).collect();
    batch.push(json!({"name": "h_good_total", "type": "counter", "value": 1}));
    let r = app.push(&a.key, json!({ "metrics": batch })).await;
    check_shape("the mixed batch", &r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.body["accepted"].as_u64(), r.body["rejected"].as_u64()),
        (Some(1), Some(items.len() as u64))
    );
    for (i, (item, code)) in items.iter().enumerate() {
        assert_eq!(r.body["errors"][i]["index"], i, "{item}");
        assert_eq!(r.body["errors"][i]["code"], *code, "{item}");
    }
    println!(
        "hostile corpus: {} requests and a batch of {} bad items, no 5xx",
        cases.len(),
        items.len()
    );
    pushgateway_still_accepts(&app, &a).await;
}

#[tokio::test]
async fn names_that_would_collide_in_the_exposition_are_refused() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let item = |name: &str, kind: &str| json!({"name": name, "type": kind, "value": 1});
    let r = app
        .push(&a.key, json!({"metrics": [item("h_conf", "histogram"), item("s_conf", "summary"), item("g_conf", "gauge")]}))
        .await;
    assert_eq!(r.body["accepted"], 3, "{:?}", r.body);
    for (who, batch) in [
        (
            &a,
            vec![
                item("h_conf_bucket", "counter"),
                item("h_conf_sum", "gauge"),
                item("h_conf_count", "counter"),
                item("h_conf", "gauge"),
                item("s_conf_count", "gauge"),
                item("g_conf", "counter"),
            ],
        ),
        (
            &b,
            vec![
                item("h_conf_bucket", "counter"),
                item("h_conf", "counter"),
                item("s_conf_sum", "counter"),
                item("g_conf", "histogram"),
            ],
        ),
    ] {
        let n = batch.len();
        let r = app.push(&who.key, json!({ "metrics": batch })).await;
        check_shape("colliding names", &r).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.error_code(), "nothing_accepted", "{:?}", r.body);
        assert_eq!(r.body["error"]["details"]["rejected"], n);
    }
    pushgateway_still_accepts(&app, &a).await;
}

#[tokio::test]
async fn label_values_cannot_break_out_of_the_exposition() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let values = items::exposition_breakers();
    let batch: Vec<Value> = values
        .iter()
        .map(|v| json!({"name": "h_escape_total", "type": "counter", "value": 1, "labels": {"v": v}}))
        .collect();
    let r = app.push(&a.key, json!({ "metrics": batch })).await;
    assert_eq!(
        (r.status, r.body["accepted"].as_u64()),
        (200, Some(values.len() as u64)),
        "{:?}",
        r.body
    );
    pushgateway_still_accepts(&app, &a).await;
    let text = app.pushgateway.metrics_text().await;
    let samples = exposition::parse(&text);
    for v in &values {
        let found = samples
            .iter()
            .filter(|s| s.name == "h_escape_total" && s.label("v") == Some(v))
            .count();
        assert_eq!(found, 1, "label value {v:?} arrives intact, once");
    }
    let ours: Vec<&str> = samples
        .iter()
        .filter(|s| s.label("tenant") == Some(&a.user_id))
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        ours.iter()
            .all(|n| matches!(*n, "h_escape_total" | "after_corpus_total")),
        "no injected series: {ours:?}"
    );
}

#[tokio::test]
async fn huge_finite_values_never_push_an_infinity() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let big = json!({"name": "h_big_total", "type": "counter", "value": 1.7e308});
    for _ in 0..3 {
        let r = app.push(&a.key, json!({ "metrics": [big] })).await;
        check_shape("a huge increment", &r).unwrap_or_else(|e| panic!("{e}"));
    }
    let g = |op: &str| json!({"name": "h_big_gauge", "type": "gauge", "value": 1.7e308, "op": op});
    for op in ["set", "inc", "inc"] {
        let r = app.push(&a.key, json!({ "metrics": [g(op)] })).await;
        check_shape("a huge gauge", &r).unwrap_or_else(|e| panic!("{e}"));
    }
    for kind in ["histogram", "summary"] {
        for value in [1.7e308, 1.7e308, -1.7e308, -1.7e308, -1.7e308] {
            let item = json!({"name": format!("h_big_{kind}"), "type": kind, "value": value});
            let r = app.push(&a.key, json!({ "metrics": [item] })).await;
            check_shape("a huge observation", &r).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    pushgateway_still_accepts(&app, &a).await;
    let text = app.pushgateway.metrics_text().await;
    for s in exposition::parse(&text)
        .iter()
        .filter(|s| s.label("tenant") == Some(&a.user_id))
    {
        assert!(s.value.is_finite(), "{} went to {}", s.name, s.value);
    }
}
