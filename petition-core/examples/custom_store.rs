//! A custom store: an embedder's own backend, checked by the conformance suite.
//!
//! `JournalStore` keeps its data in a [`MemoryStore`] and, as each transaction commits, copies the
//! position and hash of every new audit-chain entry to a journal (a list here; in production a
//! write-once medium or another site), so the chain's head can be checked against a copy the
//! database's own administrator cannot rewrite. A backend only persists: the service decides,
//! seals and applies, and hands it finished rows through the persistence verbs of [`Txn`]; the
//! index queries (lists, queues, statistics, search) have defaults that read the snapshots. Run: `cargo run -p petition-core --example custom_store`
use std::{cell::RefCell, rc::Rc};

use petition_core::attachment::FileMeta;
use petition_core::case::{Case, Event};
use petition_core::conformance::{check_names, check_store};
use petition_core::store::FileChunk;
use petition_core::store::{Append, ChainTail, Finished as F, Gate, MemTxn, Sealed, Settings};
use petition_core::store::{StoredEntry, Txn, Visitor};
use petition_core::{audit, clock::Calendar, org, policy::Policy, Disclosure};
use petition_core::{example, CaseId, DomainError, MemoryStore, Service, Store};
use petition_core::{idempotency::KeyRecord, DateTime, FixedOffset};

type Result<T> = std::result::Result<T, DomainError>;

/// A store that journals the chain's positions and hashes as they commit.
#[derive(Default)]
struct JournalStore {
    inner: MemoryStore,
    journal: Rc<RefCell<Vec<String>>>,
}

/// A transaction of a [`JournalStore`]: the entries it sealed wait here for the commit.
struct JournalTxn<'a> {
    inner: MemTxn<'a>,
    journal: Rc<RefCell<Vec<String>>>,
    sealed: Vec<String>,
}

impl Store for JournalStore {
    type Txn<'a> = JournalTxn<'a>;
    fn txn(&mut self, gate: Gate<'_>) -> Result<JournalTxn<'_>> {
        let (inner, journal, sealed) = (self.inner.txn(gate)?, self.journal.clone(), vec![]);
        Ok(JournalTxn {
            inner,
            journal,
            sealed,
        })
    }
}

/// A journal line: an entry's position and hash.
fn line(e: &StoredEntry) -> String {
    format!("{} {}", e.gseq, audit::hex(&e.hash))
}

/// Verbs that pass straight to the inner store's transaction.
macro_rules! delegate {
    ($($verb:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        $(fn $verb(&mut self, $($arg: $ty),*) -> Result<$out> {
            self.inner.$verb($($arg),*)
        })*
    };
}

impl Txn for JournalTxn<'_> {
    fn append_admin(&mut self, a: F<'_, Sealed<'_, audit::AdminEvent>>) -> Result<()> {
        self.sealed.push(line(a.entry));
        self.inner.append_admin(a)
    }
    fn append(&mut self, a: F<'_, Append<'_>>) -> Result<()> {
        self.sealed.extend(a.sealed.iter().map(line));
        self.inner.append(a)
    }
    fn commit(self) -> Result<()> {
        // The entries reach the journal only once the backend has committed them.
        self.inner.commit()?;
        self.journal.borrow_mut().extend(self.sealed);
        Ok(())
    }
    // The other verbs persist as the inner store does.
    delegate! {
        initialized() -> bool;
        org() -> org::Org;
        policy() -> Policy;
        calendar() -> Calendar;
        chain_tail() -> Option<ChainTail>;
        put_unit(u: F<'_, org::Unit>) -> ();
        put_staff(s: F<'_, org::Staff>) -> ();
        put_settings(s: F<'_, Settings<'_>>) -> ();
        load_events(id: &CaseId) -> Vec<Event>;
        load_snapshot(id: &CaseId) -> Option<Case>;
        put_case(before: F<'_, Case>, after: F<'_, Case>) -> ();
        chain(from: u64, visit: Visitor<'_>) -> ();
        case_ids(after: Option<&CaseId>, n: usize) -> Vec<CaseId>;
        access_tail() -> Option<StoredEntry>;
        append_access(a: F<'_, Sealed<'_, Disclosure>>) -> ();
        access_chain(from: u64, visit: Visitor<'_>) -> ();
        key_record(staff: &str, key: &str) -> Option<KeyRecord>;
        put_key(rec: F<'_, KeyRecord>, stale: Option<DateTime<FixedOffset>>) -> ();
        // The case file's files (附件), a chunk at a time.
        file(sha256: &str) -> Option<FileMeta>;
        put_file_chunk(c: F<'_, FileChunk<'_>>) -> ();
        put_file(meta: F<'_, FileMeta>) -> ();
        file_chunk(sha256: &str, n: u32) -> Option<Vec<u8>>;
        files(after: Option<&str>, limit: usize) -> Vec<FileMeta>;
    }
}

fn main() -> Result<()> {
    // 1. The backend passes every check of the suite, each on a fresh store.
    check_store(JournalStore::default);
    println!("conformance: {} checks passed", check_names().len());

    // 2. In use: the journal holds the chain's head, whatever happens to the database later.
    let mut svc = Service::new(JournalStore::default());
    let now = example::setup(&mut svc);
    let li = example::principal(&mut svc, "li");
    let new = svc.register(&li, now, example::registration(now))?;
    let head = svc.verify(&[])?.head;
    let last = svc.store().journal.borrow().last().cloned();
    assert_eq!(last, Some(format!("{} {}", head.position, head.hash)));
    println!("registered {}; journal head: {head:?}", new.case.case.id);
    Ok(())
}
