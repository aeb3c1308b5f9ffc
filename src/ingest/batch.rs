//! The JSON batch decoded in one pass into borrowed, typed parts (issue 17): strings point into
//! the body unless they hold escapes, an item's fields are a struct, its labels a small vector,
//! and no `serde_json::Value` tree is built. Decoding never refuses a JSON value of an
//! unexpected type: it keeps what the rules look at (`Json`) and the envelope and the item
//! validator judge it, with the answers they gave the `Value` tree. Every value is still read
//! through `deserialize_any`, so a body that is not JSON fails with serde_json's own error at
//! the same place (syntax, number range, lone surrogates, nesting depth).
//!
//! Duplicate keys keep the last value, and the first unknown key is the smallest in byte
//! order, as the `Value` tree's `BTreeMap` did.
//! Over 300 lines: the decoder's visitors and the borrowed types they fill belong together.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

/// A JSON value as far as the rules look at it: strings and numbers, and the kind of the rest.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool,
    Number(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl Json<'_> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A top-level batch: `{"metrics": [...], "batch_id"?: ...}` or something else.
#[derive(Debug)]
pub enum Batch<'a> {
    NotObject,
    Object {
        metrics: Option<Metrics<'a>>,
        batch_id: Option<Json<'a>>,
        /// the smallest key that is neither `metrics` nor `batch_id`
        unknown: Option<Cow<'a, str>>,
    },
}

#[derive(Debug)]
pub enum Metrics<'a> {
    NotArray,
    Array(Vec<Item<'a>>),
}

/// One item of `metrics`: an object with its fields, or something else.
// Nearly every item is an object: boxing its fields would cost an allocation per item.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Item<'a> {
    NotObject,
    Object(ItemFields<'a>),
}

#[derive(Debug, Default)]
pub struct ItemFields<'a> {
    pub name: Option<Json<'a>>,
    pub kind: Option<Json<'a>>,
    pub value: Option<Json<'a>>,
    pub labels: Option<Labels<'a>>,
    pub op: Option<Json<'a>>,
    /// the smallest key that is not a field of an item
    pub unknown: Option<Cow<'a, str>>,
}

impl ItemFields<'_> {
    /// `name` when it is a string.
    pub fn raw_name(&self) -> Option<&str> {
        self.name.as_ref().and_then(Json::as_str)
    }
}

/// An item's `labels`: `null`, an object (pairs sorted by name, one per name), or else.
// Inline on purpose: the labels of an item without an allocation (see `LabelPairs`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Labels<'a> {
    Null,
    NotObject,
    Object(LabelPairs<'a>),
}

/// Few labels per item: kept inline, no allocation for up to eight.
pub type LabelPairs<'a> = SmallVec<[(Cow<'a, str>, Json<'a>); 8]>;

/// Decodes a body; the error is serde_json's, as decoding into a `Value` gave it.
pub fn decode(body: &[u8]) -> Result<Batch<'_>, serde_json::Error> {
    serde_json::from_slice(body)
}

/// Keeps the smaller of two unknown keys (the `BTreeMap` order of the `Value` tree).
fn smallest<'a>(current: &mut Option<Cow<'a, str>>, key: Cow<'a, str>) {
    if current.as_deref().is_none_or(|c| key.as_ref() < c) {
        *current = Some(key);
    }
}

/// A map key or string, borrowed from the body when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// What a JSON value is, for the kinds that are judged by their type (see `Json`).
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool)
    }
    // as `serde_json::Number::as_f64` reads each representation
    fn visit_u64<E>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        // every element is still read as a value, to fail where the Value tree failed
        while seq.next_element::<Json<'de>>()?.is_some() {}
        Ok(Json::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        while map.next_entry::<Text<'de>, Json<'de>>()?.is_some() {}
        Ok(Json::Object)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// Implements a visitor that answers `$other` for every value but the one it handles.
macro_rules! other_values {
    ($other:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

/// For a visitor of objects: reads an array as values, answering `$other`.
macro_rules! other_seq {
    ($other:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<Json<'de>>()?.is_some() {}
            Ok($other)
        }
    };
}

impl<'de> Deserialize<'de> for Batch<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Batch<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Batch::NotObject);
            other_seq!(Batch::NotObject);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Batch<'de>, A::Error> {
                let (mut metrics, mut batch_id, mut unknown) = (None, None, None);
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    match key.as_ref() {
                        "metrics" => metrics = Some(map.next_value::<Metrics<'de>>()?),
                        "batch_id" => batch_id = Some(map.next_value::<Json<'de>>()?),
                        _ => {
                            map.next_value::<Json<'de>>()?;
                            smallest(&mut unknown, key);
                        }
                    }
                }
                Ok(Batch::Object {
                    metrics,
                    batch_id,
                    unknown,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Metrics<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metrics<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Metrics::NotArray);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metrics<'de>, A::Error> {
                while map.next_entry::<Text<'de>, Json<'de>>()?.is_some() {}
                Ok(Metrics::NotArray)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Metrics<'de>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element::<Item<'de>>()? {
                    items.push(item);
                }
                Ok(Metrics::Array(items))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Item::NotObject);
            other_seq!(Item::NotObject);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
                let mut f = ItemFields::default();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    let slot = match key.as_ref() {
                        "name" => &mut f.name,
                        "type" => &mut f.kind,
                        "value" => &mut f.value,
                        "op" => &mut f.op,
                        "labels" => {
                            f.labels = Some(map.next_value::<Labels<'de>>()?);
                            continue;
                        }
                        _ => {
                            map.next_value::<Json<'de>>()?;
                            smallest(&mut f.unknown, key);
                            continue;
                        }
                    };
                    *slot = Some(map.next_value::<Json<'de>>()?);
                }
                Ok(Item::Object(f))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Labels<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Labels<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Labels<'de>, E> {
                Ok(Labels::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Labels<'de>, E> {
                Ok(Labels::NotObject)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Labels<'de>, E> {
                Ok(Labels::NotObject)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Labels<'de>, E> {
                Ok(Labels::NotObject)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Labels<'de>, E> {
                Ok(Labels::NotObject)
            }
            fn visit_str<E>(self, _: &str) -> Result<Labels<'de>, E> {
                Ok(Labels::NotObject)
            }
            other_seq!(Labels::NotObject);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels<'de>, A::Error> {
                let mut pairs = LabelPairs::new();
                while let Some((Text(name), value)) = map.next_entry::<Text<'de>, Json<'de>>()? {
                    pairs.push((name, value));
                }
                // sorted by name, the last of equal names kept (a stable sort keeps their order)
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                let mut kept = LabelPairs::with_capacity(pairs.len());
                for pair in pairs {
                    match kept.last_mut() {
                        Some(last) if last.0 == pair.0 => *last = pair,
                        _ => kept.push(pair),
                    }
                }
                Ok(Labels::Object(kept))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
