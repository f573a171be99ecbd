//! Who acts and when: the database's identity and clock, principals resolved from the staff
//! table (by id or token), and the time of a write (the system clock on a live database).

use super::*;

/// Equal in time independent of where the inputs differ (inputs of equal length).
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) use crate::admin::active as actor_staff;

pub(super) use crate::clock::system_now;

/// The system clock in UTC (a database not yet initialised has no time zone; a token's life
/// is real time whatever the database's).
pub(super) fn system_now_utc() -> DateTime<FixedOffset> {
    system_now(chrono::Offset::fix(&chrono::Utc))
}

/// The refusal of a time named by the caller for a write on a live database.
pub(crate) fn live_clock_refused() -> Refusal {
    Refusal::invalid(
        "this is a live database (system clock): a change takes its time from the system clock, and a time given for it is refused; training and tests use a simulated database",
        "这是正式数据库（系统时钟）：修改数据一律使用系统时间，不接受指定的时间；培训和测试请使用模拟数据库",
    )
}

/// The access of `staff` to a case it just acted on (a case that became unreadable to its own
/// actor, which no rule allows, is shown masked).
pub(super) fn visible_access(org: &Org, staff: &Staff, case: &Case) -> Access {
    match access(org, staff, case) {
        Access::Hidden => Access::Masked,
        a => a,
    }
}

impl<T: Txn> Work<'_, T> {
    /// The database's identity and clock mode, read from the chain's first entry once per
    /// service (`not_found` on a database nobody initialised).
    pub(crate) fn identity(&mut self) -> Result<Identity> {
        if let Some(i) = *self.identity {
            return Ok(i);
        }
        let mut found = None;
        self.txn()?.chain(1, &mut |e| {
            let clock = match serde_json::from_str::<crate::audit::Entry>(&e.body) {
                Ok(crate::audit::Entry::Admin(AdminEvent {
                    kind: AdminKind::Initialized { clock, .. },
                    ..
                })) => clock.unwrap_or(ClockMode::System),
                _ => ClockMode::System,
            };
            if let Ok(db) = <[u8; 32]>::try_from(e.hash.as_slice()) {
                found = Some(Identity { db, clock });
            }
            Ok(false)
        })?;
        let i = found.ok_or_else(|| {
            DomainError::from(Refusal::missing(
                "the database is not initialised: create its first admin first",
                "数据库尚未初始化：请先创建首位管理员",
            ))
        })?;
        *self.identity = Some(i);
        Ok(i)
    }

    /// The time of a write: the system clock on a live database, where a time the caller names
    /// is refused (`validation`); on a simulated one the caller's time, or the system clock.
    pub fn write_time(&mut self, when: When) -> Result<DateTime<FixedOffset>> {
        let tz = self.policy.timezone;
        match (self.identity()?.clock, when) {
            (ClockMode::System, When::At(_)) => Err(DomainError::from(live_clock_refused())),
            (_, When::At(t)) => {
                // No accepted time makes the chain unreadable (a year past 9999); the bound
                // after the chain's last entry is checked where entries are sealed.
                crate::input::check_time("now", t)?;
                Ok(t)
            }
            (_, When::Now) => Ok(system_now(tz)),
        }
    }

    /// The time of one of a long write's transactions (a tick's batch) that began at `began`:
    /// on a live database the system clock now, so its entries never come before those other
    /// writers sealed in between; on a simulated one `began`.
    pub(crate) fn batch_time(
        &mut self,
        began: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>> {
        Ok(match self.identity()?.clock {
            ClockMode::System => system_now(self.policy.timezone).max(began),
            ClockMode::Simulated => began,
        })
    }

    /// The time an access-log entry is written at: the system clock on a live database (a time
    /// the caller names only views a case as it would stand then), the caller's on a simulated
    /// one.
    pub fn log_time(&mut self, when: When) -> Result<DateTime<FixedOffset>> {
        let tz = self.policy.timezone;
        match (self.identity()?.clock, when) {
            (ClockMode::Simulated, When::At(t)) => {
                crate::input::check_time("now", t)?;
                Ok(t.with_timezone(&tz))
            }
            _ => Ok(system_now(tz)),
        }
    }

    /// The staff member `id` as a principal, resolved from this database's staff table:
    /// `not_found` when unknown, `permission_denied` when deactivated.
    pub fn principal(&mut self, id: &StaffId) -> Result<Principal> {
        let db = self.identity()?.db;
        actor_staff(&self.org, id)?;
        Ok(Principal {
            staff: id.clone(),
            db,
            token: None,
        })
    }

    /// [`Work::resolve`] for an operation `scope` covers: `permission_denied` when the
    /// principal's token does not grant it.
    pub(crate) fn resolve_for(&mut self, p: &Principal, scope: crate::org::Scope) -> Result<Staff> {
        let staff = self.resolve(p)?;
        p.needs(scope)?;
        Ok(staff)
    }

    /// The staff member behind a principal, as the staff table has them now (a principal of
    /// another database is unknown here).
    pub fn resolve(&mut self, p: &Principal) -> Result<Staff> {
        if self.identity()?.db != p.db {
            return Err(DomainError::from(Refusal::NoStaff {
                id: p.staff.clone(),
                nearest: None,
            }));
        }
        actor_staff(&self.org, &p.staff).cloned()
    }

    /// The principal a bearer token stands for, if the token is known, unexpired now (the
    /// system clock: a token's life is real time on every database) and its staff member
    /// active; otherwise `unauthenticated`, saying no more. Every stored digest is compared,
    /// each in constant time.
    pub fn authenticate(&mut self, token: &str) -> Result<Principal> {
        let now = system_now(self.policy.timezone);
        let digest = token_digest(token.trim());
        let mut found: Option<(&Staff, &crate::org::TokenDigest)> = None;
        for s in self.org.all_staff() {
            for t in &s.tokens {
                if constant_time_eq(t.sha256.as_bytes(), digest.as_bytes()) && t.expires_at > now {
                    found = Some((s, t));
                }
            }
        }
        let (id, grant) = match found {
            Some((s, t)) if !s.deactivated => (
                s.id.clone(),
                crate::principal::Grant {
                    scopes: t.scopes.clone(),
                    expires_at: t.expires_at,
                },
            ),
            _ => return Err(DomainError::from(Refusal::Unauthenticated)),
        };
        let db = self.identity()?.db;
        Ok(Principal {
            staff: id,
            db,
            token: Some(grant),
        })
    }

    /// Refuses a write in a read transaction.
    pub(super) fn writable(&self) -> Result<()> {
        if self.write {
            Ok(())
        } else {
            Err(DomainError::from(StorageError::internal(
                "a write in a read transaction: use Service::work",
            )))
        }
    }

    /// A known, active staff member, or `not_found` (import re-decides with the chain's actors).
    pub(crate) fn staff(&self, id: &StaffId) -> Result<Staff> {
        actor_staff(&self.org, id).cloned()
    }

    /// [`Work::authenticate`] at a given time (tests of expiry).
    #[cfg(test)]
    pub(crate) fn authenticate_at(
        &mut self,
        token: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Principal> {
        let digest = token_digest(token.trim());
        let found = self.org.all_staff().find(|s| {
            s.tokens.iter().any(|t| {
                constant_time_eq(t.sha256.as_bytes(), digest.as_bytes()) && t.expires_at > now
            })
        });
        let id = match found {
            Some(s) if !s.deactivated => s.id.clone(),
            _ => return Err(DomainError::from(Refusal::Unauthenticated)),
        };
        let db = self.identity()?.db;
        Ok(Principal {
            staff: id,
            db,
            token: None,
        })
    }

    /// The database's clock mode, from the chain's first entry (databases made before clock
    /// modes existed are live: `system`).
    pub fn clock_mode(&mut self) -> Result<ClockMode> {
        Ok(self.identity()?.clock)
    }
}

impl<S: Store> Service<S> {
    /// The staff member `id` as a principal of this database (see [`Work::principal`]).
    pub fn principal(&mut self, id: &StaffId) -> Result<Principal> {
        self.read(|w| w.principal(id))
    }

    /// The principal a bearer token stands for (see [`Work::authenticate`]).
    pub fn authenticate(&mut self, token: &str) -> Result<Principal> {
        self.read(|w| w.authenticate(token))
    }

    /// The staff member behind a principal, as the staff table has them now.
    pub fn resolve(&mut self, p: &Principal) -> Result<Staff> {
        self.read(|w| w.resolve(p))
    }
}
