//! # petition-core
//!
//! China's petition (信访) first-contact case handling (初访首问责任制) as a library: the first body
//! that receives a petitioner registers the matter and routes it to the competent unit
//! (转送/交办); the competent unit accepts it, handles it within the legal limits (15 days to
//! decide, 60 to answer, at most 30 more with approval — 信访条例 2005 Art 21, 33) and answers in
//! writing; the petitioner may ask for review (复查, Art 34) and re-review (复核, Art 35); every
//! deadline is a clock, and a missed clock is supervised (督办, Art 36) up the ladder
//! 催办 → 督办 → 通报 → 追责建议.
//!
//! ## The front door: [`Service`]
//!
//! Every change and every read of case data goes through a [`Service`] over a [`Store`]
//! ([`SqliteStore`] for a file, [`MemoryStore`] in memory), with its acting [`Principal`]: it
//! decides the command by the rules, appends the resulting events to a SHA-256 audit chain and
//! updates the query tables in one transaction, and it applies the visibility rules, masking and
//! the access log to everything it returns ([`principal`] says what is guaranteed). The rules
//! take time as an argument; the service owns a live database's clock ([`When`]).
//!
//! ```
//! use petition_core::org::{Level, Role, Staff, Unit, UnitKind};
//! use petition_core::{
//!     AdminChange, Channel, ClockMode, Command, DateTime, MemoryStore, Petitioner, Purpose,
//!     Registration, Service, StaffId, UnitCode,
//! };
//!
//! # fn main() -> Result<(), petition_core::DomainError> {
//! let mut svc = Service::new(MemoryStore::new());
//! // A simulated database (training, tests): every call names its time. A live one takes the
//! // time from the system clock (`When::Now`) and refuses any other for a change.
//! let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").unwrap();
//! svc.init(Staff::new(StaffId::parse("admin")?, "管理员", None, Role::Admin), now,
//!          ClockMode::Simulated)?;
//! // Who acts is resolved from the database's own staff table.
//! let admin = svc.principal(&StaffId::parse("admin")?)?;
//! for (code, kind, parent) in [("county", UnitKind::Government, None),
//!                              ("county-xfj", UnitKind::PetitionOffice, Some("county")),
//!                              ("county-zjj", UnitKind::Department, Some("county"))] {
//!     let unit = Unit { code: UnitCode::parse(code)?, name: code.into(), level: Level::County,
//!                       kind, parent: parent.map(UnitCode::parse).transpose()?, line_superior: None };
//!     svc.admin(&admin, now, AdminChange::AddUnit(unit))?;
//! }
//! let clerk = Staff::new(StaffId::parse("li")?, "李明", Some(UnitCode::parse("county-xfj")?),
//!                        Role::Clerk);
//! svc.admin(&admin, now, AdminChange::AddStaff(clerk))?;
//! let li = svc.principal(&StaffId::parse("li")?)?;
//!
//! let reg = Registration::builder(Channel::Visit, Purpose::Request, UnitCode::parse("county")?,
//!                                 "housing.repair", "房屋漏水", now)
//!     .petitioner(Petitioner::named("赵某"))
//!     .build()?;
//! let new = svc.register(&li, now, reg)?;
//! let case = svc.execute(&li, now, &new.case.case.id,
//!                        Command::Transfer { to: UnitCode::parse("county-zjj")?, note: None })?;
//! assert_eq!(case.case.state.as_str(), "routed");
//! assert!(svc.verify(&[])?.problem.is_none());
//! # Ok(()) }
//! ```
//!
//! ## What is where
//!
//! - [`org`]: units, staff and the derived relations (`gov`, `office`, `sup`, reviewer).
//! - [`case`]: registration data, commands, events and the lifecycle rules.
//! - [`clock`] and [`policy`]: the calendar, day counting (Civil Code Art 201, 203) and every
//!   legal time limit.
//! - [`stats`]: the figures offices are ranked by (timely acceptance, on-time completion,
//!   satisfaction, repeats).
//! - [`access`]: who may read a case and how much personal data they see; the access log.
//! - [`search`]: finding a case by a word of its text, a name, or the end of a number.
//! - [`example`]: a small county, ready to use, for examples and experiments.
//! - [`files`]: the organisation chart (CSV) and working calendar (CSV or TOML) an admin loads.
//! - [`view`]: the case as JSON with clocks evaluated at a given time, and masking.
//! - [`audit`]: canonical JSON and the SHA-256 hash chain; [`verify`]: proof of a database.
//! - [`notice`]: the written notices (告知书, 意见书, 转送单, 督办单) as text or HTML.
//! - [`interchange`]: JSON Lines, CSV and Open311 exports, and the rule-checked import.
//! - [`store`] and [`service`]: the storage traits (SQLite and in-memory) and the one door for
//!   writes; [`Service::changes_after`] is the typed change feed.
//! - [`conformance`]: the suite a new storage backend must pass (what it must guarantee is
//!   written on [`store::Txn`]).
//! - [`error`]: a [`DomainError`] is a rule's [`Refusal`], with the data that explains it, or a
//!   [`StorageError`], with its underlying cause; each has a stable code and both languages.
//!
//! ## Examples
//!
//! `cargo run -p petition-core --example NAME`: `embed_sqlite` (a county office on a file, in
//! end to end), `follow_changes` (an integrating system reading the change feed), and
//! `custom_store` (an embedder's own backend, checked by the conformance suite).
#![deny(missing_docs)]
#![deny(unreachable_pub)]
#![recursion_limit = "256"]

pub mod access;
pub(crate) mod admin;
pub mod attachment;
pub mod audit;
pub mod case;
pub mod clock;
pub mod conformance;
pub mod error;
pub mod example;
pub mod files;
pub mod idempotency;
pub mod ids;
pub mod input;
pub mod interchange;
pub mod needs;
pub mod notice;
pub mod office;
pub mod org;
pub mod policy;
pub mod principal;
pub(crate) mod projection;
pub mod public;
pub mod search;
pub mod service;
pub mod stats;
pub mod store;
pub mod verify;
pub mod view;

#[cfg(test)]
mod fuzz;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use access::{Access, Disclosure};
pub use audit::{ClockMode, Entry};
pub use case::{
    AmendField, Case, CaseState, Channel, Command, Event, EventKind, ExternalRef, Petitioner,
    Purpose, Registration, RegistrationBuilder, Step,
};
/// The time types in this crate's signatures, so an embedder needs no `chrono` of its own.
pub use chrono::{DateTime, FixedOffset, NaiveDate};
pub use error::{DomainError, ErrorCode, IdKind, Lang, Refusal, StorageError, Text};
pub use ids::{CaseId, QueryCode, QueryCodeCost, StaffId, UnitCode};
pub use principal::{Brief, Disclosed, NewCase, Page, Principal, Reveal, Shown, When};
pub use service::{AdminChange, Change, PreparedCode, Service, TickSummary, Work};
pub use store::{CaseQuery, MemoryStore, Order, SqliteStore, Store};
pub use verify::VerifyReport;
