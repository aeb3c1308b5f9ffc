//! Property tests for the intake parsers: whatever bytes arrive, reading a Pushgateway API body
//! or path or an OTLP body answers with a value or a reason, never a panic (the routes turn
//! every reason into a 4xx).

use super::otlp::{Encoding, OtlpJudge};
use super::pushgateway::{GroupJudge, GroupingKey, body};
use crate::domain::UserId;
use crate::ingest::registry::Registry;
use crate::settings::Limits;
use proptest::prelude::*;

const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

fn limits() -> Limits {
    Limits::default()
}

/// Lines that look like the text format, so the cases reach deep into the parser.
fn exposition_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "# (TYPE|HELP) [a-z_]{1,6}( (counter|gauge|histogram|summary|untyped|x))?",
        "[a-z_]{1,6}(_bucket|_sum|_count|_total)?(\\{([a-z_]{1,4}=\"[^\"\\n]{0,4}\",?){0,3}\\})? (-?[0-9]{1,4}(\\.[0-9])?|NaN|\\+Inf|-Inf)( [0-9]{1,13})?",
        "[a-z_]{1,6}_bucket\\{le=\"(0\\.5|1|\\+Inf|x)\"\\} [0-9]{1,3}",
        ".{0,20}",
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn text_bodies_never_panic(text in exposition_like()) {
        let registry = Registry::default();
        let l = limits();
        if let (Ok(families), Ok(key)) = (body::parse(None, text.as_bytes()), GroupingKey::parse("job/x", &l)) {
            let judge = GroupJudge { registry: &registry, tenant: UserId(uuid::Uuid::nil()), limits: &l };
            let _ = judge.judge(families, &key);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = body::parse(Some(PROTOBUF), &bytes);
        let _ = body::parse(None, &bytes);
        let registry = Registry::default();
        let l = limits();
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            if let Ok(request) = encoding.decode(&bytes) {
                let judge = OtlpJudge { registry: &registry, tenant: UserId(uuid::Uuid::nil()), limits: &l };
                let _ = judge.judge(&request);
            }
        }
    }

    #[test]
    fn grouping_paths_never_panic(path in "(job|job@base64|x)(/[a-zA-Z_@%0-9=+-]{0,8}){0,6}/?") {
        let _ = GroupingKey::parse(&path, &limits());
    }
}
