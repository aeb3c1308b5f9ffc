//! The limits of a query (issue 13): its range at most `PUSHGATE_QUERY_MAX_RANGE`, a step of
//! at least range / 11,000 (Prometheus's own resolution limit), and a timeout of at most
//! `PUSHGATE_QUERY_TIMEOUT`, passed on as Prometheus's `timeout`. Times and durations are read
//! the way Prometheus reads them: RFC 3339 or Unix seconds; `5m`-style or float seconds.

use super::tenant::Refused;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Prometheus refuses more points per series than this.
pub const MAX_POINTS: f64 = 11_000.0;

#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_range: Duration,
    pub timeout: Duration,
}

/// `1700000000`, `1700000000.5` or `2023-11-14T22:13:20Z`, as seconds since the epoch.
pub fn parse_time(name: &str, raw: &str) -> Result<f64, Refused> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<f64>()
        && secs.is_finite()
    {
        return Ok(secs);
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc).timestamp_millis() as f64 / 1000.0)
        .map_err(|_| {
            Refused(format!(
                "invalid parameter \"{name}\": cannot parse {raw:?} to a valid timestamp (Unix seconds or RFC 3339)"
            ))
        })
}

/// `30s`, `1h30m`, `1.5` (seconds): Prometheus's forms.
pub fn parse_duration(name: &str, raw: &str) -> Result<Duration, Refused> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| {
            Refused(format!(
                "invalid parameter \"{name}\": {raw:?} is not a positive duration"
            ))
        });
    }
    promql_parser::util::parse_duration(raw).map_err(|_| {
        Refused(format!(
            "invalid parameter \"{name}\": cannot parse {raw:?} to a valid duration (like 30s, 5m or 15)"
        ))
    })
}

/// Formats a duration the way Prometheus parses it back (`1m30s`).
pub fn prometheus_duration(d: Duration) -> String {
    promql_parser::util::display_duration(&Duration::from_millis(
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
    ))
}

impl QueryLimits {
    /// The timeout to pass on: the client's if shorter, else ours.
    pub fn timeout(&self, requested: Option<&str>) -> Result<Duration, Refused> {
        match requested.filter(|r| !r.trim().is_empty()) {
            None => Ok(self.timeout),
            Some(raw) => Ok(parse_duration("timeout", raw)?.min(self.timeout)),
        }
    }

    /// A range query: `end - start + lookback` within the maximum range, the step within the
    /// resolution limit.
    pub fn check_range(
        &self,
        start: f64,
        end: f64,
        step: Duration,
        lookback: Duration,
    ) -> Result<(), Refused> {
        if end < start {
            return Err(Refused(
                "invalid parameter \"end\": end timestamp must not be before start time".into(),
            ));
        }
        if step.is_zero() {
            return Err(Refused(
                "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
            ));
        }
        let range = end - start;
        self.check_span(range + lookback.as_secs_f64())?;
        let min_step = range / MAX_POINTS;
        if step.as_secs_f64() < min_step {
            return Err(Refused(format!(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX): at least {}s for this range",
                min_step.ceil()
            )));
        }
        Ok(())
    }

    /// An instant query reads only its lookback.
    pub fn check_span(&self, seconds: f64) -> Result<(), Refused> {
        if seconds > self.max_range.as_secs_f64() {
            return Err(Refused(format!(
                "the query reads {} of data, more than the limit of {} (PUSHGATE_QUERY_MAX_RANGE): choose a shorter time range or range selector",
                prometheus_duration(Duration::from_secs_f64(seconds)),
                prometheus_duration(self.max_range)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: QueryLimits = QueryLimits {
        max_range: Duration::from_secs(32 * 86400),
        timeout: Duration::from_secs(30),
    };

    #[test]
    fn times_and_durations_as_prometheus_reads_them() {
        assert_eq!(parse_time("t", "1700000000.5").unwrap(), 1_700_000_000.5);
        assert_eq!(
            parse_time("t", "2023-11-14T22:13:20Z").unwrap(),
            1_700_000_000.0
        );
        assert!(
            parse_time("start", "yesterday")
                .unwrap_err()
                .0
                .contains("\"start\"")
        );
        assert!(parse_time("t", "NaN").is_err());
        assert_eq!(
            parse_duration("step", "15").unwrap(),
            Duration::from_secs(15)
        );
        assert_eq!(
            parse_duration("step", "0.5").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(
            parse_duration("step", "1h30m").unwrap(),
            Duration::from_secs(5400)
        );
        assert!(parse_duration("step", "-1").is_err());
        assert!(parse_duration("step", "fast").is_err());
        assert_eq!(prometheus_duration(Duration::from_secs(90)), "1m30s");
    }

    #[test]
    fn timeout_is_the_shorter_one() {
        assert_eq!(LIMITS.timeout(None).unwrap(), Duration::from_secs(30));
        assert_eq!(LIMITS.timeout(Some("5s")).unwrap(), Duration::from_secs(5));
        assert_eq!(
            LIMITS.timeout(Some("10m")).unwrap(),
            Duration::from_secs(30)
        );
        assert!(LIMITS.timeout(Some("soon")).is_err());
    }

    #[test]
    fn range_step_and_lookback() {
        let day = 86400.0;
        let ok = |start: f64, end: f64, step: u64, lb: u64| {
            LIMITS.check_range(
                start,
                end,
                Duration::from_secs(step),
                Duration::from_secs(lb),
            )
        };
        assert!(ok(0.0, 30.0 * day, 3600, 0).is_ok());
        assert!(ok(0.0, 30.0 * day, 3600, 86400).is_ok());
        assert!(
            ok(0.0, 30.0 * day, 3600, 3 * 86400)
                .unwrap_err()
                .0
                .contains("PUSHGATE_QUERY_MAX_RANGE")
        );
        assert!(ok(0.0, 33.0 * day, 3600, 0).is_err());
        // 1 h at 1 s is 3,600 points; 1 day at 1 s is 86,400: too many
        assert!(ok(0.0, 3600.0, 1, 0).is_ok());
        assert!(ok(0.0, day, 1, 0).unwrap_err().0.contains("11,000 points"));
        assert!(ok(0.0, day, 8, 0).is_ok());
        assert!(ok(10.0, 0.0, 1, 0).unwrap_err().0.contains("before start"));
        assert!(ok(0.0, 10.0, 0, 0).unwrap_err().0.contains("step"));
    }
}
