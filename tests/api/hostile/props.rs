//! Property-based hostile input: arbitrary JSON items, near-valid items with hostile parts,
//! and arbitrary bytes. Whatever is sent, the answer is never a 5xx, and whatever was accepted
//! never gets a push refused.

use super::{check_shape, pushgateway_still_accepts};
use crate::helpers::spawn_app;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

/// Strings that mean something to Prometheus, pushgate or the exposition format.
fn loaded_word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "counter",
        "gauge",
        "histogram",
        "summary",
        "set",
        "inc",
        "dec",
        "NaN",
        "+Inf",
        "-Inf",
        "le",
        "quantile",
        "tenant",
        "instance",
        "job",
        "__name__",
        "name",
        "type",
        "value",
        "labels",
        "op",
        "x_bucket",
        "x_sum",
        "x_count",
        "x",
        "\"}\n",
        "\\",
        "",
    ])
    .prop_map(str::to_owned)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| json!(f)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        loaded_word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(prop_oneof![loaded_word(), ".{0,6}"], inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Items that are nearly valid: a plausible name and type, with one part chosen to hurt.
fn near_valid_item() -> impl Strategy<Value = Value> {
    let name = prop_oneof!["[a-z_:][a-z0-9_:]{0,10}", loaded_word(), ".{0,8}"];
    let kind = prop_oneof![
        loaded_word(),
        Just("counter".to_owned()),
        Just("gauge".to_owned())
    ];
    let value = prop_oneof![
        any::<f64>().prop_map(|f| json!(f)),
        (0u32..1000).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            1e308,
            -1e308,
            5e-324,
            -0.0,
            f64::MAX,
            f64::MIN_POSITIVE
        ])
        .prop_map(|f| json!(f)),
        arb_json(),
    ];
    let label_name = prop_oneof!["[a-z_][a-z0-9_]{0,6}", loaded_word(), ".{0,4}"];
    let labels = prop::collection::btree_map(
        label_name,
        prop_oneof![".{0,10}".prop_map(Value::String), arb_json()],
        0..4,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()));
    let op = prop::option::of(loaded_word());
    (name, kind, value, labels, op).prop_map(|(name, kind, value, labels, op)| {
        let mut item = json!({"name": name, "type": kind, "value": value, "labels": labels});
        if let (Some(op), Some(obj)) = (op, item.as_object_mut()) {
            obj.insert("op".into(), Value::String(op));
        }
        item
    })
}

const CASES: u32 = 120;

#[test]
fn arbitrary_input_never_gets_a_5xx_nor_breaks_the_push() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (app, a) = rt.block_on(async {
        let app = spawn_app().await;
        let a = app.signup().await;
        (app, a)
    });
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let push = |body: Vec<u8>| -> Result<(), TestCaseError> {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(300)
            .collect::<String>();
        let r = rt.block_on(app.push_raw_bytes(&a.key, body));
        check_shape(&shown, &r).map_err(TestCaseError::fail)
    };
    let batches = [
        prop::collection::vec(arb_json(), 1..8).boxed(),
        prop::collection::vec(near_valid_item(), 1..16).boxed(),
    ];
    for strategy in batches {
        TestRunner::new(config.clone())
            .run(&strategy, |items| {
                push(json!({ "metrics": items }).to_string().into_bytes())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
    TestRunner::new(config.clone())
        .run(&arb_json(), |v| push(v.to_string().into_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    TestRunner::new(config)
        .run(&prop::collection::vec(any::<u8>(), 0..512), push)
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(pushgateway_still_accepts(&app, &a));
    println!(
        "property-based hostile input: {} requests, no 5xx",
        4 * CASES
    );
}
