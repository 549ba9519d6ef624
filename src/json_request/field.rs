//! Lenient JSON fields: a property is absent, present with the expected type, or present with
//! another type, so a checker can report a wrong type with every other problem at once instead of
//! failing the whole body at the first one.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};

/// A value that was present: of the expected type, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<T> {
    /// The value, as expected.
    Given(T),
    /// Present, but of another JSON type (a number where a string belongs, …).
    WrongType,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through a `Value`, so a wrong type here does not fail the whole body.
        let v = serde_json::Value::deserialize(d)?;
        Ok(T::deserialize(v).map_or(Self::WrongType, Self::Given))
    }
}

// Serialisable so the `OpenAPI` derive can state the defaults (`null`: absent); a value of the
// wrong type comes out as `null` too.
impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Given(v) => v.serialize(s),
            Self::WrongType => s.serialize_none(),
        }
    }
}

impl<T> Field<T> {
    /// The value when it has the expected type.
    pub fn given(&self) -> Option<&T> {
        match self {
            Self::Given(v) => Some(v),
            Self::WrongType => None,
        }
    }
}

/// An optional string field.
pub type Text = Option<Field<String>>;
/// An optional object field.
pub type Obj<T> = Option<Field<T>>;
/// An optional array field.
pub type List<T> = Option<Field<Vec<Field<T>>>>;

/// A string field's value when present and a string.
#[allow(
    clippy::ref_option,
    reason = "takes the field as the models hold it, `&Option<Field<T>>`"
)]
pub fn val(t: &Text) -> Option<&str> {
    t.as_ref().and_then(Field::given).map(String::as_str)
}

/// An object field's value when present and an object.
#[allow(
    clippy::ref_option,
    reason = "takes the field as the models hold it, `&Option<Field<T>>`"
)]
pub fn obj<T>(o: &Obj<T>) -> Option<&T> {
    o.as_ref().and_then(Field::given)
}

/// The items of an array field that have the expected type.
#[allow(
    clippy::ref_option,
    reason = "takes the field as the models hold it, `&Option<Field<T>>`"
)]
pub fn items<T>(l: &List<T>) -> impl Iterator<Item = &T> {
    l.as_ref()
        .and_then(Field::given)
        .into_iter()
        .flatten()
        .filter_map(Field::given)
}
