//! `GET /prometheus/api/v1/metadata`, scoped to the reader. Prometheus keeps metadata per
//! metric name across all targets, not per series, so two filters apply: only the names the
//! tenant has series of are answered, and the help text is the reader's own. A family that
//! several tenants push is exposed with the help the first of them brought (the exposition
//! has one `# HELP` per name), which is another account's words: it is replaced here.

use super::{PromError, begin};
use crate::domain::{MetricSchema, UserId, builtin};
use crate::ingest::registry::Registry;
use crate::query::tenant::tenant_only_selector;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::collections::HashSet;

pub async fn metadata(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let timeout = r.limits.timeout;
    let names_form = vec![("match[]".to_owned(), tenant_only_selector(&r.tenant))];
    let (status, names) = state
        .prometheus
        .get_json("/api/v1/label/__name__/values", &names_form, timeout)
        .await?;
    if !status.is_success() {
        return Ok(HttpResponse::build(status).json(names));
    }
    let own: HashSet<&str> = names["data"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let (status, mut answer) = state
        .prometheus
        .get_json(
            "/api/v1/metadata",
            &r.params.passthrough(&["metric"]),
            timeout,
        )
        .await?;
    let limit = r
        .params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    if let Some(data) = answer["data"].as_object_mut() {
        let registry = state.registry.current();
        let kept: serde_json::Map<String, Value> = data
            .iter()
            .filter(|(metric, _)| is_own(&own, metric))
            .take(limit.unwrap_or(usize::MAX))
            .map(|(metric, entries)| {
                let help = own_help(&state, &registry, r.user, metric);
                (metric.clone(), with_help(entries, &help))
            })
            .collect();
        *data = kept;
    }
    Ok(HttpResponse::build(status).json(answer))
}

/// Whether the tenant has series of `metric` (a histogram's `x` for its `x_bucket`, …).
fn is_own(own: &HashSet<&str>, metric: &str) -> bool {
    own.contains(metric)
        || ["_bucket", "_sum", "_count"]
            .iter()
            .any(|suffix| own.contains(format!("{metric}{suffix}").as_str()))
}

/// The help the reader gave `metric`: its config's description, the built-in metric's help,
/// or what it pushed when no other tenant pushes that name; else none.
fn own_help(state: &AppState, registry: &Registry, user: UserId, metric: &str) -> String {
    let declared = registry
        .declared(user, metric)
        .and_then(|d| d.schema.help.clone());
    declared
        .or_else(|| builtin::find(metric).map(|b| b.help.to_owned()))
        .or_else(|| state.aggregator.own_help(metric, user))
        .unwrap_or_else(|| MetricSchema::DEFAULT_HELP.to_owned())
}

/// Prometheus answers a list of `{type, help, unit}` per metric (one per distinct metadata
/// among its targets): each gets the reader's help, and duplicates that leaves are merged.
fn with_help(entries: &Value, help: &str) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for entry in entries.as_array().into_iter().flatten() {
        let mut entry = entry.clone();
        if let Some(fields) = entry.as_object_mut() {
            fields.insert("help".to_owned(), Value::String(help.to_owned()));
        }
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_entry_gets_the_readers_help_and_duplicates_merge() {
        let entries = json!([
            {"type": "counter", "help": "A's words", "unit": ""},
            {"type": "counter", "help": "B's words", "unit": ""},
            {"type": "gauge", "help": "A's words", "unit": ""},
        ]);
        assert_eq!(
            with_help(&entries, "mine"),
            json!([
                {"type": "counter", "help": "mine", "unit": ""},
                {"type": "gauge", "help": "mine", "unit": ""},
            ])
        );
    }

    #[test]
    fn a_histograms_parts_count_as_its_name() {
        let own: HashSet<&str> = ["latency_seconds_bucket", "orders_total"].into();
        assert!(is_own(&own, "latency_seconds"));
        assert!(is_own(&own, "orders_total"));
        assert!(!is_own(&own, "a_only_total"));
    }
}
