//! 信访事项: the case lifecycle — data, states, commands, events, and the pure
//! `decide` / `evolve` / `replay` functions.

pub mod data;
pub(crate) mod decide;
mod decode;
mod evolve;
mod model;

pub use data::{
    phone_valid, resident_id_valid, AmendField, Channel, DeclineGround, IdType, Outcome,
    Petitioner, Purpose, Registration, RegistrationBuilder, ReviewOutcome, Satisfaction,
};
pub use decide::decide;
pub use evolve::{evolve, replay};
pub use model::*;

#[cfg(test)]
pub(crate) mod tests;
