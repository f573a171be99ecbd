//! # petition-core
//!
//! The rules of first-contact petition (信访) case handling, as pure synchronous code, plus the
//! storage and service layer every mutation goes through.
//!
//! - [`org`]: units, staff and the derived relations (`gov`, `office`, `sup`, reviewer).
//! - [`case`]: registration data, the lifecycle (`decide`, `evolve`, `replay`).
//! - [`clock`] and [`policy`]: the calendar, day counting and every legal time limit.
//! - [`supervision`]: the escalation ladder and `tick` planning.
//! - [`stats`]: the KPI definitions of SPEC §8.
//! - [`access`]: who may read a case and how much personal data they see; the access log.
//! - [`view`]: the case as JSON (SPEC §10.5) with clocks evaluated at a given time, masking and
//!   redaction of personal data.
//! - [`audit`]: canonical JSON and the SHA-256 hash chain.
//! - [`notice`]: the written notices (告知书, 意见书, 转送单, 督办单) as text or HTML.
//! - [`interchange`]: JSON Lines, CSV and Open311 exports, and the verified import.
//! - [`store`] and [`service`]: the `Store` trait (SQLite and in-memory) and the one door for writes.
//!
//! The core reads no system clock: time is always an argument.
#![warn(missing_docs)]
#![recursion_limit = "256"]

pub mod access;
pub mod audit;
pub mod case;
pub mod clock;
pub mod error;
pub mod ids;
pub mod interchange;
pub mod notice;
pub mod org;
pub mod policy;
pub mod service;
pub mod stats;
pub mod store;
pub mod supervision;
pub mod verify;
pub mod view;

#[cfg(test)]
mod fuzz;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use case::{decide, evolve, replay, Case, CaseState, Command, Context, Event, EventKind};
pub use error::{DomainError, Lang, Text};
pub use ids::{CaseId, QueryCode, StaffId, UnitCode};
