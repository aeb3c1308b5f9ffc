//! The typed decoding against the `serde_json::Value` tree it replaced: for each body, the same
//! error (message and position) or the same view of what the rules look at.

use super::*;
use proptest::prelude::*;
use serde_json::Value;

/// What the rules read from a batch, written out from the `Value` tree (the old decoding).
fn view_of_value(v: &Value) -> String {
    let Some(obj) = v.as_object() else {
        return "not object".into();
    };
    let unknown = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "metrics" | "batch_id"));
    let metrics = match obj.get("metrics") {
        None => "none".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(item_of_value)
            .collect::<Vec<_>>()
            .join(";"),
        Some(_) => "not array".to_owned(),
    };
    format!(
        "unknown={unknown:?} batch_id={:?} metrics=[{metrics}]",
        obj.get("batch_id").map(json_of_value)
    )
}

fn json_of_value(v: &Value) -> Json<'_> {
    match v {
        Value::Null => Json::Null,
        Value::Bool(_) => Json::Bool,
        Value::Number(n) => Json::Number(n.as_f64().unwrap()),
        Value::String(s) => Json::Str(Cow::Borrowed(s)),
        Value::Array(_) => Json::Array,
        Value::Object(_) => Json::Object,
    }
}

const ITEM_FIELDS: [&str; 5] = ["name", "type", "value", "labels", "op"];

fn item_of_value(v: &Value) -> String {
    let Some(obj) = v.as_object() else {
        return "not object".into();
    };
    let field = |k: &str| obj.get(k).map(json_of_value);
    let labels = match obj.get("labels") {
        None => "none".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Object(m)) => format!(
            "{:?}",
            m.iter()
                .map(|(k, v)| (k.as_str(), json_of_value(v)))
                .collect::<Vec<_>>()
        ),
        Some(_) => "not object".to_owned(),
    };
    format!(
        "name={:?} type={:?} value={:?} op={:?} labels={labels} unknown={:?}",
        field("name"),
        field("type"),
        field("value"),
        field("op"),
        obj.keys().find(|k| !ITEM_FIELDS.contains(&k.as_str()))
    )
}

/// The same view from the typed decoding.
fn view_of_batch(b: &Batch<'_>) -> String {
    let Batch::Object {
        metrics,
        batch_id,
        unknown,
    } = b
    else {
        return "not object".into();
    };
    let metrics = match metrics {
        None => "none".to_owned(),
        Some(Metrics::Array(items)) => items
            .iter()
            .map(item_of_batch)
            .collect::<Vec<_>>()
            .join(";"),
        Some(Metrics::NotArray) => "not array".to_owned(),
    };
    format!(
        "unknown={:?} batch_id={batch_id:?} metrics=[{metrics}]",
        unknown.as_deref()
    )
}

fn item_of_batch(i: &Item<'_>) -> String {
    let Item::Object(f) = i else {
        return "not object".into();
    };
    let labels = match &f.labels {
        None => "none".to_owned(),
        Some(Labels::Null) => "null".to_owned(),
        Some(Labels::Object(pairs)) => format!(
            "{:?}",
            pairs
                .iter()
                .map(|(k, v)| (k.as_ref(), v.clone()))
                .collect::<Vec<_>>()
        ),
        Some(Labels::NotObject) => "not object".to_owned(),
    };
    format!(
        "name={:?} type={:?} value={:?} op={:?} labels={labels} unknown={:?}",
        f.name,
        f.kind,
        f.value,
        f.op,
        f.unknown.as_deref()
    )
}

fn same_as_value(body: &str) {
    let old = serde_json::from_str::<Value>(body);
    let new = decode(body.as_bytes());
    match (old, new) {
        (Ok(v), Ok(b)) => assert_eq!(view_of_value(&v), view_of_batch(&b), "body {body}"),
        (Err(o), Err(n)) => assert_eq!(o.to_string(), n.to_string(), "body {body}"),
        (o, n) => panic!(
            "body {body}: Value {:?}, typed {:?}",
            o.map(|_| ()),
            n.map(|_| ())
        ),
    }
}

#[test]
fn edge_cases_read_as_the_value_tree_read_them() {
    for body in [
        r#"{"metrics":[{"name":"a","type":"counter","value":1}]}"#,
        // escapes: owned strings, same text
        r#"{"metrics":[{"name":"a\u005fb","type":"c\nounter","value":1,"labels":{"p\u0061th":"\"/\u00e9\""}}]}"#,
        r#"{"metrics":[{"name":"\ud83d\ude00","value":1}]}"#,
        // duplicate keys: the last one counts, at every level
        r#"{"metrics":[],"metrics":[{"name":"a","name":"b","value":1,"value":"x"}]}"#,
        r#"{"metrics":[{"name":"a","labels":{"x":"1","y":"2","x":"3"},"labels":{"z":"4","z":5}}]}"#,
        r#"{"batch_id":"one","batch_id":null,"metrics":[1]}"#,
        // unknown keys: the smallest in byte order, as a BTreeMap lists them
        r#"{"zz":1,"metrics":[{"ts":1,"b":2,"B":3,"name":"x"}],"aa":[{}]}"#,
        r#"{"metrics":[{"timestamp":[1,{"x":[]}],"zz":null}]}"#,
        // wrong types everywhere
        r#"{"metrics":{"name":"a"}}"#,
        r#"{"metrics":"x","batch_id":7}"#,
        r#"[{"metrics":[]}]"#,
        r#""metrics""#,
        "null",
        "12",
        r#"{"metrics":[null,true,"s",[1],{"name":1,"type":[],"value":{},"op":false,"labels":[]}]}"#,
        r#"{"metrics":[{"labels":"x"},{"labels":null},{"labels":1.5},{"labels":{"a":null,"b":{},"c":[]}}]}"#,
        // numbers as Number::as_f64 reads them
        r#"{"metrics":[{"value":-0},{"value":1e308},{"value":-9223372036854775808},{"value":18446744073709551615},{"value":18446744073709551616},{"value":0.1}]}"#,
        // not JSON: serde_json's own errors, at the same place
        r#"{"metrics":[{"value":1e400}]}"#,
        r#"{"metrics":[{"name":"\ud800"}]}"#,
        r#"{"metrics":[{"labels":{"a":"\ud800x"}}]}"#,
        r#"{"metrics":[{"zz":"\ud800"}]}"#,
        r#"{"metrics":[{"zz":[1e400]}]}"#,
        r#"{"metrics":[{"name":"a\q"}]}"#,
        r#"{"metrics":[],}"#,
        r#"{"metrics":[]} x"#,
        r#"{"metrics":[{"name":"a"}"#,
        "",
        "   ",
        r#"{"metrics":[NaN]}"#,
        r#"{"\ud800":1}"#,
    ] {
        same_as_value(body);
    }
}

#[test]
fn nesting_deeper_than_serde_json_allows_fails_the_same_way() {
    for depth in [126, 127, 128, 129, 200] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        for body in [
            format!(r#"{{"metrics":[{{"zz":{nested}}}]}}"#),
            format!(r#"{{"metrics":[{{"labels":{{"a":{nested}}}}}]}}"#),
            format!(r#"{{"batch_id":{nested},"metrics":[]}}"#),
            nested.clone(),
        ] {
            same_as_value(&body);
        }
    }
}

#[test]
fn strings_without_escapes_are_borrowed() {
    let body = br#"{"metrics":[{"name":"views","labels":{"path":"/a","q":"x\ty"}}]}"#;
    let Ok(Batch::Object {
        metrics: Some(Metrics::Array(items)),
        ..
    }) = decode(body)
    else {
        panic!("a batch")
    };
    let Item::Object(f) = &items[0] else {
        panic!("an item")
    };
    assert!(matches!(f.name, Some(Json::Str(Cow::Borrowed("views")))));
    let Some(Labels::Object(pairs)) = &f.labels else {
        panic!("labels")
    };
    assert!(matches!(
        pairs[0],
        (Cow::Borrowed("path"), Json::Str(Cow::Borrowed("/a")))
    ));
    assert!(matches!(&pairs[1].1, Json::Str(Cow::Owned(s)) if s == "x\ty"));
}

/// JSON-ish text built from the pieces a batch is made of, many of them broken.
fn bodyish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("1".to_owned()),
        Just("-2.5e3".to_owned()),
        Just("1e999".to_owned()),
        Just(r#""a""#.to_owned()),
        Just(r#""\u00e9\n""#.to_owned()),
        Just(r#""\ud800""#.to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("nul".to_owned()),
    ];
    let key = prop_oneof![
        Just("metrics"),
        Just("batch_id"),
        Just("name"),
        Just("type"),
        Just("value"),
        Just("labels"),
        Just("op"),
        Just("ts"),
        Just("path"),
        Just("Zed"),
        Just("a\\u0062"),
    ];
    atom.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn any_body_reads_as_the_value_tree_read_it(body in bodyish(), cut in 0usize..200) {
        same_as_value(&body);
        // and cut short anywhere (on a character boundary)
        let mut end = cut.min(body.len());
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        same_as_value(&body[..end]);
    }
}
