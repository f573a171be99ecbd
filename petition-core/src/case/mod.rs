//! 信访事项: the case lifecycle — data, states, commands, events, and the pure
//! `decide` / `evolve` / `replay` functions.

mod command;
pub mod data;
pub(crate) mod decide;
mod decode;
mod event;
mod evolve;
mod external;
mod model;
mod vocabulary;

pub use command::*;
pub use data::{
    phone_valid, resident_id_valid, AmendField, Channel, DeclineGround, IdType, Outcome,
    Petitioner, Purpose, Registration, RegistrationBuilder, ReviewOutcome, Satisfaction,
    Vocabulary,
};
pub use decide::decide;
pub use event::*;
pub use evolve::{evolve, replay};
pub use external::ExternalRef;
pub use model::*;
pub use vocabulary::*;

#[cfg(test)]
pub(crate) mod tests;
