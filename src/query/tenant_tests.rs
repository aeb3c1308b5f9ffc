//! The rewrite, query by query: what is forwarded, what is refused. The same queries are run
//! against a real Prometheus in tests/api/read_path (same answers as the hand-scoped query).

use super::*;

const T: &str = "0d5e7a4e-1111-4222-8333-944455556666";

fn scoped(query: &str) -> String {
    scope_query(query, T)
        .unwrap_or_else(|e| panic!("{query:?} refused: {}", e.0))
        .promql
        .replace(T, "T")
}

fn refused(query: &str) -> String {
    match scope_query(query, T) {
        Ok(s) => panic!("{query:?} was forwarded as {}", s.promql),
        Err(e) => e.0,
    }
}

#[test]
fn every_selector_gets_the_tenant_matcher() {
    let cases = [
        ("up", r#"up{tenant="T"}"#),
        (r#"{__name__=~".+"}"#, r#"{__name__=~".+",tenant="T"}"#),
        (
            r#"{tenant=~".*",__name__="x"}"#,
            r#"{__name__="x",tenant="T",tenant=~".*"}"#,
        ),
        (r#"x{tenant="other"}"#, r#"x{tenant="T",tenant="other"}"#),
        (r#"x{zzz="1"}"#, r#"x{tenant="T",zzz="1"}"#),
        ("x or on() vector(1)", r#"x{tenant="T"} or on () vector(1)"#),
        ("x unless y", r#"x{tenant="T"} unless y{tenant="T"}"#),
        ("x and y", r#"x{tenant="T"} and y{tenant="T"}"#),
        (
            "max_over_time(rate(x[1m])[5m:30s])",
            r#"max_over_time(rate(x{tenant="T"}[1m])[5m:30s])"#,
        ),
        ("rate(x[5m:])", r#"rate(x{tenant="T"}[5m:])"#),
        (
            r#"label_replace(x, "tenant", "B", "", "")"#,
            r#"label_replace(x{tenant="T"}, "tenant", "B", "", "")"#,
        ),
        (
            r#"count by (tenant) ({__name__=~".+"})"#,
            r#"count by (tenant) ({__name__=~".+",tenant="T"})"#,
        ),
        (
            "absent(nothing_here)",
            r#"absent(nothing_here{tenant="T"})"#,
        ),
        ("x @ end()", r#"x{tenant="T"} @ end()"#),
        ("x @ 1700000000.123", r#"x{tenant="T"} @ 1700000000.123"#),
        ("x @ 1700000000.1234", r#"x{tenant="T"} @ 1700000000.123"#),
        ("x offset 5m", r#"x{tenant="T"} offset 5m"#),
        ("x offset -5m", r#"x{tenant="T"} offset -5m"#),
        (
            "rate(x[5m] offset 1h @ start())",
            r#"rate(x{tenant="T"}[5m] @ start() offset 1h)"#,
        ),
        (
            "(x offset 1h)[10m:1m] @ 1700000000",
            r#"(x{tenant="T"} offset 1h)[10m:1m] @ 1700000000.000"#,
        ),
        (
            "sum without (instance) (increase(signups_total[1m]))",
            r#"sum without (instance) (increase(signups_total{tenant="T"}[1m]))"#,
        ),
        (
            "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
            r#"histogram_quantile(0.9, sum by (le) (rate(x_bucket{tenant="T"}[5m])))"#,
        ),
        (
            "a / on(path) group_left(kind) b",
            r#"a{tenant="T"} / on (path) group_left (kind) b{tenant="T"}"#,
        ),
        ("a > bool 1", r#"a{tenant="T"} > bool 1"#),
        ("-a ^ 2", r#"-a{tenant="T"} ^ 2"#),
        (
            "(a + b) * c",
            r#"(a{tenant="T"} + b{tenant="T"}) * c{tenant="T"}"#,
        ),
        ("topk(5, x)", r#"topk(5, x{tenant="T"})"#),
        (
            "topk(scalar(count(y)), x)",
            r#"topk(scalar(count(y{tenant="T"})), x{tenant="T"})"#,
        ),
        (
            r#"count_values("v", x)"#,
            r#"count_values("v", x{tenant="T"})"#,
        ),
        (
            r#"x{path="a\"b\\c\n"}"#,
            r#"x{path="a\"b\\c\n",tenant="T"}"#,
        ),
        (
            r#"x{path=~"a.*|b{2}"}"#,
            r#"x{path=~"a.*|b{2}",tenant="T"}"#,
        ),
        (r#"x{path="ünï😀"}"#, r#"x{path="ünï😀",tenant="T"}"#),
        ("0x1F + x", r#"31 + x{tenant="T"}"#),
        ("x[1y2w3d]", r#"x{tenant="T"}[382d]"#),
        ("1 + 2", "1 + 2"),
        ("vector(1)", "vector(1)"),
        ("time()", "time()"),
        ("NaN", "NaN"),
    ];
    for (query, want) in cases {
        assert_eq!(scoped(query), want, "{query}");
    }
}

#[test]
fn unary_minus_keeps_prometheus_precedence() {
    // Prometheus reads `-a ^ 2` as `-(a ^ 2)`; so does the crate, and so the text it writes.
    let expr = parser::parse("-a ^ 2").unwrap();
    assert!(matches!(expr, Expr::Unary(ref u) if matches!(*u.expr, Expr::Binary(_))));
}

#[test]
fn what_does_not_parse_is_refused() {
    assert!(refused("sum(x").starts_with("cannot parse the query"));
    assert!(refused("").contains("empty"));
    assert!(refused("   ").contains("empty"));
    assert!(refused(r#"{tenant=~".*"}"#).contains("at least one non-empty matcher"));
    assert!(refused("x{a=\"1\" or b=\"2\"}").contains("not PromQL"));
    assert!(refused("x @ -5").contains("before 1970"));
    assert!(refused("x; drop").starts_with("cannot parse"));
    assert!(refused("x{tenant=\"A\"}}").starts_with("cannot parse"));
}

#[test]
fn huge_and_deep_queries_are_scoped_or_refused_never_unscoped() {
    // On a 2 MiB stack, as actix's workers have, at the limit and past it.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let wide = vec!["x"; MAX_OPERATORS + 1].join(" + ");
            let out = scope_query(&wide, T).unwrap().promql;
            assert_eq!(
                out.matches(&format!("tenant=\"{T}\"")).count(),
                MAX_OPERATORS + 1
            );
            let deep = format!(
                "{}x{}",
                "(".repeat(MAX_OPERATORS),
                ")".repeat(MAX_OPERATORS)
            );
            assert!(
                scope_query(&deep, T)
                    .unwrap()
                    .promql
                    .contains(&format!("x{{tenant=\"{T}\"}}"))
            );
            let or_chain = vec!["x"; MAX_OPERATORS + 1].join(" or ");
            assert_eq!(
                scope_query(&or_chain, T)
                    .unwrap()
                    .promql
                    .matches("tenant=")
                    .count(),
                MAX_OPERATORS + 1
            );
            for hostile in [
                vec!["x"; 50_000].join(" + "),
                format!("{}x{}", "(".repeat(50_000), ")".repeat(50_000)),
                vec!["x"; 50_000].join(" or "),
                format!("{}x{}", "-".repeat(50_000), ""),
            ] {
                assert!(refused(&hostile).contains("too complex"));
            }
            // operators inside strings do not count
            let long_value = format!("x{{path=\"{}\"}}", "-/+(".repeat(10_000));
            assert!(scope_query(&long_value, T).is_ok());
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn match_selectors_are_scoped() {
    assert_eq!(
        scope_selector("up", T).unwrap().replace(T, "T"),
        r#"up{tenant="T"}"#
    );
    assert_eq!(
        scope_selector(r#"{tenant=~".+"}"#, T)
            .unwrap()
            .replace(T, "T"),
        r#"{tenant="T",tenant=~".+"}"#
    );
    assert!(
        scope_selector("rate(x[5m])", T)
            .unwrap_err()
            .0
            .contains("series selector")
    );
    assert!(
        scope_selector("x offset 1m", T)
            .unwrap_err()
            .0
            .contains("offset")
    );
    assert!(scope_selector("x{", T).is_err());
    assert_eq!(tenant_only_selector(T).replace(T, "T"), r#"{tenant="T"}"#);
}

#[test]
fn lookback_adds_nested_windows() {
    let lb = |q: &str| scope_query(q, T).unwrap().lookback;
    assert_eq!(lb("x"), Duration::ZERO);
    assert_eq!(lb("rate(x[5m])"), Duration::from_secs(300));
    assert_eq!(
        lb("max_over_time(rate(x[1m])[1h:1m])"),
        Duration::from_secs(3660)
    );
    assert_eq!(
        lb("rate(a[1m]) + rate(b[2d])"),
        Duration::from_secs(2 * 86400)
    );
}
