//! The access log's pass of `verify`: its own hash chain, and every head of it that the audit
//! chain's entries (or the anchors) recorded.

use serde_json::Value;

use super::{Head, VerifyReport};
use crate::audit::{canonical, chain_hash, hex, AccessHead, GENESIS};
use crate::error::Result;
use crate::store::Txn;

pub(super) fn access_pass<T: Txn>(
    txn: &mut T,
    heads: &[(u64, AccessHead)],
    report: &mut VerifyReport,
) -> Result<Option<String>> {
    let mut prev = GENESIS;
    let mut problem = None;
    // The heads recorded at an empty log must name the genesis.
    let mut heads = heads.iter().peekable();
    while let Some((g, h)) = heads.next_if(|(_, h)| h.pos == 0) {
        if h.hash != GENESIS {
            return Ok(Some(head_problem(*g, h.pos)));
        }
    }
    txn.access_chain(1, &mut |e| {
        let pos = e.gseq;
        let mut fail = |why: &str| {
            problem = Some(format!("access log, entry {pos}: {why}"));
            Ok(false)
        };
        if pos != report.access_log + 1 {
            return fail("entries missing or out of order");
        }
        let Ok(value) = serde_json::from_str::<Value>(&e.body) else {
            return fail("not valid JSON");
        };
        if value.get("pos").and_then(Value::as_u64) != Some(pos) {
            return fail("its position does not match its body");
        }
        let h = chain_hash(&prev, &canonical(&value));
        if h.as_slice() != e.hash.as_slice() {
            return fail("the hash does not match the entry and the previous hash");
        }
        let case = value
            .get("case")
            .and_then(Value::as_str)
            .map(str::to_string);
        if case != e.index.as_ref().map(|(c, _)| c.clone()) {
            return fail("the case column does not match the body");
        }
        while let Some((g, rec)) = heads.next_if(|(_, r)| r.pos == pos) {
            if rec.hash != h {
                problem = Some(head_problem(*g, pos));
                return Ok(false);
            }
        }
        prev = h;
        report.access_log = pos;
        report.access_head = Head {
            position: pos,
            hash: hex(&h),
        };
        Ok(true)
    })?;
    if problem.is_none() {
        if let Some((g, rec)) = heads.next() {
            problem = Some(format!(
                "access log: it ends at entry {}, but {} recorded it at entry {}: entries were removed",
                report.access_log,
                recorder(*g),
                rec.pos
            ));
        }
    }
    Ok(problem)
}

/// Who recorded an access-log head: a chain entry, or (0) an anchor.
fn recorder(gseq: u64) -> String {
    match gseq {
        0 => "an anchor".to_string(),
        g => format!("audit chain entry {g}"),
    }
}

fn head_problem(gseq: u64, pos: u64) -> String {
    format!(
        "access log, entry {pos}: differs from the entry {} recorded for it: the access log was rewritten",
        recorder(gseq)
    )
}
