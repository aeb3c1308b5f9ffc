//! How the domain types are stored: metric names and kinds as text, declared labels as JSONB.
//! Reading one back parses it again, so a row that does not hold a valid value is an error,
//! never a value of the type that breaks its rule.

use super::{DeclaredLabels, MetricKind, MetricName};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Jsonb, Text};
use std::io::Write;

impl ToSql<Text, Pg> for MetricName {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_ref(), out)
    }
}

impl FromSql<Text, Pg> for MetricName {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let raw = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        // Lengths are a limit of what is accepted, not of what was stored before.
        Ok(MetricName::parse(&raw, usize::MAX)?)
    }
}

impl ToSql<Text, Pg> for MetricKind {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for MetricKind {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let raw = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(MetricKind::parse(&raw)?)
    }
}

impl ToSql<Jsonb, Pg> for DeclaredLabels {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // JSONB's binary form: a version byte, then the JSON text.
        out.write_all(&[1])?;
        serde_json::to_writer(out, self)?;
        Ok(IsNull::No)
    }
}

impl FromSql<Jsonb, Pg> for DeclaredLabels {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let value = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(DeclaredLabels::from_json(value)?)
    }
}
