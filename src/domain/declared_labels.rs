//! The labels a metric config declares, each with its default value (`None`: the label is
//! absent when a push does not send it). Stored as a JSON object (`metric_configs.labels`).

use super::LabelName;
use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Jsonb};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
#[serde(transparent)]
pub struct DeclaredLabels(BTreeMap<LabelName, Option<String>>);

impl DeclaredLabels {
    pub fn new(labels: BTreeMap<LabelName, Option<String>>) -> Self {
        Self(labels)
    }

    /// Reads the stored JSON object back; `Err` names what is not a declaration.
    pub fn from_json(value: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Object(map) = value else {
            return Err("declared labels are not a JSON object".into());
        };
        map.into_iter()
            .map(|(name, default)| {
                let name = LabelName::parse(&name, usize::MAX)?;
                let default = match default {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    other => return Err(format!("the default of {name} is not a string: {other}")),
                };
                Ok((name, default))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.keys().any(|l| l.as_ref() == name)
    }

    /// Label names in order, with their defaults.
    pub fn iter(&self) -> impl Iterator<Item = (&LabelName, Option<&str>)> {
        self.0
            .iter()
            .map(|(name, default)| (name, default.as_deref()))
    }
}
