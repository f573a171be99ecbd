//! Recent cases kept in memory between read transactions, shared by the services of one process.

use super::*;

/// Recent cases kept in memory between read transactions, shared by the services of one process
/// (a server's connections): a read serves its copy when the case's last event number in the
/// store is the copy's, and replays the case from its events otherwise. At most `capacity`
/// cases; when full it starts again empty.
///
/// A case shown whole (`Work::load`: the case and its events, as `show` answers) is kept with
/// its events, in a second map of the same size, so showing it again reads neither.
#[derive(Debug)]
pub struct CaseCache {
    cases: std::sync::Mutex<std::collections::HashMap<CaseId, Arc<Case>>>,
    histories: std::sync::Mutex<std::collections::HashMap<CaseId, Arc<History>>>,
    capacity: usize,
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

    pub(super) fn get(&self, id: &CaseId, seq: u32) -> Option<Case> {
        let m = self.cases.lock().ok()?;
        m.get(id).filter(|c| c.seq == seq).map(|c| (**c).clone())
    }

    /// Takes the copy of `id` out of the cache; returns it when its number is `seq`.
    pub(super) fn take(&self, id: &CaseId, seq: u32) -> Option<Case> {
        let c = self.cases.lock().ok()?.remove(id)?;
        (c.seq == seq).then(|| Arc::unwrap_or_clone(c))
    }

    pub(crate) fn put(&self, case: &Case) {
        if let Ok(mut m) = self.cases.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(case.id.clone(), Arc::new(case.clone()));
        }
    }

    /// The case `id` with its events, when its last event number is `seq`.
    pub(super) fn history(&self, id: &CaseId, seq: u32) -> Option<(Case, Vec<Event>)> {
        let h = self
            .histories
            .lock()
            .ok()?
            .get(id)
            .filter(|h| h.case.seq == seq)
            .cloned()?;
        // Copied outside the lock.
        Some((h.case.clone(), h.events.clone()))
    }

    pub(super) fn put_history(&self, case: &Case, events: &[Event]) {
        let h = Arc::new(History {
            case: case.clone(),
            events: events.to_vec(),
        });
        if let Ok(mut m) = self.histories.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(case.id.clone(), h);
        }
    }
}
