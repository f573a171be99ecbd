//! Idempotency keys ([`crate::idempotency`]): what a key remembers, the claim a command's own
//! transaction keeps, and the answer recorded after it.

use super::*;
use crate::idempotency::{KeyClaim, KeyRecord, Remembered, KEY_LIFETIME_HOURS};

impl<T: Txn> Work<'_, T> {
    /// Keeps `claim` (no answer yet) in this transaction, naming `case`.
    pub(super) fn keep_claim(&mut self, claim: &KeyClaim, case: Option<CaseId>) -> Result<()> {
        // The system clock: a key's life is real time on every database, as a token's is (the
        // retries it guards against are real).
        let at = door::system_now_utc();
        let rec = KeyRecord {
            staff: claim.staff.as_str().to_string(),
            key: claim.key.as_str().to_string(),
            digest: claim.digest.to_vec(),
            at,
            case,
            answer: None,
        };
        self.txn
            .put_key(crate::store::Finished::of(&rec), stale_before(at))
    }
}

/// Keys kept before this are forgotten.
fn stale_before(now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    now - chrono::Duration::hours(KEY_LIFETIME_HOURS)
}

impl<S: Store> Service<S> {
    /// What the key of `claim` says about a request with its digest, sent by `p` (whose id must
    /// be the claim's staff member): run it, give the first answer again, or refuse it.
    pub fn remembered(&mut self, p: &Principal, claim: &KeyClaim) -> Result<Remembered> {
        let now = door::system_now_utc();
        self.read(|w| {
            let staff = w.resolve(p)?;
            if staff.id != claim.staff {
                return Err(DomainError::from(Refusal::Unauthenticated));
            }
            let rec = w
                .txn()?
                .key_record(claim.staff.as_str(), claim.key.as_str())?;
            Ok(Remembered::of(rec, &claim.digest, now))
        })
    }

    /// The idempotency key the next write transaction that appends to the audit chain keeps in
    /// that same transaction (`None`: no key). A transaction that appends nothing (a refused
    /// command, a read) leaves the claim for the next; clear it when the request is done.
    pub fn set_key_claim(&mut self, claim: Option<KeyClaim>) {
        self.claim = claim;
    }

    /// Records the answer (`status`, `body`) of the request under `claim`, sent by `p`, once its
    /// command committed: later requests with the key get it again. A command that appended
    /// nothing gets its key kept here, with its answer.
    pub fn answer_key(
        &mut self,
        p: &Principal,
        claim: &KeyClaim,
        status: u16,
        body: &str,
    ) -> Result<()> {
        self.claim = None;
        self.work(|w| {
            let staff = w.resolve(p)?;
            if staff.id != claim.staff {
                return Err(DomainError::from(Refusal::Unauthenticated));
            }
            let (staff_id, key) = (claim.staff.as_str(), claim.key.as_str());
            let kept = w.txn()?.key_record(staff_id, key)?;
            let now = door::system_now_utc();
            let mut rec = match kept {
                Some(r) if r.digest.as_slice() == claim.digest.as_slice() => r,
                _ => KeyRecord {
                    staff: staff_id.to_string(),
                    key: key.to_string(),
                    digest: claim.digest.to_vec(),
                    at: now,
                    case: None,
                    answer: None,
                },
            };
            rec.answer = Some((status, body.to_string()));
            w.txn()?
                .put_key(crate::store::Finished::of(&rec), stale_before(now))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::example::{principal, registration, setup};
    use crate::idempotency::{IdempotencyKey, KeyClaim, Remembered};
    use crate::store::{AnyStore, SqliteStore};
    use crate::{MemoryStore, Service, Store};

    fn claim(svc: &mut Service<impl Store>, key: &str, digest: u8) -> KeyClaim {
        KeyClaim {
            staff: principal(svc, "li").staff_id().clone(),
            key: IdempotencyKey::parse(key).expect("key"),
            digest: [digest; 32],
        }
    }

    /// A key is kept by the command's own transaction, replays its answer, refuses another
    /// digest, and a refused command keeps nothing.
    fn a_key_is_kept_with_its_command(mut svc: Service<impl Store>) {
        let now = setup(&mut svc);
        let li = principal(&mut svc, "li");
        let k = claim(&mut svc, "hotline-1", 1);
        assert_eq!(svc.remembered(&li, &k).expect("read"), Remembered::Fresh);
        // A refused command (a registration with no petitioner) keeps nothing.
        svc.set_key_claim(Some(k.clone()));
        let mut bad = registration(now);
        bad.petitioners.clear();
        assert!(svc.register(&li, now, bad).is_err());
        assert_eq!(svc.remembered(&li, &k).expect("read"), Remembered::Fresh);
        // The command commits the claim with its events: before its answer is recorded, a
        // retry is told the command ran (and which case), never run again.
        let new = svc.register(&li, now, registration(now)).expect("register");
        let id = new.case.case.id.clone();
        assert_eq!(
            svc.remembered(&li, &k).expect("read"),
            Remembered::Unanswered {
                case: Some(id.clone())
            }
        );
        svc.answer_key(&li, &k, 201, "{\"case\":1}")
            .expect("answer");
        assert_eq!(
            svc.remembered(&li, &k).expect("read"),
            Remembered::Replay {
                status: 201,
                body: "{\"case\":1}".into()
            }
        );
        let other_body = claim(&mut svc, "hotline-1", 2);
        assert_eq!(
            svc.remembered(&li, &other_body).expect("read"),
            Remembered::Mismatch
        );
        // Another staff member's key of the same name is another key; and nobody asks under
        // another's name.
        let wang = principal(&mut svc, "wang");
        let theirs = KeyClaim {
            staff: wang.staff_id().clone(),
            ..k.clone()
        };
        assert_eq!(
            svc.remembered(&wang, &theirs).expect("read"),
            Remembered::Fresh
        );
        assert!(svc.remembered(&wang, &k).is_err());
        // The claim was used up: the next command keeps no key.
        let other = svc.register(&li, now, registration(now)).expect("register");
        assert_ne!(other.case.case.id, id);
        assert_eq!(
            svc.remembered(&li, &k).expect("read"),
            Remembered::Replay {
                status: 201,
                body: "{\"case\":1}".into()
            }
        );
    }

    #[test]
    fn a_key_is_kept_with_its_command_in_memory() {
        a_key_is_kept_with_its_command(Service::new(MemoryStore::new()));
    }

    #[test]
    fn a_key_is_kept_with_its_command_on_sqlite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("k.db"), true).expect("create");
        a_key_is_kept_with_its_command(Service::new(AnyStore::Sqlite(store)));
    }

    /// A system's reference is registered once: the second registration is `conflict` naming
    /// the first case to a reader who may read it; the list finds the case by it.
    fn a_reference_is_registered_once(mut svc: Service<impl Store>) {
        use crate::case::ExternalRef;
        use crate::error::Refusal;
        let now = setup(&mut svc);
        let li = principal(&mut svc, "li");
        let r = ExternalRef::parse("hotline-12345:T-0001").expect("ref");
        let mut reg = registration(now);
        reg.external_ref = Some(r.clone());
        let first = svc.register(&li, now, reg.clone()).expect("register");
        let id = first.case.case.id.clone();
        let e = svc
            .register(&li, now, reg.clone())
            .expect_err("a second time");
        assert_eq!(e.code(), "conflict");
        assert_eq!(
            e.refusal(),
            Some(&Refusal::DuplicateReference {
                system: r.system.clone(),
                id: r.id.clone(),
                existing: Some(id.clone()),
            })
        );
        // Another system's same id is another reference.
        let mut other = reg.clone();
        other.external_ref = Some(ExternalRef::parse("provincial:T-0001").expect("ref"));
        svc.register(&li, now, other).expect("another system");
        let q = crate::CaseQuery {
            external_ref: Some(r.clone()),
            ..Default::default()
        };
        let found = svc.list(&li, &q).expect("list");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].case.id, id);
        // A reader who may not read the case finds nothing by its reference.
        let wang = principal(&mut svc, "wang");
        assert!(svc.list(&wang, &q).expect("list").is_empty());
    }

    #[test]
    fn a_reference_is_registered_once_in_memory() {
        a_reference_is_registered_once(Service::new(MemoryStore::new()));
    }

    #[test]
    fn a_reference_is_registered_once_on_sqlite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("r.db"), true).expect("create");
        a_reference_is_registered_once(Service::new(AnyStore::Sqlite(store)));
    }
}
