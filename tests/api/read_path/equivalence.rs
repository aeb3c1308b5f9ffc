//! The crate's serialisation of a rewritten query means, to a real Prometheus, what the
//! original means with the tenant matcher written in by hand: precedence, unary minus, `bool`,
//! vector matching, subqueries, `@`, `offset`, number and duration forms, string escapes.

use super::{As, prometheus_holds, read, read_stack};
use serde_json::{Value, json};

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

#[tokio::test]
async fn rewritten_queries_mean_what_the_hand_scoped_ones_mean() {
    let stack = read_stack().await;
    let (app, prom) = (&stack.app, &stack.prometheus);
    let a = app.signup().await;
    let other = app.signup().await;
    let items = json!({"metrics": [
        {"name": "m_total", "type": "counter", "value": 3, "labels": {"path": "/a\"b\\c", "kind": "x"}},
        {"name": "m_total", "type": "counter", "value": 5, "labels": {"path": "/", "kind": "y"}},
        {"name": "g", "type": "gauge", "value": 2, "labels": {"path": "/"}},
        {"name": "h_seconds", "type": "histogram", "value": 0.3},
    ]});
    assert_eq!(app.push(&a.key, items.clone()).await.status, 200);
    assert_eq!(app.push(&other.key, items).await.status, 200);
    for t in [&a.user_id, &other.user_id] {
        prometheus_holds(
            prom,
            &format!("sum(m_total{{tenant=\"{t}\"}} offset 3s)"),
            &[8.0],
        )
        .await;
    }
    let t0 = chrono::Utc::now().timestamp_millis() as f64 / 1000.0 - 1.0;
    let s = |m: &str| format!("{m}{{tenant=\"{}\"}}", a.user_id);
    let s2 = |m: &str, extra: &str| format!("{m}{{{extra},tenant=\"{}\"}}", a.user_id);
    let cases: Vec<(String, String)> = vec![
        ("-m_total ^ 2".into(), format!("-{} ^ 2", s("m_total"))),
        ("(-m_total) ^ 2".into(), format!("(-{}) ^ 2", s("m_total"))),
        (
            "m_total + g * 2".into(),
            format!("{} + {} * 2", s("m_total"), s("g")),
        ),
        (
            "(m_total + on(path) group_left g) * 2".into(),
            format!("({} + on(path) group_left {}) * 2", s("m_total"), s("g")),
        ),
        (
            "m_total > bool 4".into(),
            format!("{} > bool 4", s("m_total")),
        ),
        ("m_total > 4".into(), format!("{} > 4", s("m_total"))),
        (
            "m_total / ignoring(kind) group_left g".into(),
            format!("{} / ignoring(kind) group_left {}", s("m_total"), s("g")),
        ),
        (
            "sum by (path) (m_total) and on(path) g".into(),
            format!("sum by (path) ({}) and on(path) {}", s("m_total"), s("g")),
        ),
        (
            "sum without (instance, job) (m_total)".into(),
            format!("sum without (instance, job) ({})", s("m_total")),
        ),
        (
            "topk(1, m_total)".into(),
            format!("topk(1, {})", s("m_total")),
        ),
        (
            "count_values(\"v\", m_total)".into(),
            format!("count_values(\"v\", {})", s("m_total")),
        ),
        (
            "quantile(0.5, m_total)".into(),
            format!("quantile(0.5, {})", s("m_total")),
        ),
        (
            "max_over_time(m_total[2s:1s])".into(),
            format!("max_over_time({}[2s:1s])", s("m_total")),
        ),
        (
            "max_over_time(m_total[2s:])".into(),
            format!("max_over_time({}[2s:])", s("m_total")),
        ),
        (
            "m_total offset 1s".into(),
            format!("{} offset 1s", s("m_total")),
        ),
        (
            "m_total @ end()".into(),
            format!("{} @ end()", s("m_total")),
        ),
        (
            format!("m_total @ {t0:.3}"),
            format!("{} @ {t0:.3}", s("m_total")),
        ),
        ("0x10 + m_total".into(), format!("16 + {}", s("m_total"))),
        ("1e1 * m_total".into(), format!("10 * {}", s("m_total"))),
        (
            r#"m_total{path="/a\"b\\c"}"#.into(),
            s2("m_total", r#"path="/a\"b\\c""#),
        ),
        (
            r#"m_total{path=~"/a.*"}"#.into(),
            s2("m_total", r#"path=~"/a.*""#),
        ),
        (
            r#"m_total{path!~"/a.*"}"#.into(),
            s2("m_total", r#"path!~"/a.*""#),
        ),
        ("m_total{path!=\"/\"}".into(), s2("m_total", "path!=\"/\"")),
        (
            r#"label_replace(m_total, "p2", "$1", "path", "/(.*)")"#.into(),
            format!(
                r#"label_replace({}, "p2", "$1", "path", "/(.*)")"#,
                s("m_total")
            ),
        ),
        (
            "histogram_quantile(0.9, sum by (le) (h_seconds_bucket))".into(),
            format!(
                "histogram_quantile(0.9, sum by (le) ({}))",
                s("h_seconds_bucket")
            ),
        ),
        (
            "rate(m_total[2s])".into(),
            format!("rate({}[2s])", s("m_total")),
        ),
        ("m_total[2s]".into(), format!("{}[2s]", s("m_total"))),
        (
            "scalar(sum(g)) * m_total".into(),
            format!("scalar(sum({})) * {}", s("g"), s("m_total")),
        ),
    ];
    for (query, by_hand) in cases {
        let want = normalised(&prom.query_at(&by_hand, Some(t0)).await);
        let params = [("query", query.clone()), ("time", format!("{t0:.3}"))];
        let answer = read(app, As::Bearer(&a), "POST", "/query", &params).await;
        assert_eq!(
            normalised(&answer.data()["result"]),
            want,
            "{query} vs {by_hand}"
        );
        assert!(
            !answer.text.contains(&other.user_id),
            "{query}: {}",
            answer.text
        );
    }
}
