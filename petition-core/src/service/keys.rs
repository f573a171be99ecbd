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
        // Nothing is forgotten here: the answer's write, right after, drops stale keys.
        self.txn.put_key(crate::store::Finished::of(&rec), None)
    }
}

/// When keys are due to be forgotten (at most every ten minutes in a process: a key's life is
/// a day, so a few minutes more cost nothing, and each answer is spared a range delete): the
/// time before which they are.
fn prune_due(now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(i64::MIN);
    let t = now.timestamp();
    let last = LAST.load(Ordering::Relaxed);
    if last != i64::MIN && t - last < 600 {
        return None;
    }
    LAST.store(t, Ordering::Relaxed);
    Some(stale_before(now))
}

/// Keys kept before this are forgotten.
fn stale_before(now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    now - chrono::Duration::hours(KEY_LIFETIME_HOURS)
}

impl<S: Store> Service<S> {
    /// Whether `p` may use `claim`: its own key, on this database.
    fn owns(&mut self, p: &Principal, claim: &KeyClaim) -> Result<()> {
        let db = match self.identity {
            Some(i) => i.db,
            None => self.read(|w| w.identity())?.db,
        };
        if db != p.db || p.staff != claim.staff {
            return Err(DomainError::from(Refusal::Unauthenticated));
        }
        Ok(())
    }

    /// What the key of `claim` says about a request with its digest, sent by `p` (whose id must
    /// be the claim's staff member): run it, give the first answer again, or refuse it. One
    /// look-up in a transaction of its own (nothing else is read: the principal was resolved
    /// when it was made).
    pub fn remembered(&mut self, p: &Principal, claim: &KeyClaim) -> Result<Remembered> {
        self.owns(p, claim)?;
        let now = door::system_now_utc();
        let mut txn = self.store.read(crate::store::Gate::new())?;
        let rec = txn.key_record(claim.staff.as_str(), claim.key.as_str())?;
        drop(txn);
        Ok(Remembered::of(rec, &claim.digest, now))
    }

    /// The idempotency key the next write transaction that appends to the audit chain keeps in
    /// that same transaction (`None`: no key). A transaction that appends nothing (a refused
    /// command, a read) leaves the claim for the next; clear it when the request is done.
    pub fn set_key_claim(&mut self, claim: Option<KeyClaim>) {
        self.claim = claim;
    }

    /// Records the answer (`status`, `body`) of the request under `claim`, sent by `p`, once its
    /// command committed: later requests with the key get it again. A command that appended
    /// nothing gets its key kept here, with its answer. One write in a transaction of its own.
    pub fn answer_key(
        &mut self,
        p: &Principal,
        claim: &KeyClaim,
        status: u16,
        body: &str,
    ) -> Result<()> {
        self.claim = None;
        self.owns(p, claim)?;
        // The claim (if the command kept one) is replaced by the answered key: once answered,
        // the case it names is no longer needed.
        let now = door::system_now_utc();
        let rec = KeyRecord {
            staff: claim.staff.as_str().to_string(),
            key: claim.key.as_str().to_string(),
            digest: claim.digest.to_vec(),
            at: now,
            case: None,
            answer: Some((status, body.to_string())),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let r = (|| {
                let mut txn = self.store.txn(crate::store::Gate::new())?;
                txn.put_key(crate::store::Finished::of(&rec), prune_due(now))?;
                txn.commit()
            })();
            match r {
                Err(e) if e.is_retryable() && attempt < RETRIES => continue,
                other => return other,
            }
        }
    }
}
