//! The time-driven work over every due case (`tick`), in batches, optionally reading ahead on
//! a second connection.

use super::*;

/// How many due cases `tick` handles in one transaction.
pub const TICK_BATCH: usize = 1_000;

/// Due cases `tick` reads per page of its due list (then handles in [`TICK_BATCH`]es).
pub(crate) const TICK_PAGE: usize = 20_000;

/// Cases a tick's reader keeps ahead ([`Service::tick_with_reader`]): four transactions' worth.
/// The reader is at most three transactions ahead (the one it reads and two waiting), and the
/// writer takes out each copy it looks at, so the cache never fills up and starts again empty.
pub(super) const READ_AHEAD_CASES: usize = 4 * TICK_BATCH;

/// What one `tick` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TickSummary {
    /// Events appended.
    pub events: u64,
    /// Cases closed because a window lapsed.
    pub closed: u64,
    /// Automatic supervisions opened.
    pub supervisions_opened: u64,
    /// Supervisions escalated.
    pub escalated: u64,
    /// Evaluations recorded as lapsed.
    pub evaluations_lapsed: u64,
}

impl TickSummary {
    /// Adds another summary's counts.
    pub fn add(&mut self, o: &TickSummary) {
        self.events += o.events;
        self.closed += o.closed;
        self.supervisions_opened += o.supervisions_opened;
        self.escalated += o.escalated;
        self.evaluations_lapsed += o.evaluations_lapsed;
    }
}

/// A tick's read ahead: the cache, and who is given each next transaction's ids.
pub(super) type ReadAhead<'a> = (Arc<CaseCache>, &'a mut dyn FnMut(Vec<CaseId>));

impl<S: Store> Service<S> {
    /// Sets how many due cases `tick` handles per transaction (tests of interrupted ticks).
    #[cfg(test)]
    pub(crate) fn set_tick_batch(&mut self, n: usize) {
        self.tick_batch = n;
    }

    /// Sets how many due cases `tick` reads per page of its due list (tests of many pages).
    #[cfg(test)]
    pub(crate) fn set_tick_page(&mut self, n: usize) {
        self.tick_page = n;
    }

    /// The time-driven work (reminders for overdue clocks, escalation of unanswered
    /// supervisions, lapsed windows) as `system`, at `when` — on a live database always now:
    /// a time named for it is refused. Finds due cases through the due-date index, many cases
    /// per transaction, so a crash loses nothing and a rerun finishes the job. Idempotent.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration, unit};
    /// use petition_core::{Command, DateTime};
    /// let (mut svc, now) = county();
    /// let li = principal(&mut svc, "li");
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// let to = unit("town");
    /// svc.execute(&li, now, &id, Command::Transfer { to, note: None }).unwrap();
    /// // The township let its 15-day acceptance limit pass: the county office reminds it (催办).
    /// let later = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").unwrap();
    /// let done = svc.tick(later).unwrap();
    /// assert_eq!(done.supervisions_opened, 1);
    /// assert_eq!(svc.tick(later).unwrap().events, 0, "a second tick does nothing");
    /// ```
    pub fn tick(&mut self, when: impl Into<When>) -> Result<TickSummary> {
        self.tick_ahead(when.into(), None)
    }

    /// [`Service::tick`], with `reader` — a second service over the same database, on its own
    /// connection — reading and replaying the cases of each next transaction on a thread of its
    /// own while this one writes. The tick takes a case from what `reader` read only when the
    /// copy's last event number is the store's, read inside the transaction that holds the case,
    /// and reads the store otherwise: what the reader does, or fails to do (it may fall behind,
    /// or fail), changes no event. Replaying the cases is then off the writing thread (about a
    /// fifth of a tick's time on SQLite). Worth it where reading a case costs the writer more
    /// than asking its number; on PostgreSQL both are a round trip, and the command line's tick
    /// there does not read ahead.
    ///
    /// A reader on another database is refused (`validation`): its copies would be of other
    /// cases.
    pub fn tick_with_reader<R: Store + Send>(
        &mut self,
        when: impl Into<When>,
        mut reader: Service<R>,
    ) -> Result<TickSummary> {
        let when = when.into();
        let mine = self.read(|w| w.identity())?;
        let theirs = reader.read(|w| w.identity())?;
        if mine.db != theirs.db {
            return Err(DomainError::from(Refusal::invalid(
                "the tick's reader is a service over another database: give it one over this database",
                "定时处理的预读服务连接的是另一个数据库：请连接本数据库",
            )));
        }
        let cache = Arc::new(CaseCache::new(READ_AHEAD_CASES));
        reader.share_cases(cache.clone());
        // Two transactions' worth of ids at most wait: when the reader falls behind, the
        // writer reads those cases itself rather than wait for it.
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<CaseId>>(2);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for ids in receive {
                    // A failed read ahead only means the tick reads those cases itself.
                    let _ = reader.read_ahead(&ids);
                }
            });
            let summary = self.tick_reading_ahead(when, cache, |ids| {
                let _ = send.try_send(ids);
            });
            drop(send);
            summary
        })
    }

    /// [`Service::tick`], with each page's first transaction's ids, then before each transaction
    /// the ids of the one after it, given to `ahead` to load into `cache` (the mechanism of
    /// [`Service::tick_with_reader`]; the tests call it without a thread).
    pub(crate) fn tick_reading_ahead(
        &mut self,
        when: impl Into<When>,
        cache: Arc<CaseCache>,
        mut ahead: impl FnMut(Vec<CaseId>),
    ) -> Result<TickSummary> {
        self.tick_ahead(when.into(), Some((cache, &mut ahead)))
    }

    /// Loads the cases `ids` into the cache this service shares ([`Service::share_cases`]), in
    /// one read transaction; cases that do not exist are skipped. The reader's half of
    /// [`Service::tick_with_reader`].
    pub(crate) fn read_ahead(&mut self, ids: &[CaseId]) -> Result<()> {
        self.read(|w| {
            for id in ids {
                w.case(id)?;
            }
            Ok(())
        })
    }

    pub(super) fn tick_ahead(
        &mut self,
        when: When,
        mut ahead: Option<ReadAhead<'_>>,
    ) -> Result<TickSummary> {
        let mut summary = TickSummary::default();
        // A cursor over (next tick date, id), moved past a whole page once it is done: a case
        // whose date does not move (nothing it could do yet) is not visited twice, one that
        // moves to a later date still due, past the page, is visited again, and memory stays
        // one page (`TICK_PAGE` ids) whatever the number of due cases.
        let mut cursor: Option<(NaiveDate, CaseId)> = None;
        let (now, today) = self.read(|w| {
            let now = w.write_time(when)?;
            Ok((now, local_date(now, w.policy.timezone)))
        })?;
        let page = self.tick_page.max(1);
        loop {
            let after = cursor.as_ref();
            let due = DuePage {
                today,
                after,
                limit: page,
            };
            let mut batch = self.read(|w| w.txn.due_for_tick(&due))?;
            let Some(page_end) = batch.last().cloned() else {
                return Ok(summary);
            };
            // A page is handled in case-number order, not due-date order: the rows a
            // transaction touches (the cases, their clocks, their counters by registration day)
            // then sit on neighbouring pages of the database instead of all over it. Each case's
            // tick depends on that case alone, so the order changes no case's events.
            batch.sort_by(|a, b| a.1.cmp(&b.1));
            // Up to TICK_BATCH cases per transaction: one commit (one sync) for many cases,
            // while a clerk waits for a case of the batch at most that long. The summary of a
            // batch is added only after its commit, so a retried batch counts once.
            let chunks: Vec<&[(NaiveDate, CaseId)]> =
                batch.chunks(self.tick_batch.max(1)).collect();
            let ids_of = |i: usize| -> Vec<CaseId> {
                chunks
                    .get(i)
                    .map(|c| c.iter().map(|(_, id)| id.clone()).collect())
                    .unwrap_or_default()
            };
            if let Some((_, f)) = &mut ahead {
                f(ids_of(0));
            }
            for (i, chunk) in chunks.iter().enumerate() {
                let ids = ids_of(i);
                let cache = match &mut ahead {
                    Some((cache, f)) => {
                        let next = ids_of(i + 1);
                        if !next.is_empty() {
                            f(next);
                        }
                        Some(cache.clone())
                    }
                    None => None,
                };
                let done = self.work(|w| {
                    w.txn()?.lock_cases(&ids)?;
                    // Read ahead: the copy is used only when its number is the store's, read
                    // in this transaction, which holds the case; nothing goes into the cache.
                    w.cases = cache.clone();
                    let mut s = TickSummary::default();
                    let now = w.batch_time(now)?;
                    for (_, id) in chunk.iter() {
                        match w.tick_case(id, now) {
                            Ok(x) => s.add(&x),
                            // A case whose history is already later than `now` has nothing due
                            // at `now`.
                            Err(DomainError::Refused(Refusal::ClockSkew { .. })) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(s)
                })?;
                summary.add(&done);
            }
            cursor = Some(page_end);
        }
    }
}
