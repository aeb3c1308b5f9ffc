//! Names no tenant may declare or push (SPEC §5.2): the Pushgateway's own, pushgate's own, and
//! the built-in auto-track metrics with the series names they imply.

use super::builtin::BUILTIN_METRICS;

const RESERVED_PREFIXES: [&str; 4] = ["go_", "process_", "pushgateway_", "pushgate_"];
const RESERVED_NAMES: [&str; 2] = ["push_time_seconds", "push_failure_time_seconds"];
const IMPLIED_SUFFIXES: [&str; 4] = ["_bucket", "_sum", "_count", "_created"];

/// Why a name is reserved, phrased for the person who chose it; `None` when it is free.
pub fn reserved_reason(name: &str) -> Option<String> {
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(**p)) {
        return Some(format!(
            "metric name {name:?} is reserved: names starting with {prefix:?} belong to the Pushgateway or to pushgate itself; choose another name"
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Some(format!(
            "metric name {name:?} is reserved by the Pushgateway; choose another name"
        ));
    }
    if is_builtin_or_implied(name) {
        return Some(format!(
            "metric name {name:?} is a built-in auto-track metric (or a series it implies); only the tracking code may send it; choose another name"
        ));
    }
    None
}

/// True for a built-in name or one of `_bucket`/`_sum`/`_count`/`_created` added to it.
pub fn is_builtin_or_implied(name: &str) -> bool {
    BUILTIN_METRICS.iter().any(|m| {
        name == m.name
            || IMPLIED_SUFFIXES
                .iter()
                .any(|s| name.strip_suffix(s) == Some(m.name))
    })
}

#[cfg(test)]
mod tests {
    use super::reserved_reason;

    #[test]
    fn reserved_names_are_refused() {
        for name in [
            "go_goroutines",
            "process_cpu_seconds_total",
            "pushgateway_build_info",
            "push_time_seconds",
            "push_failure_time_seconds",
            "pushgate_active_series",
            "page_views_total",
            "page_load_seconds_bucket",
            "web_vitals_cls_count",
            "time_on_page_seconds_created",
        ] {
            assert!(reserved_reason(name).is_some(), "{name} should be reserved");
        }
        for name in [
            "signups_total",
            "page_views",
            "gopher_count",
            "checkout_seconds",
        ] {
            assert!(reserved_reason(name).is_none(), "{name} should be free");
        }
    }
}
