//! A Pushgateway API push through the ingestion pipeline: the body read in its format, every
//! family judged, the group replaced in the aggregate at once, the push recorded for the live
//! view and pushgate's own metrics. Taken whole or refused whole with every reason.

use super::body;
use super::grouping::GroupingKey;
use super::judge::{FamilyError, GroupJudge};
use crate::aggregator::GroupMode;
use crate::ingest::credentials::Pusher;
use crate::ingest::outcome::{ItemError, describe};
use crate::ingest::pipeline::Pipeline;
use serde::Serialize;

/// What an accepted push did.
#[derive(Debug, Serialize)]
pub struct GroupOutcome {
    /// the families of this push
    pub families: usize,
    /// the series of this push
    pub series: usize,
    /// the group's series after it (a `POST` keeps the families it did not name)
    pub group_series: usize,
}

/// Why a push was refused: the body is not in either format, or some families are invalid.
#[derive(Debug)]
pub enum GroupRefused {
    Malformed(String),
    Families(Vec<FamilyError>),
}

impl Pipeline<'_> {
    /// Applies one `PUT` (`Replace`) or `POST` (`Merge`) of `pusher` to the group `key`.
    pub fn push_group(
        &self,
        pusher: &Pusher,
        key: &GroupingKey,
        mode: GroupMode,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<GroupOutcome, GroupRefused> {
        let tenant = pusher.key.user_id;
        let families = body::parse(content_type, body).map_err(|message| {
            self.live
                .record_refusal(tenant, "invalid_body", message.clone());
            GroupRefused::Malformed(message)
        })?;
        let judge = GroupJudge {
            registry: self.registry,
            tenant,
            limits: self.limits,
        };
        let refuse = |errors: Vec<FamilyError>| {
            let items = ItemError::listed(
                errors
                    .iter()
                    .map(|e| (e.family.as_str(), e.code, e.message.as_str())),
            );
            self.record(tenant, &[], &items);
            GroupRefused::Families(errors)
        };
        let families = judge.judge(families, key).map_err(refuse)?;
        let labels = key.labels().iter().cloned().collect();
        let group_series = self
            .aggregator
            .push_group(tenant, labels, mode, &families, &self.registry.claims)
            .map_err(|refusal| {
                let (code, message) = describe(refusal.reason, &refusal.family);
                refuse(vec![FamilyError {
                    family: refusal.family,
                    code,
                    message,
                }])
            })?;
        // one live sample per series, as if each had been an item of a batch
        let accepted: Vec<&str> = families
            .iter()
            .flat_map(|f| std::iter::repeat_n(f.name.as_str(), f.series.len()))
            .collect();
        self.record(tenant, &accepted, &[]);
        Ok(GroupOutcome {
            families: families.len(),
            series: accepted.len(),
            group_series,
        })
    }

    /// `DELETE`: drops the group `key` of `pusher`; whether there was one.
    pub fn delete_group(&self, pusher: &Pusher, key: &GroupingKey) -> bool {
        let labels = key.labels().iter().cloned().collect();
        self.aggregator.delete_group(pusher.key.user_id, labels)
    }
}
