//! Decoding a stored event's kind without serde's buffering.
//!
//! `EventKind` is internally tagged (`"type": "accepted"` beside the payload's fields), and
//! serde's derive for that form reads the whole object into an intermediate tree before it knows
//! which variant to build, then builds it from the tree. A case is the fold of its events, so
//! every read of a case decodes all of them that way. [`kind_from_json`] takes the tag already
//! read (the first pass, `Event::from_json`) and reads the variant's fields straight from the
//! text through [`ByTag`]: the same variants, externally tagged.

use chrono::NaiveDate;
use serde::de::{self, DeserializeSeed, EnumAccess, IntoDeserializer, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::data::{AmendField, DeclineGround, Outcome, ReviewOutcome, Satisfaction};
use super::model::{CloseReason, EventKind, Registered, SupervisionLevel, SupervisionOpen};
use crate::clock::ClockStart;
use crate::ids::{CaseId, StaffId, UnitCode};

/// `EventKind`'s variants again, for serde's remote derive: its `Deserialize` builds an
/// `EventKind` from an externally tagged form, reading each field from the text as it comes.
/// The compiler checks each variant's fields against `EventKind`'s (the derive builds them by
/// name), and the `Serialize` derive, which matches on `EventKind`, fails to compile when a
/// variant is missing here. `event_kinds_read_by_tag_as_by_serde` checks the field attributes.
#[derive(Serialize, Deserialize)]
#[serde(remote = "EventKind", rename_all = "snake_case")]
pub(super) enum ByTag {
    Registered(Box<Registered>),
    Transferred {
        to: UnitCode,
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    Assigned {
        to: UnitCode,
        report_by: NaiveDate,
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    Objected {
        reason: String,
    },
    ObjectionApproved {
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ObjectionRejected {
        note: Option<String>,
    },
    Accepted {
        assisting: Vec<UnitCode>,
        clocks: Vec<ClockStart>,
    },
    Declined {
        ground: DeclineGround,
        notice: String,
    },
    AssistInput {
        text: String,
    },
    Extended {
        days: u32,
        reason: String,
        due: NaiveDate,
    },
    OfficerAssigned {
        officer: StaffId,
    },
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionRejected {
        note: Option<String>,
    },
    Amended {
        field: AmendField,
        old: Option<String>,
        new: Option<String>,
        reason: String,
        collective: bool,
        skip_level: bool,
        repeat_of: Option<CaseId>,
        related: Vec<CaseId>,
        intake: Option<(u32, NaiveDate, NaiveDate)>,
    },
    OpinionIssued {
        outcome: Outcome,
        text: String,
        without_assist: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ResultReported {
        text: String,
    },
    ReviewRequested {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ReviewIssued {
        outcome: ReviewOutcome,
        text: String,
        clocks: Vec<ClockStart>,
    },
    RereviewRequested {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        clocks: Vec<ClockStart>,
    },
    HearingHeld {
        start: NaiveDate,
        end: NaiveDate,
        days: u32,
        due: NaiveDate,
    },
    RereviewIssued {
        outcome: ReviewOutcome,
        text: String,
        clocks: Vec<ClockStart>,
    },
    Closed {
        reason: CloseReason,
    },
    Evaluated {
        handling: Satisfaction,
        office: Option<Satisfaction>,
        clock: u32,
    },
    Withdrawn {
        reason: String,
    },
    Merged {
        into: CaseId,
    },
    Absorbed {
        from: CaseId,
    },
    SupervisionOpened {
        supervision: SupervisionOpen,
        clocks: Vec<ClockStart>,
    },
    SupervisionEscalated {
        supervision: u32,
        level: SupervisionLevel,
        by: UnitCode,
        respond_by: NaiveDate,
        clocks: Vec<ClockStart>,
    },
    SupervisionAnswered {
        supervision: u32,
        text: String,
    },
    SupervisionsEnded {
        supervisions: Vec<u32>,
    },
    EvaluationLapsed {
        clock: u32,
    },
}

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
