//! Data points of protocols that send series one by one with values their clients computed
//! (OTLP): a cumulative point sets its series, a delta adds to it. Each point is judged on
//! its own, like the items of a batch.

use super::apply::Reason;
use super::pushed::PointSample;
use super::series::SeriesValue;
use super::state::{Context, State, Target};
use crate::domain::UserId;

impl State {
    /// Applies every point it can; returns the positions of the others with their reason.
    pub(super) fn apply_points(
        &mut self,
        tenant: UserId,
        points: &[PointSample],
        context: Context<'_>,
    ) -> Vec<(usize, Reason)> {
        let mut refused = Vec::new();
        for (index, point) in points.iter().enumerate() {
            let target = Target {
                tenant,
                name: &point.name,
                schema: &point.schema,
                declared: point.declared,
                labels: &point.labels,
            };
            let applied = self.upsert(
                &target,
                context,
                |value| {
                    value
                        .merge(&point.value, point.temporality)
                        .map_err(|_| Reason::BoundsChanged)
                },
                || SeriesValue::from_current(&point.value),
            );
            if let Err(reason) = applied {
                refused.push((index, reason));
            }
        }
        refused
    }
}
