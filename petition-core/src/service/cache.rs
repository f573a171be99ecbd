//! Recent cases kept in memory between read transactions, shared by the services of one process.

use super::*;

/// Recent cases kept in memory between read transactions, shared by the services of one process
/// (a server's connections): a read serves its copy when the case's last event number in the
/// store is the copy's, and replays the case from its events otherwise. At most `capacity`
/// cases; when full it starts again empty.
///
/// A case shown whole (`Work::load`: the case and its events, as `show` answers) is kept with
/// its events, in a second map of the same size, so showing it again reads neither.
///
/// Each copy also remembers the chain's head (its position and hash) at which a read last found it
/// current: a read transaction at the same head serves it without asking the store for the
/// case's number (nothing changes a case without appending to the chain, and the head's hash
/// names everything before it), so a page of fifty cases costs one look at the head.
#[derive(Debug)]
pub struct CaseCache {
    cases: std::sync::Mutex<std::collections::HashMap<CaseId, Kept<Case>>>,
    histories: std::sync::Mutex<std::collections::HashMap<CaseId, Kept<History>>>,
    capacity: usize,
}

/// The chain's head as stored, (position, hash): names the state a read transaction sees.
pub(crate) type Mark = (u64, [u8; 32]);

/// A kept copy and the head at which it was last found current (`None`: not yet checked).
#[derive(Debug)]
struct Kept<T> {
    copy: Arc<T>,
    at: Option<Mark>,
}

/// A case with the events it is the fold of.
#[derive(Debug)]
pub(super) struct History {
    case: Case,
    events: Vec<Event>,
}

impl CaseCache {
    /// A cache of at most `capacity` cases (and as many cases with their events).
    pub fn new(capacity: usize) -> Self {
        Self {
            cases: std::sync::Mutex::new(std::collections::HashMap::new()),
            histories: std::sync::Mutex::new(std::collections::HashMap::new()),
            capacity,
        }
    }

    /// The copy of `id` when it was found current at the head `at`.
    pub(super) fn get_at(&self, id: &CaseId, at: Mark) -> Option<Case> {
        let c = self
            .cases
            .lock()
            .ok()?
            .get(id)
            .filter(|k| k.at == Some(at))
            .map(|k| k.copy.clone())?;
        Some((*c).clone())
    }

    /// The copy of `id` when its number is `seq` (the store's, read at the head `at`, which
    /// the copy then remembers).
    pub(super) fn get(&self, id: &CaseId, seq: u32, at: Option<Mark>) -> Option<Case> {
        let c = {
            let mut m = self.cases.lock().ok()?;
            let k = m.get_mut(id).filter(|k| k.copy.seq == seq)?;
            k.at = at.or(k.at);
            k.copy.clone()
        };
        // Copied outside the lock.
        Some((*c).clone())
    }

    /// Takes the copy of `id` out of the cache; returns it when its number is `seq`.
    pub(super) fn take(&self, id: &CaseId, seq: u32) -> Option<Case> {
        let c = self.cases.lock().ok()?.remove(id)?.copy;
        (c.seq == seq).then(|| Arc::unwrap_or_clone(c))
    }

    /// Keeps a copy of `case` (unchecked: the next read asks the store for its number).
    #[cfg(test)]
    pub(crate) fn put(&self, case: &Case) {
        self.put_at(case, None);
    }

    /// Keeps a copy of `case`, current at the head `at`.
    pub(super) fn put_at(&self, case: &Case, at: Option<Mark>) {
        keep(
            &self.cases,
            self.capacity,
            &case.id,
            Arc::new(case.clone()),
            at,
        );
    }

    /// The case `id` with its events, when it was found current at the head `at`.
    pub(super) fn history_at(&self, id: &CaseId, at: Mark) -> Option<(Case, Vec<Event>)> {
        let h = self
            .histories
            .lock()
            .ok()?
            .get(id)
            .filter(|k| k.at == Some(at))
            .map(|k| k.copy.clone())?;
        Some((h.case.clone(), h.events.clone()))
    }

    /// The case `id` with its events, when its last event number is `seq` (read at `at`).
    pub(super) fn history(
        &self,
        id: &CaseId,
        seq: u32,
        at: Option<Mark>,
    ) -> Option<(Case, Vec<Event>)> {
        let h = {
            let mut m = self.histories.lock().ok()?;
            let k = m.get_mut(id).filter(|k| k.copy.case.seq == seq)?;
            k.at = at.or(k.at);
            k.copy.clone()
        };
        // Copied outside the lock.
        Some((h.case.clone(), h.events.clone()))
    }

    /// Keeps `case` with its events (unchecked: the next read asks the store for its number).
    #[cfg(test)]
    pub(super) fn put_history(&self, case: &Case, events: &[Event]) {
        self.put_history_at(case, events, None);
    }

    /// Keeps `case` with its events, current at the head `at`.
    pub(super) fn put_history_at(&self, case: &Case, events: &[Event], at: Option<Mark>) {
        let h = Arc::new(History {
            case: case.clone(),
            events: events.to_vec(),
        });
        keep(&self.histories, self.capacity, &case.id, h, at);
    }
}

/// Puts a copy in one of the maps; when full, the map starts again empty.
fn keep<T>(
    map: &std::sync::Mutex<std::collections::HashMap<CaseId, Kept<T>>>,
    capacity: usize,
    id: &CaseId,
    copy: Arc<T>,
    at: Option<Mark>,
) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= capacity {
            m.clear();
        }
        m.insert(id.clone(), Kept { copy, at });
    }
}
