//! Limits (range, step, timeout, complexity, body size), refusals that never reach
//! Prometheus, and a Prometheus that is not there.

use super::{As, read, read_stack, read_stack_with};
use crate::helpers::spawn_app;
use std::time::Duration;

/// The queries Prometheus has answered on `/api/v1/query*`, from its own metrics.
async fn prometheus_query_count(url: &str) -> f64 {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn refused_queries_never_reach_prometheus() {
    let stack = read_stack().await;
    let (app, prom) = (&stack.app, &stack.prometheus);
    let b = app.signup().await;
    let now = chrono::Utc::now().timestamp() as f64;
    let before = prometheus_query_count(&prom.url).await;
    let bad: Vec<Vec<(&str, String)>> = vec![
        vec![("query", "sum(".into())],
        vec![("query", "orders_total{".into())],
        vec![("query", "".into())],
        vec![],
        vec![("query", "x{a=\"1\" or b=\"2\"}".into())],
        vec![("query", vec!["x"; 20_000].join(" + "))],
        vec![(
            "query",
            format!("{}x{}", "(".repeat(5_000), ")".repeat(5_000)),
        )],
        vec![("query", "rate(x[33d])".into())],
        vec![("query", "max_over_time(rate(x[1d])[32d:1h])".into())],
        vec![("query", "x".into()), ("time", "yesterday".into())],
        vec![("query", "x".into()), ("timeout", "soon".into())],
    ];
    for params in &bad {
        let short = params.iter().map(|(_, v)| v.len()).sum::<usize>() < 4096;
        for method in if short {
            &["GET", "POST"][..]
        } else {
            &["POST"][..]
        } {
            let r = read(app, As::Bearer(&b), method, "/query", params).await;
            r.assert_error(400, "bad_data");
        }
    }
    let range = |start: f64, end: f64, step: &str, q: &str| {
        vec![
            ("query", q.to_owned()),
            ("start", format!("{start}")),
            ("end", format!("{end}")),
            ("step", step.to_owned()),
        ]
    };
    let day = 86400.0;
    for (params, needle) in [
        (
            range(now - 33.0 * day, now, "3600", "x"),
            "PUSHGATE_QUERY_MAX_RANGE",
        ),
        (
            range(now - 30.0 * day, now, "3600", "rate(x[3d])"),
            "PUSHGATE_QUERY_MAX_RANGE",
        ),
        (range(now - day, now, "1", "x"), "11,000 points"),
        (range(now, now - 10.0, "1", "x"), "before start"),
        (range(now - 10.0, now, "0", "x"), "step"),
        (
            vec![("query", "x".into()), ("start", format!("{now}"))],
            "\"end\"",
        ),
    ] {
        let r = read(app, As::Bearer(&b), "POST", "/query_range", &params).await;
        assert!(
            r.assert_error(400, "bad_data").contains(needle),
            "{params:?}: {}",
            r.text
        );
    }
    for path in ["/series", "/labels", "/label/tenant/values"] {
        let r = read(
            app,
            As::Bearer(&b),
            "GET",
            path,
            &[("match[]", "rate(x[5m])".into())],
        )
        .await;
        assert!(
            r.assert_error(400, "bad_data").contains("series selector"),
            "{path}"
        );
    }
    let r = read(app, As::Bearer(&b), "GET", "/label/bad-name/values", &[]).await;
    r.assert_error(400, "bad_data");
    // a form body over 1 MiB
    let r = read(
        app,
        As::Bearer(&b),
        "POST",
        "/query",
        &[("query", format!("x{{p=\"{}\"}}", "a".repeat(1_100_000)))],
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(r.body["status"], "error");
    // a JSON body is not a form
    let resp = app
        .client
        .post(app.url("/prometheus/api/v1/query"))
        .bearer_auth(&b.token)
        .header("Content-Type", "application/json")
        .body(r#"{"query":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        prometheus_query_count(&prom.url).await,
        before,
        "nothing refused reached Prometheus"
    );
    // and what is accepted does reach it: the limit itself passes
    let ok = read(
        app,
        As::Bearer(&b),
        "POST",
        "/query",
        &[("query", vec!["x"; 1000].join(" + "))],
    )
    .await;
    ok.data();
    let r = read(
        app,
        As::Bearer(&b),
        "POST",
        "/query_range",
        &range(now - 30.0 * day, now, "3600", "rate(x[1d])"),
    )
    .await;
    r.data();
    assert!(prometheus_query_count(&prom.url).await >= before + 2.0);
}

#[tokio::test]
async fn the_timeout_is_passed_on_to_prometheus() {
    let stack = read_stack_with(|s| s.query.query_timeout = Duration::from_millis(20)).await;
    let b = stack.app.signup().await;
    // 2.6 million subquery steps (of an expression that is not step-invariant, which
    // Prometheus would evaluate once): far longer than 20 ms
    let heavy = [(
        "query",
        "count_over_time(vector(time())[30d:1s])".to_owned(),
    )];
    let r = read(&stack.app, As::Bearer(&b), "GET", "/query", &heavy).await;
    let message = r.assert_error(503, "timeout");
    assert!(
        message.contains("timed out") || message.contains("timeout"),
        "{message}"
    );
    // a client's own longer timeout does not lift ours
    let r = read(
        &stack.app,
        As::Bearer(&b),
        "GET",
        "/query",
        &[heavy[0].clone(), ("timeout", "5m".into())],
    )
    .await;
    r.assert_error(503, "timeout");
}

#[tokio::test]
async fn without_prometheus_reads_are_unavailable_and_pushes_go_on() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app.ready().await;
    assert_eq!(
        r.status, 200,
        "Prometheus down does not make the instance unready: {:?}",
        r.body
    );
    let check = r.body["checks"]["prometheus"].as_str().unwrap();
    assert!(
        check.contains("unreachable") && check.contains("ingestion is unaffected"),
        "{check}"
    );
    let r = read(
        &app,
        As::Bearer(&a),
        "GET",
        "/query",
        &[("query", "up".into())],
    )
    .await;
    assert!(r.assert_error(503, "unavailable").contains("retry shortly"));
    let push =
        serde_json::json!({"metrics": [{"name": "jobs_total", "type": "counter", "value": 1}]});
    assert_eq!(app.push(&a.key, push).await.status, 200);

    let stack = read_stack().await;
    let r = stack.app.ready().await;
    assert_eq!(r.body["checks"]["prometheus"], "ok", "{:?}", r.body);
}
