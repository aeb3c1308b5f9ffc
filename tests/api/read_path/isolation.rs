//! Two tenants push the same metric names; tenant B never receives a sample of A's through
//! any endpoint, whatever the query, and A sees exactly its own values. A's numbers are large
//! and distinctive, so a leak shows in a value even where a query drops the `tenant` label.
//! Over 300 lines: the table of hostile queries and the checks run on each answer belong
//! together.

use super::{Answer, As, ReadStack, prometheus_holds, read, read_stack, values};
use crate::helpers::Account;
use serde_json::{Value, json};

const A_PRO: f64 = 1_000_003.0;
const A_FREE: f64 = 2_000_003.0;
const A_UNICODE: f64 = 5_000_011.0;
const A_QUEUE: f64 = 3_000_017.0;
const A_ONLY: f64 = 4_000_037.0;
const B_PRO: f64 = 7.0;
const B_QUEUE: f64 = 5.0;

struct Tenants {
    a: Account,
    b: Account,
    /// a time after both tenants' data arrived, at which every instant query is evaluated
    t0: f64,
}

async fn two_tenants(stack: &ReadStack) -> Tenants {
    let app = &stack.app;
    let a = app.signup().await;
    let b = app.signup().await;
    let mut a_items = vec![
        json!({"name": "orders_total", "type": "counter", "value": A_PRO, "labels": {"plan": "pro"}}),
        json!({"name": "orders_total", "type": "counter", "value": A_FREE, "labels": {"plan": "free"}}),
        json!({"name": "orders_total", "type": "counter", "value": A_UNICODE, "labels": {"plan": "ünï😀 \"q\""}}),
        json!({"name": "queue_depth", "type": "gauge", "value": A_QUEUE}),
        json!({"name": "a_only_total", "type": "counter", "value": A_ONLY, "labels": {"region": "eu"}}),
    ];
    a_items.extend(
        (0..900).map(|_| json!({"name": "latency_seconds", "type": "histogram", "value": 0.1})),
    );
    assert_eq!(
        app.push(&a.key, json!({ "metrics": a_items })).await.status,
        200
    );
    let b_items = json!({"metrics": [
        {"name": "orders_total", "type": "counter", "value": B_PRO, "labels": {"plan": "pro"}},
        {"name": "queue_depth", "type": "gauge", "value": B_QUEUE},
        {"name": "latency_seconds", "type": "histogram", "value": 0.2},
        {"name": "latency_seconds", "type": "histogram", "value": 0.2},
    ]});
    assert_eq!(app.push(&b.key, b_items).await.status, 200);
    let prom = &stack.prometheus;
    for (t, want) in [
        (&a.user_id, vec![A_PRO, A_FREE, A_UNICODE]),
        (&b.user_id, vec![B_PRO]),
    ] {
        let mut want = want;
        want.sort_by(f64::total_cmp);
        // `offset 3s` too, so that offset queries and 2 s windows have data at t0
        prometheus_holds(
            prom,
            &format!("orders_total{{tenant=\"{t}\"}} offset 3s"),
            &want,
        )
        .await;
    }
    let t0 = chrono::Utc::now().timestamp_millis() as f64 / 1000.0 - 1.0;
    Tenants { a, b, t0 }
}

/// The result of a proxied answer and of a direct one, in a comparable order.
fn normalised(result: &Value) -> Vec<String> {
    let mut out: Vec<String> = result
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s.to_string())
        .collect();
    out.sort();
    out
}

/// What a leak would look like in an answer to B.
fn assert_nothing_of_a(answer: &Answer, t: &Tenants, what: &str) {
    assert!(
        !answer.text.contains(&t.a.user_id),
        "{what}: A's tenant id reached B: {}",
        answer.text
    );
    for forbidden in ["a_only_total", "region", "eu\"", "ünï"] {
        assert!(
            !answer.text.contains(forbidden),
            "{what}: {forbidden} reached B: {}",
            answer.text
        );
    }
    for v in values(&answer.body["data"]["result"]) {
        assert!(
            v < 900.0 || v.is_nan(),
            "{what}: the value {v} can only come from A: {}",
            answer.text
        );
    }
}

/// Hostile queries with what Prometheus answers for B when B's scoping is written by hand.
fn hostile(b: &str, a: &str) -> Vec<(String, String)> {
    let sel = |m: &str| format!("{m}{{tenant=\"{b}\"}}");
    vec![
        ("orders_total".into(), sel("orders_total")),
        (
            r#"{__name__=~".+"}"#.into(),
            format!(r#"{{__name__=~".+",tenant="{b}"}}"#),
        ),
        (
            r#"{__name__=~".+",tenant=~".*"}"#.into(),
            format!(r#"{{__name__=~".+",tenant=~".*",tenant="{b}"}}"#),
        ),
        (
            format!(r#"orders_total{{tenant="{a}"}}"#),
            format!(r#"orders_total{{tenant="{a}",tenant="{b}"}}"#),
        ),
        (
            format!(r#"{{tenant="{a}"}}"#),
            format!(r#"{{tenant="{a}",tenant="{b}"}}"#),
        ),
        (
            format!(r#"{{tenant!="{b}",__name__=~".+"}}"#),
            format!(r#"{{tenant!="{b}",__name__=~".+",tenant="{b}"}}"#),
        ),
        (
            "orders_total or on() vector(1)".into(),
            format!("{} or on() vector(1)", sel("orders_total")),
        ),
        (
            "vector(1) or orders_total".into(),
            format!("vector(1) or {}", sel("orders_total")),
        ),
        (
            "orders_total unless queue_depth".into(),
            format!("{} unless {}", sel("orders_total"), sel("queue_depth")),
        ),
        (
            "max_over_time(orders_total[2s:1s])".into(),
            format!("max_over_time({}[2s:1s])", sel("orders_total")),
        ),
        (
            "sum(max_over_time(sum by (tenant) (orders_total)[2s:1s]))".into(),
            format!(
                "sum(max_over_time(sum by (tenant) ({})[2s:1s]))",
                sel("orders_total")
            ),
        ),
        (
            r#"label_replace(orders_total, "tenant", "x", "", "")"#.into(),
            format!(
                r#"label_replace({}, "tenant", "x", "", "")"#,
                sel("orders_total")
            ),
        ),
        (
            r#"sum by (tenant) (label_replace({__name__=~".+"}, "tenant", "$1", "plan", "(.*)"))"#
                .into(),
            format!(
                r#"sum by (tenant) (label_replace({{__name__=~".+",tenant="{b}"}}, "tenant", "$1", "plan", "(.*)"))"#
            ),
        ),
        (
            r#"count by (tenant) ({__name__=~".+"})"#.into(),
            format!(r#"count by (tenant) ({{__name__=~".+",tenant="{b}"}})"#),
        ),
        (
            r#"count({__name__=~".+"})"#.into(),
            format!(r#"count({{__name__=~".+",tenant="{b}"}})"#),
        ),
        (
            "sum(orders_total)".into(),
            format!("sum({})", sel("orders_total")),
        ),
        (
            "absent(a_only_total)".into(),
            format!("absent({})", sel("a_only_total")),
        ),
        (
            format!(r#"absent(orders_total{{tenant="{a}"}})"#),
            format!(r#"absent(orders_total{{tenant="{a}",tenant="{b}"}})"#),
        ),
        (
            "orders_total @ end()".into(),
            format!("{} @ end()", sel("orders_total")),
        ),
        (
            "orders_total offset 2s".into(),
            format!("{} offset 2s", sel("orders_total")),
        ),
        (
            "rate(orders_total[2s] offset 1s @ end())".into(),
            format!("rate({}[2s] offset 1s @ end())", sel("orders_total")),
        ),
        (
            "histogram_quantile(0.5, sum by (le) (latency_seconds_bucket))".into(),
            format!(
                "histogram_quantile(0.5, sum by (le) ({}))",
                sel("latency_seconds_bucket")
            ),
        ),
        (
            "topk(100, {__name__=~\".+\"})".into(),
            format!("topk(100, {{__name__=~\".+\",tenant=\"{b}\"}})"),
        ),
        (
            "orders_total / on() group_left queue_depth".into(),
            format!(
                "{} / on() group_left {}",
                sel("orders_total"),
                sel("queue_depth")
            ),
        ),
        (
            r#"orders_total{plan="ünï😀 \"q\""}"#.into(),
            format!(r#"orders_total{{plan="ünï😀 \"q\"",tenant="{b}"}}"#),
        ),
    ]
}

#[tokio::test]
async fn tenant_b_never_receives_a_sample_of_a() {
    let stack = read_stack().await;
    let t = two_tenants(&stack).await;
    let (app, prom) = (&stack.app, &stack.prometheus);
    let time = format!("{:.3}", t.t0);
    for (query, by_hand) in hostile(&t.b.user_id, &t.a.user_id) {
        let want = normalised(&prom.query_at(&by_hand, Some(t.t0)).await);
        for method in ["GET", "POST"] {
            let params = [("query", query.clone()), ("time", time.clone())];
            let answer = read(app, As::Bearer(&t.b), method, "/query", &params).await;
            answer.data();
            assert_nothing_of_a(&answer, &t, &format!("{method} query {query}"));
            assert_eq!(
                normalised(&answer.body["data"]["result"]),
                want,
                "{method} {query} (by hand: {by_hand})"
            );
            let range = [
                ("query", query.clone()),
                ("start", format!("{:.3}", t.t0 - 2.0)),
                ("end", time.clone()),
                ("step", "1".into()),
            ];
            let answer = read(app, As::Bearer(&t.b), method, "/query_range", &range).await;
            answer.data();
            assert_nothing_of_a(&answer, &t, &format!("{method} query_range {query}"));
        }
    }
    // {tenant=~".*"} alone does not parse, in Prometheus either: bad_data, nothing forwarded
    let r = read(
        app,
        As::Bearer(&t.b),
        "GET",
        "/query",
        &[("query", r#"{tenant=~".*"}"#.into())],
    )
    .await;
    r.assert_error(400, "bad_data");
}

#[tokio::test]
async fn series_labels_values_and_metadata_are_scoped() {
    let stack = read_stack().await;
    let t = two_tenants(&stack).await;
    let app = &stack.app;
    let b_id = t.b.user_id.as_str();
    let with_matches: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("match[]", r#"{__name__=~".+"}"#.into())],
        vec![
            ("match[]", r#"{tenant=~".+"}"#.into()),
            ("match[]", "orders_total".into()),
        ],
        vec![("match[]", format!(r#"{{tenant="{}"}}"#, t.a.user_id))],
    ];
    for params in &with_matches {
        for method in ["GET", "POST"] {
            let what = format!("{method} series {params:?}");
            let r = read(app, As::Bearer(&t.b), method, "/series", params).await;
            let series = r.data().as_array().unwrap().clone();
            assert_nothing_of_a(&r, &t, &what);
            assert!(
                series.iter().all(|s| s["tenant"] == b_id),
                "{what}: {}",
                r.text
            );
            if params.len() < 3 && !params.iter().any(|(_, v)| v.contains(&t.a.user_id)) {
                assert!(
                    series.iter().any(|s| s["__name__"] == "orders_total"),
                    "{what}: B's own series: {}",
                    r.text
                );
            }

            let r = read(app, As::Bearer(&t.b), method, "/labels", params).await;
            assert_nothing_of_a(&r, &t, &format!("{method} labels {params:?}"));
            assert!(!r.data().as_array().unwrap().iter().any(|l| l == "region"));
        }
        let r = read(app, As::Bearer(&t.b), "GET", "/label/tenant/values", params).await;
        let tenants = r.data().clone();
        assert!(
            tenants == json!([b_id]) || tenants == json!([]),
            "label/tenant/values {params:?}: {tenants}"
        );
        let r = read(
            app,
            As::Bearer(&t.b),
            "GET",
            "/label/__name__/values",
            params,
        )
        .await;
        assert_nothing_of_a(&r, &t, "label/__name__/values");
        let r = read(app, As::Bearer(&t.b), "GET", "/label/region/values", params).await;
        assert_eq!(r.data(), &json!([]));
    }
    let r = read(app, As::Bearer(&t.b), "GET", "/label/tenant/values", &[]).await;
    assert_eq!(
        r.data(),
        &json!([b_id]),
        "without match[], B's own tenant only"
    );
    let r = read(app, As::Bearer(&t.a), "GET", "/label/region/values", &[]).await;
    assert_eq!(r.data(), &json!(["eu"]), "A sees its own label values");

    let r = read(app, As::Bearer(&t.b), "GET", "/metadata", &[]).await;
    let metadata = r.data().as_object().unwrap().clone();
    assert!(
        metadata.contains_key("orders_total") && metadata.contains_key("latency_seconds"),
        "{}",
        r.text
    );
    assert!(
        !metadata.contains_key("a_only_total") && !metadata.contains_key("pushgateway_build_info"),
        "{}",
        r.text
    );
    let r = read(
        app,
        As::Bearer(&t.a),
        "GET",
        "/metadata",
        &[("metric", "a_only_total".into())],
    )
    .await;
    assert_eq!(
        r.data().as_object().unwrap().keys().collect::<Vec<_>>(),
        ["a_only_total"]
    );
    let r = read(app, As::Bearer(&t.b), "GET", "/status/buildinfo", &[]).await;
    assert!(
        r.data()["version"].as_str().unwrap().starts_with('2'),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn tenant_a_sees_exactly_its_own_values() {
    let stack = read_stack().await;
    let t = two_tenants(&stack).await;
    let app = &stack.app;
    let time = format!("{:.3}", t.t0);
    let q = |query: &str| [("query", query.to_owned()), ("time", time.clone())];
    let r = read(app, As::Bearer(&t.a), "GET", "/query", &q("orders_total")).await;
    let result = r.data()["result"].as_array().unwrap().clone();
    let mut got: Vec<(String, f64)> = result
        .iter()
        .map(|s| {
            assert_eq!(s["metric"]["tenant"], t.a.user_id.as_str());
            (
                s["metric"]["plan"].as_str().unwrap().to_owned(),
                s["value"][1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    got.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        got,
        vec![
            ("free".to_owned(), A_FREE),
            ("pro".to_owned(), A_PRO),
            ("ünï😀 \"q\"".to_owned(), A_UNICODE)
        ]
    );
    let a = &t.a;
    let one = |query: &str| {
        let params = q(query);
        async move {
            values(
                &read(app, As::Bearer(a), "POST", "/query", &params)
                    .await
                    .data()["result"],
            )
        }
    };
    assert_eq!(one("queue_depth").await, vec![A_QUEUE]);
    assert_eq!(
        one("sum(orders_total)").await,
        vec![A_PRO + A_FREE + A_UNICODE]
    );
    assert_eq!(one("sum(latency_seconds_count)").await, vec![900.0]);
    assert_eq!(
        one(r#"orders_total{plan="ünï😀 \"q\""}"#).await,
        vec![A_UNICODE]
    );
    assert_eq!(one("a_only_total").await, vec![A_ONLY]);
    let b_view = values(
        &read(
            app,
            As::Bearer(&t.b),
            "GET",
            "/query",
            &q("sum(orders_total)"),
        )
        .await
        .data()["result"],
    );
    assert_eq!(b_view, vec![B_PRO]);
    // over a range, every point is A's own value
    let range = [
        ("query", "queue_depth".to_owned()),
        ("start", format!("{:.3}", t.t0 - 2.0)),
        ("end", time.clone()),
        ("step", "1".to_owned()),
    ];
    let points = values(
        &read(app, As::Bearer(&t.a), "GET", "/query_range", &range)
            .await
            .data()["result"],
    );
    assert!(
        points.len() >= 2 && points.iter().all(|v| *v == A_QUEUE),
        "{points:?}"
    );
}
