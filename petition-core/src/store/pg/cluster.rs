//! Several servers on one PostgreSQL database: which of them runs the time-driven work (the
//! leader, by a session advisory lock that PostgreSQL releases when the leader's connection
//! ends, however it ends), and a wake-up for every server when a change commits (`NOTIFY`,
//! sent by the committing transaction, so only committed changes wake anyone).

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::{pg_err, PgStore};
use crate::error::Result;

/// The first half of the leader's advisory lock (any constant of this program's own, not the
/// migrations'); the second is the hash of the schema, so several petition databases kept in
/// schemas of one PostgreSQL database each have their own leader.
const LEADER_LOCK: i32 = 0x7065_7469; // "peti"

/// The channel a commit that moved the chain notifies, with `schema:position` (several petition
/// databases in one PostgreSQL database share the channel; each listener keeps its own schema's).
pub(super) const CHANGES: &str = "petition_changes";

impl PgStore {
    /// Takes the leader's lock on this connection, or confirms this connection holds it: `true`
    /// while this connection leads. The lock is held until the connection closes (a server
    /// that stops or is killed), and another connection's call then takes it.
    pub fn try_lead(&mut self) -> Result<bool> {
        if self.leading {
            // Held while the connection lives: a connection that broke has lost it.
            if let Err(e) = self.client.simple_query("SELECT 1") {
                self.leading = false;
                return Err(pg_err(e));
            }
            return Ok(true);
        }
        let row = self
            .client
            .query_one(
                "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))",
                &[&LEADER_LOCK],
            )
            .map_err(pg_err)?;
        self.leading = super::get(&row, 0)?;
        Ok(self.leading)
    }

    /// Counts one failed look-up of the public status page under each of `keys` at `at_ms`
    /// (milliseconds since the epoch), and forgets those before `forget_before_ms`: counted
    /// for every server on the database.
    pub fn lookup_failed(
        &mut self,
        keys: &[&str],
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<()> {
        let mut tx = self.client.transaction().map_err(pg_err)?;
        tx.execute(
            "DELETE FROM lookup_failures WHERE at_ms < $1",
            &[&forget_before_ms],
        )
        .map_err(pg_err)?;
        for key in keys {
            tx.execute(
                "INSERT INTO lookup_failures(key, at_ms) VALUES ($1, $2)",
                &[key, &at_ms],
            )
            .map_err(pg_err)?;
        }
        tx.commit().map_err(pg_err)
    }

    /// The times (ms since the epoch) of the `limit` latest failed look-ups under `key` since
    /// `since_ms`, latest first.
    pub fn lookup_failures(&mut self, key: &str, since_ms: i64, limit: i64) -> Result<Vec<i64>> {
        let rows = self
            .client
            .query(
                "SELECT at_ms FROM lookup_failures WHERE key = $1 AND at_ms >= $2 ORDER BY at_ms DESC LIMIT $3",
                &[&key, &since_ms, &limit],
            )
            .map_err(pg_err)?;
        rows.iter().map(|r| super::get(r, 0)).collect()
    }

    /// Subscribes this connection to the changes committed by any connection
    /// ([`PgStore::wait_change`]).
    pub fn listen_changes(&mut self) -> Result<()> {
        let row = self
            .client
            .query_one("SELECT current_schema()", &[])
            .map_err(pg_err)?;
        let schema: String = super::get(&row, 0)?;
        self.client
            .batch_execute(&format!("LISTEN {CHANGES}"))
            .map_err(pg_err)?;
        self.listening = Some(format!("{schema}:"));
        Ok(())
    }

    /// Waits at most `timeout` for a change committed since the last call (after
    /// [`PgStore::listen_changes`]); `true` when one came. Several changes come as one.
    pub fn wait_change(&mut self, timeout: Duration) -> Result<bool> {
        let ours = self.listening.clone().unwrap_or_default();
        let mut n = self.client.notifications();
        let first = n.timeout_iter(timeout).next().map_err(pg_err)?;
        let Some(first) = first else {
            return Ok(false);
        };
        // Whatever else arrived meanwhile is the same news; another schema's is none.
        let mut woke = first.payload().starts_with(&ours);
        let mut rest = n.iter();
        while let Some(more) = rest.next().map_err(pg_err)? {
            woke |= more.payload().starts_with(&ours);
        }
        Ok(woke)
    }
}
