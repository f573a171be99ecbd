//! 主体: who acts or reads, what time it is, and what a reader is given — the types of the one
//! guarded door.
//!
//! Every operation of the library that returns case data or changes a case names its
//! [`Principal`]: a staff member the service resolved from its own staff table (by id, for an
//! embedder that authenticates its users itself, or by bearer token), never a staff value the
//! caller builds. The petitioner acts by case id and query code
//! ([`Service::public_status`](crate::Service::public_status),
//! [`Service::petitioner_evaluates`](crate::Service::petitioner_evaluates)); the time-driven work
//! acts as `system` ([`Service::tick`](crate::Service::tick)).
//!
//! Time is [`When`]: on a live (`system`-clock) database the service takes the time of every
//! write from the system clock and refuses a time the caller names; a `simulated` database takes
//! the caller's time.
//!
//! What a reader gets is what the rules let them see: a case the reader may not read answers
//! exactly as an unknown case; personal data is masked unless the reader's unit registers,
//! holds, leads or assists the case and the caller asks for it ([`Reveal::AsAllowed`]); each
//! case shown unmasked is recorded in the access log before the data is handed over
//! ([`Disclosed`]).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset};

use crate::access::{Access, Disclosure};
use crate::case::{Case, Event};
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{QueryCode, StaffId};

/// A staff member as the service resolved them from its own staff table: the acting or reading
/// principal of every operation on case data. Made only by
/// [`Service::principal`](crate::Service::principal) (by id) and
/// [`Service::authenticate`](crate::Service::authenticate) (by bearer token); it belongs to the
/// database it was resolved on. Each use resolves it again, so a staff member deactivated or
/// moved since acts no more, or acts with their new unit.
///
/// Nothing outside the crate builds one — a staff value of the caller's own is no principal:
///
/// ```compile_fail,E0451
/// use petition_core::{Principal, StaffId};
/// let forged = Principal { staff: StaffId::parse("admin").unwrap(), db: [0; 32] };
/// ```
///
/// and no public operation reads a case without one:
///
/// ```compile_fail,E0624
/// let (mut svc, _) = petition_core::example::county();
/// let id = petition_core::CaseId::parse("XF2026-000001").unwrap();
/// let whole = svc.load(&id); // crate-private: reads go through `show`, `list`, … with a principal
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    pub(crate) staff: StaffId,
    /// The database's identity: the hash of its audit chain's first entry.
    pub(crate) db: [u8; 32],
    /// The bearer token it was proven by, if any: its scopes and expiry.
    pub(crate) token: Option<Grant>,
}

/// What a bearer token grants: its scopes (`None`: a person's token, every scope of the role)
/// and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) scopes: Option<Vec<crate::org::Scope>>,
    pub(crate) expires_at: DateTime<FixedOffset>,
}

impl Principal {
    /// The staff member's id.
    pub fn staff_id(&self) -> &StaffId {
        &self.staff
    }

    /// What this principal may do: an integration account's token's scopes, or every scope
    /// (a person, or a principal resolved by id on the database's host).
    pub fn scopes(&self) -> Vec<crate::org::Scope> {
        match self.token.as_ref().and_then(|g| g.scopes.as_ref()) {
            Some(s) => s.clone(),
            None => crate::org::Scope::ALL.to_vec(),
        }
    }

    /// When the token this principal was proven by expires (`None`: not proven by a token).
    pub fn expires_at(&self) -> Option<DateTime<FixedOffset>> {
        self.token.as_ref().map(|g| g.expires_at)
    }

    /// `permission_denied` unless this principal may do what `scope` covers.
    pub(crate) fn needs(&self, scope: crate::org::Scope) -> crate::error::Result<()> {
        match self.token.as_ref().and_then(|g| g.scopes.as_ref()) {
            Some(s) if !s.contains(&scope) => Err(crate::error::DomainError::from(
                crate::error::Refusal::forbidden(
                    &format!(
                        "this token's scopes do not include {:?} ({}): ask the admin for a token with it",
                        scope.as_str(),
                        scope.label(crate::error::Lang::En)
                    ),
                    &format!(
                        "该令牌的权限不包括 {}（{}）：请管理员签发具有该权限的令牌",
                        scope.as_str(),
                        scope.label(crate::error::Lang::Zh)
                    ),
                ),
            )),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("staff", &self.staff.as_str())
            .finish_non_exhaustive()
    }
}

/// The time of an operation: the database's clock, or a time the caller names (accepted for
/// writes only on a `simulated` database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The database's clock: the system clock.
    Now,
    /// This time (a `simulated` database; on a live one only to view a case as it would stand
    /// then, never to write).
    At(DateTime<FixedOffset>),
}

impl From<DateTime<FixedOffset>> for When {
    fn from(t: DateTime<FixedOffset>) -> Self {
        When::At(t)
    }
}

/// Whether a read asks for personal data in full where the reader may see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reveal {
    /// Masked for everyone (a summary, a table): nothing to record in the access log.
    #[default]
    Masked,
    /// In full where the reader's unit registers, holds, leads or assists the case; each such
    /// showing is recorded in the access log.
    AsAllowed,
}

/// One page of a list: its cases, how many cases the whole list has (those the reader may read;
/// never counting a case the reader may not know of), and the offset of the next page when
/// there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The cases of this page.
    pub cases: Vec<Brief>,
    /// How many cases the whole list has.
    pub total: u64,
    /// Where the next page starts (`None`: this is the last).
    pub next: Option<usize>,
}

/// A case as its reader may see it: links to cases the reader may not read removed, personal
/// data masked unless [`Shown::privacy`] is `Full`, the query code left out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shown {
    /// The case.
    pub case: Case,
    /// Its history.
    pub events: Vec<Event>,
    /// The reader's access to the case (`Full` or `Masked`).
    pub access: Access,
    /// What this copy carries: `Full` only when the reader may see personal data and asked.
    pub privacy: crate::view::Privacy,
}

/// A case in brief — in a list (`list`, `queue`, `overdue`, `search`) or as a command left it:
/// personal data masked, no links to other cases, no query code; what a table or a one-line
/// answer shows. [`Work::show`](crate::Work::show) gives the whole case as its reader may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Brief {
    /// The case.
    pub case: Case,
    /// The reader's access to it.
    pub access: Access,
    /// After a command: the case's last event number before it (the command recorded the events
    /// after it); in a list, the case's last event number.
    pub seq_before: u32,
}

impl Brief {
    /// The case as a list shows it to a reader with `access`.
    pub(crate) fn of(mut case: Case, access: Access) -> Self {
        crate::view::mask_case(&mut case);
        case.related.clear();
        case.repeat_of = None;
        case.merged_into = None;
        case.absorbed.clear();
        let seq_before = case.seq;
        Self {
            case,
            access,
            seq_before,
        }
    }

    /// The case after a command, which found it at event number `before`.
    pub(crate) fn after(case: Case, access: Access, before: u32) -> Self {
        Self {
            seq_before: before,
            ..Self::of(case, access)
        }
    }
}

/// A newly registered case and its query code (查询码), shown this once: the database keeps
/// only a salted slow hash of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCase {
    /// The case in brief.
    pub case: Brief,
    /// The query code, for the registration reply and the receipt (登记回执).
    pub query_code: QueryCode,
}

/// Data that shows personal data unmasked, held back until its disclosure is in the access log:
/// [`Service::record`](crate::Service::record) writes the entries and hands the data over, or
/// [`Disclosed::into_parts`] splits it for a caller that records many together
/// ([`Work::record`](crate::Work::record), then [`Sealed::open`]).
#[must_use = "the data is handed over only when its disclosure is recorded"]
#[derive(Debug)]
pub struct Disclosed<T> {
    value: T,
    pending: Pending,
}

/// Access-log entries waiting to be written (see [`Disclosed`]). A copy records them again (a
/// transaction that is retried records its copy).
#[must_use = "a disclosure must be recorded"]
#[derive(Clone, Debug)]
pub struct Pending {
    pub(crate) entries: Vec<Disclosure>,
    ticket: u64,
}

/// Proof that a [`Pending`]'s entries are in the access log.
#[derive(Debug)]
pub struct Recorded {
    ticket: u64,
}

/// The data of a [`Disclosed`], opened only with the proof that its entries were recorded.
#[must_use = "open it with the proof of its recording"]
#[derive(Debug)]
pub struct Sealed<T> {
    value: T,
    ticket: u64,
}

static TICKETS: AtomicU64 = AtomicU64::new(1);

impl<T> Disclosed<T> {
    pub(crate) fn new(value: T, entries: Vec<Disclosure>) -> Self {
        Self {
            value,
            pending: Pending {
                entries,
                ticket: TICKETS.fetch_add(1, Ordering::Relaxed),
            },
        }
    }

    /// The data when nothing waits to be recorded (nothing was shown unmasked), else `self`.
    pub fn ready(self) -> std::result::Result<T, Self> {
        if self.pending.entries.is_empty() {
            Ok(self.value)
        } else {
            Err(self)
        }
    }

    /// The data, not yet to be handed over (within the crate: to derive more from it).
    pub(crate) fn peek(&self) -> &T {
        &self.value
    }

    /// How many access-log entries wait.
    pub fn waiting(&self) -> usize {
        self.pending.entries.len()
    }

    /// Splits the data from its entries: record the entries ([`Work::record`](crate::Work::record)),
    /// then open the data with the proof.
    pub fn into_parts(self) -> (Sealed<T>, Pending) {
        let ticket = self.pending.ticket;
        (
            Sealed {
                value: self.value,
                ticket,
            },
            self.pending,
        )
    }
}

impl Pending {
    pub(crate) fn recorded(&self) -> Recorded {
        Recorded {
            ticket: self.ticket,
        }
    }
}

impl<T> Sealed<T> {
    /// The data, given the proof that its own entries were recorded (the proof of another
    /// disclosure opens nothing: `internal`).
    pub fn open(self, proof: Recorded) -> Result<T> {
        if proof.ticket == self.ticket {
            Ok(self.value)
        } else {
            Err(DomainError::from(StorageError::internal(
                "a disclosure opened with the proof of another",
            )))
        }
    }
}
