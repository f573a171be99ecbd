//! 审计链 (SPEC §9): canonical JSON of every entry and one SHA-256 chain over the whole database —
//! case events and organisation, staff, policy and calendar changes alike.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::case::Event;
use crate::clock::DayKind;
use crate::org::{Staff, Unit};

/// An administrative change, audited in the same chain as case events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum AdminKind {
    /// `petition init`: the database was created with its first admin.
    Initialized {
        admin: Staff,
    },
    UnitAdded {
        unit: Unit,
    },
    StaffAdded {
        staff: Staff,
    },
    PolicySet {
        key: String,
        value: String,
    },
    CalendarSet {
        entries: Vec<(NaiveDate, DayKind)>,
    },
}

/// An administrative event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminEvent {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Staff id (or `system`).
    pub actor: String,
    /// What.
    #[serde(flatten)]
    pub kind: AdminKind,
}

/// One entry of the chain: a case event or an administrative event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    /// A case event (has `case` and `seq`).
    Case(Event),
    /// An administrative event.
    Admin(AdminEvent),
}

/// The hash the first entry chains from: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// Writes `v` as canonical JSON: object keys sorted, no insignificant whitespace.
pub fn canonical(v: &Value) -> String {
    let mut out = Vec::with_capacity(512);
    write_canonical(v, &mut out);
    // Only JSON text was written, and serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            // serde_json's map is sorted already unless a dependency turns on `preserve_order`;
            // sort explicitly then, so the canonical form never depends on a feature flag.
            let mut keys: Vec<&String> = m.keys().collect();
            if !keys.is_sorted() {
                keys.sort();
            }
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // Writing a string or a scalar into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_canonical(&m[k], out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
}

/// The JSON body of an entry as stored and exported: the entry plus its chain position `gseq`
/// (the hash field itself is left out).
pub fn body(entry: &Entry, gseq: u64) -> Value {
    let mut v = serde_json::to_value(entry).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("gseq".into(), Value::from(gseq));
    }
    v
}

/// `SHA-256(prev ‖ canonical JSON)`.
pub fn chain_hash(prev: &[u8; 32], canonical_json: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical_json.as_bytes());
    h.finalize().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// Parses 64 hex digits.
pub fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let hi = (chunk[0] as char).to_digit(16)?;
        let lo = (chunk[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// The result of verifying a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// The first broken link, if any: its `gseq`.
    pub first_broken: Option<u64>,
    /// Why it is broken.
    pub reason: Option<String>,
    /// The hash of the last entry (hex).
    pub head: String,
}

/// Incremental verifier: feed stored entries in chain order.
#[derive(Debug)]
pub struct Verifier {
    prev: [u8; 32],
    expected_gseq: u64,
    /// Report so far.
    pub report: VerifyReport,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS,
            expected_gseq: 1,
            report: VerifyReport {
                entries: 0,
                first_broken: None,
                reason: None,
                head: hex(&GENESIS),
            },
        }
    }
}

impl Verifier {
    /// Checks one stored entry (its canonical body text and stored hash). Returns false once broken.
    pub fn feed(&mut self, gseq: u64, body_json: &str, stored_hash: &[u8]) -> bool {
        if self.report.first_broken.is_some() {
            return false;
        }
        let fail = |me: &mut Self, why: &str| {
            me.report.first_broken = Some(gseq);
            me.report.reason = Some(why.to_string());
            false
        };
        if gseq != self.expected_gseq {
            return fail(self, "entries missing or out of order");
        }
        let value: Value = match serde_json::from_str(body_json) {
            Ok(v) => v,
            Err(_) => return fail(self, "entry is not valid JSON"),
        };
        if value.get("gseq").and_then(Value::as_u64) != Some(gseq) {
            return fail(self, "entry position does not match its body");
        }
        if serde_json::from_value::<Entry>(strip_gseq(value.clone())).is_err() {
            return fail(self, "entry does not have the shape of an event");
        }
        let h = chain_hash(&self.prev, &canonical(&value));
        if h.as_slice() != stored_hash {
            return fail(self, "hash does not match the entry and the previous hash");
        }
        self.prev = h;
        self.expected_gseq += 1;
        self.report.entries += 1;
        self.report.head = hex(&h);
        true
    }
}

/// The entry value without its `gseq` (for decoding as [`Entry`]).
pub fn strip_gseq(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("gseq");
        m.remove("hash");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_has_no_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": 1, "a": {"z": [1, 2], "y": "中"} }"#).expect("json");
        assert_eq!(canonical(&v), r#"{"a":{"y":"中","z":[1,2]},"b":1}"#);
        let v: Value = serde_json::from_str(
            r#"{"z": null, "t": true, "n": -1.5, "e": "a\"b\\c\n\u0001", "k\"": []}"#,
        )
        .expect("json");
        assert_eq!(
            canonical(&v),
            r#"{"e":"a\"b\\c\n\u0001","k\"":[],"n":-1.5,"t":true,"z":null}"#
        );
    }

    #[test]
    fn chain_detects_a_changed_entry() {
        let e = |n: u64| {
            format!(
                r#"{{"actor":"a","at":"2026-03-02T09:00:00+08:00","gseq":{n},"key":"k","type":"policy_set","value":"{n}"}}"#
            )
        };
        let h1 = chain_hash(&GENESIS, &e(1));
        let h2 = chain_hash(&h1, &e(2));
        let mut v = Verifier::default();
        assert!(v.feed(1, &e(1), &h1));
        assert!(v.feed(2, &e(2), &h2));
        assert_eq!(v.report.entries, 2);
        let mut v = Verifier::default();
        assert!(v.feed(1, &e(1), &h1));
        assert!(!v.feed(2, &e(2).replace("\"2\"", "\"3\""), &h2));
        assert_eq!(v.report.first_broken, Some(2));
        assert_eq!(unhex(&hex(&h2)), Some(h2));
    }
}
