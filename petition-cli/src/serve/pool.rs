//! Open database connections shared by the server's requests: taken for one request on a
//! blocking thread, given back after; more are opened when all are busy, and at most `keep` stay
//! open between requests.

use std::path::PathBuf;
use std::sync::Mutex;

use petition_core::service::Service;

use crate::app::{open_service, CliResult, Db, Pool};

/// The pool.
pub struct DbPool {
    path: PathBuf,
    idle: Mutex<Vec<Service<Db>>>,
    keep: usize,
}

impl DbPool {
    /// A pool of connections to the database at `path` (a file or a `postgres://` URL).
    pub fn new(path: PathBuf, keep: usize) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            keep,
        }
    }
}

impl Pool for DbPool {
    fn take(&self) -> CliResult<Service<Db>> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(s) => Ok(s),
            None => open_service(&self.path),
        }
    }

    fn give(&self, svc: Service<Db>) {
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < self.keep {
                v.push(svc);
            }
        }
    }
}
