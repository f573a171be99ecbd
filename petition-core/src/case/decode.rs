//! Decoding a stored event's kind without serde's buffering.
//!
//! `EventKind` is internally tagged (`"type": "accepted"` beside the payload's fields), and
//! serde's derive for that form reads the whole object into an intermediate tree before it knows
//! which variant to build, then builds it from the tree. A case is the fold of its events, so
//! every read of a case decodes all of them that way. [`kind_from_json`] takes the tag already
//! read (the first pass, `Event::from_json`) and reads the variant's fields straight from the
//! text through `ByTag`: the same variants, externally tagged, defined with `EventKind` from one
//! list (`event_kinds!` in `model`).

use serde::de::{self, DeserializeSeed, EnumAccess, IntoDeserializer, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::event::{ByTag, EventKind};

/// The kind of the event whose JSON text is `text` and whose `type` is `tag`.
pub(super) fn kind_from_json(text: &str, tag: &str) -> serde_json::Result<EventKind> {
    let mut de = serde_json::Deserializer::from_str(text);
    let kind = ByTag::deserialize(Tagged { tag, de: &mut de })?;
    de.end()?;
    Ok(kind)
}

/// An enum whose variant is `tag` and whose content is the object `de` reads next: the whole
/// event, whose other fields (`case`, `type`, `gseq`, …) the variant's fields ignore.
struct Tagged<'t, 'a, 'de> {
    tag: &'t str,
    de: &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
}

impl<'de> Deserializer<'de> for Tagged<'_, '_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> serde_json::Result<V::Value> {
        Err(de::Error::custom("an event's kind is read as an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de> EnumAccess<'de> for Tagged<'_, '_, 'de> {
    type Error = serde_json::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> serde_json::Result<(V::Value, Self)> {
        let variant = seed.deserialize(
            IntoDeserializer::<serde_json::Error>::into_deserializer(self.tag),
        )?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for Tagged<'_, '_, 'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> serde_json::Result<()> {
        de::IgnoredAny::deserialize(self.de).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> serde_json::Result<T::Value> {
        seed.deserialize(self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> serde_json::Result<V::Value> {
        Err(de::Error::custom("no event kind is a tuple"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        self.de.deserialize_struct("EventKind", fields, visitor)
    }
}
