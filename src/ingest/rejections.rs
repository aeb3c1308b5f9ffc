//! The live view's rejections, grouped: one group per (metric name, code) with how many
//! items it refused, the latest message, and when it was first and last seen. A site sending
//! one bad item every 200 ms is one row with a rising count, not a page of identical rows.
//! Newest (last seen) group first; at most `MAX_GROUPS` per tenant, the least recently seen
//! dropped first.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;

pub const MAX_GROUPS: usize = 50;

#[derive(Clone, Debug, PartialEq)]
pub struct RejectionGroup {
    /// the refused item's metric name; none for a whole request refused (e.g. an empty batch)
    pub metric_name: Option<String>,
    pub code: &'static str,
    pub count: u64,
    /// the latest refusal's message (it may name a value, which changes within a group)
    pub message: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// One tenant's groups, newest first.
#[derive(Clone, Debug, Default)]
pub struct Rejections {
    groups: VecDeque<RejectionGroup>,
}

impl Rejections {
    /// Counts one refusal at `at` into its group, which becomes the newest.
    pub fn record(
        &mut self,
        at: DateTime<Utc>,
        metric_name: Option<&str>,
        code: &'static str,
        message: &str,
    ) {
        let same = |g: &RejectionGroup| g.code == code && g.metric_name.as_deref() == metric_name;
        let group = match self.groups.iter().position(same) {
            Some(i) => self.groups.remove(i),
            None => None,
        };
        let group = match group {
            Some(mut g) => {
                g.count += 1;
                if g.message != message {
                    message.clone_into(&mut g.message);
                }
                g.last_seen = g.last_seen.max(at);
                g
            }
            None => RejectionGroup {
                metric_name: metric_name.map(str::to_owned),
                code,
                count: 1,
                message: message.to_owned(),
                first_seen: at,
                last_seen: at,
            },
        };
        self.groups.push_front(group);
        self.groups.truncate(MAX_GROUPS);
    }

    /// Newest first.
    pub fn groups(&self) -> impl Iterator<Item = &RejectionGroup> {
        self.groups.iter()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn the_same_metric_and_code_is_one_group_with_a_count_and_the_latest_message() {
        let mut r = Rejections::default();
        for i in 0..60 {
            let message = format!("value {i} is not finite");
            r.record(at(i), Some("cart_items"), "invalid_value", &message);
        }
        let groups: Vec<_> = r.groups().collect();
        assert_eq!(groups.len(), 1);
        let g = groups[0];
        assert_eq!(
            (g.count, g.message.as_str()),
            (60, "value 59 is not finite")
        );
        assert_eq!((g.first_seen, g.last_seen), (at(0), at(59)));
    }

    #[test]
    fn groups_are_by_metric_and_code_newest_first() {
        let mut r = Rejections::default();
        r.record(at(0), Some("a"), "invalid_value", "m");
        r.record(at(1), Some("a"), "type_mismatch", "m");
        r.record(at(2), Some("b"), "invalid_value", "m");
        r.record(at(3), None, "empty_batch", "m");
        r.record(at(4), Some("a"), "invalid_value", "m");
        let order: Vec<_> = r
            .groups()
            .map(|g| (g.metric_name.as_deref(), g.code, g.count))
            .collect();
        assert_eq!(
            order,
            [
                (Some("a"), "invalid_value", 2),
                (None, "empty_batch", 1),
                (Some("b"), "invalid_value", 1),
                (Some("a"), "type_mismatch", 1),
            ]
        );
        let a = r.groups().next().unwrap();
        assert_eq!((a.first_seen, a.last_seen), (at(0), at(4)));
    }

    #[test]
    fn at_most_fifty_groups_the_least_recently_seen_dropped() {
        let mut r = Rejections::default();
        for i in 0..60 {
            r.record(at(i), Some(&format!("m{i}")), "invalid_value", "x");
        }
        // m10 is seen again: it is the newest, and survives the next new group
        r.record(at(100), Some("m10"), "invalid_value", "x");
        r.record(at(101), Some("new"), "invalid_value", "x");
        assert_eq!(r.len(), MAX_GROUPS);
        let names: Vec<_> = r.groups().filter_map(|g| g.metric_name.clone()).collect();
        assert_eq!(names[..2], ["new".to_owned(), "m10".to_owned()]);
        assert!(names.contains(&"m59".to_owned()));
        // m0..m9 went at the 51st..60th group; m11 was then the least recently seen
        assert!(!names.contains(&"m11".to_owned()) && names.contains(&"m12".to_owned()));
        assert_eq!(
            r.groups()
                .find(|g| g.metric_name.as_deref() == Some("m10"))
                .unwrap()
                .count,
            2
        );
    }

    #[test]
    fn last_seen_never_goes_back() {
        let mut r = Rejections::default();
        r.record(at(10), Some("a"), "c", "m");
        r.record(at(10) - TimeDelta::seconds(5), Some("a"), "c", "m");
        assert_eq!(r.groups().next().unwrap().last_seen, at(10));
    }
}
