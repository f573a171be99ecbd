//! 审计链: canonical JSON of every entry and one SHA-256 chain over the whole database —
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
    /// `petition init`: the database was created with its first admin and its clock mode
    /// (absent in databases made before clock modes existed: those are live, `system`).
    Initialized {
        admin: Staff,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clock: Option<ClockMode>,
        /// The rules version (absent in databases made before versions existed: 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rules: Option<u32>,
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
    /// `staff token`: a bearer token for the office server was issued; only its SHA-256 digest
    /// is recorded, never the token.
    TokenIssued {
        staff: crate::ids::StaffId,
        sha256: String,
        expires_at: DateTime<FixedOffset>,
        /// An integration account's scopes (none for a person's token: every scope).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scopes: Option<Vec<crate::org::Scope>>,
    },
    /// `staff revoke-tokens`: every token of the staff member stops working.
    TokensRevoked {
        staff: crate::ids::StaffId,
    },
    /// `staff deactivate` (停用): the staff member may no longer act; their tokens are revoked.
    StaffDeactivated {
        staff: crate::ids::StaffId,
    },
    /// `staff move` (调动): the staff member now works for another unit.
    StaffMoved {
        staff: crate::ids::StaffId,
        unit: crate::ids::UnitCode,
    },
    /// `staff rename`: the staff member's name changed (the chain keeps the earlier one).
    StaffRenamed {
        staff: crate::ids::StaffId,
        name: String,
    },
    /// `unit rename`: a unit's name changed (机构更名; the chain keeps the earlier one).
    UnitRenamed {
        unit: crate::ids::UnitCode,
        name: String,
    },
    /// `unit import --move`: a unit's parent or line superior changed (机构调整).
    UnitMoved {
        unit: crate::ids::UnitCode,
        parent: Option<crate::ids::UnitCode>,
        line_superior: Option<crate::ids::UnitCode>,
    },
}

impl AdminKind {
    /// Every administrative entry's `type`.
    pub const TYPE_NAMES: &'static [&'static str] = &[
        "initialized",
        "unit_added",
        "staff_added",
        "policy_set",
        "calendar_set",
        "token_issued",
        "tokens_revoked",
        "staff_deactivated",
        "staff_moved",
        "staff_renamed",
        "unit_renamed",
        "unit_moved",
    ];

    /// The snake_case `type` of the entry.
    pub fn type_name(&self) -> &'static str {
        match self {
            AdminKind::Initialized { .. } => "initialized",
            AdminKind::UnitAdded { .. } => "unit_added",
            AdminKind::StaffAdded { .. } => "staff_added",
            AdminKind::PolicySet { .. } => "policy_set",
            AdminKind::CalendarSet { .. } => "calendar_set",
            AdminKind::TokenIssued { .. } => "token_issued",
            AdminKind::TokensRevoked { .. } => "tokens_revoked",
            AdminKind::StaffDeactivated { .. } => "staff_deactivated",
            AdminKind::StaffMoved { .. } => "staff_moved",
            AdminKind::StaffRenamed { .. } => "staff_renamed",
            AdminKind::UnitRenamed { .. } => "unit_renamed",
            AdminKind::UnitMoved { .. } => "unit_moved",
        }
    }
}

/// Where a database's time comes from, fixed at `init` and recorded in the chain's first entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    /// A live database: time is the system clock; commands that write take no other time.
    #[default]
    System,
    /// A training, demo or test database: every command may name its time (never earlier than
    /// the case's last event).
    Simulated,
}

impl ClockMode {
    /// `system` or `simulated`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::System => "system",
            ClockMode::Simulated => "simulated",
        }
    }
}

/// An administrative event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminEvent {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// The admin who made the change.
    pub actor: crate::ids::StaffId,
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

impl Entry {
    /// When the entry was made.
    pub fn at(&self) -> DateTime<FixedOffset> {
        match self {
            Entry::Case(e) => e.at,
            Entry::Admin(a) => a.at,
        }
    }
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

/// The JSON body of an entry: the entry plus its chain position `gseq` (the hash field itself
/// is left out).
pub fn body(entry: &Entry, gseq: u64) -> Value {
    body_with(entry, gseq, None)
}

/// The JSON body of an entry as stored and exported: [`body`] plus, in entries written since the
/// access log was chained into the chain, the access log's head when the entry was written
/// (`"access": {"pos": N, "hash": "<64 hex>"}`), so access-log entries older than the chain's
/// last entry cannot be removed or changed unseen.
pub fn body_with(entry: &Entry, gseq: u64, access: Option<AccessHead>) -> Value {
    let mut v = serde_json::to_value(entry).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("gseq".into(), Value::from(gseq));
        if let Some(a) = access {
            m.insert(
                "access".into(),
                serde_json::json!({"pos": a.pos, "hash": hex(&a.hash)}),
            );
        }
    }
    v
}

/// The access log's head as a chain entry records it: the position of its last entry (0 when it
/// is empty) and that entry's hash (the genesis when empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessHead {
    /// Position of the access log's last entry, 0 when empty.
    pub pos: u64,
    /// Its hash ([`GENESIS`] when empty).
    pub hash: [u8; 32],
}

impl AccessHead {
    /// The head of an empty access log.
    pub const EMPTY: AccessHead = AccessHead {
        pos: 0,
        hash: GENESIS,
    };

    /// The head a stored body records, read without decoding the rest of it (`None`: none, or
    /// malformed — `verify` tells the two apart with [`AccessHead::of_body`]).
    pub fn of_stored(body: &str) -> Option<AccessHead> {
        #[derive(Deserialize)]
        struct Recorded {
            access: Option<Head>,
        }
        #[derive(Deserialize)]
        struct Head {
            pos: u64,
            hash: String,
        }
        let h = serde_json::from_str::<Recorded>(body).ok()?.access?;
        Some(AccessHead {
            pos: h.pos,
            hash: unhex(&h.hash)?,
        })
    }

    /// The head recorded in a stored body: `None` when it records none, `Some(Err(()))` when
    /// what it records is malformed.
    pub fn of_body(v: &Value) -> Option<std::result::Result<AccessHead, ()>> {
        let a = v.get("access")?;
        let pos = a.get("pos").and_then(Value::as_u64);
        let hash = a.get("hash").and_then(Value::as_str).and_then(unhex);
        Some(match (pos, hash) {
            (Some(pos), Some(hash)) => Ok(AccessHead { pos, hash }),
            _ => Err(()),
        })
    }
}

/// `SHA-256(prev ‖ canonical JSON)`.
pub fn chain_hash(prev: &[u8; 32], canonical_json: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical_json.as_bytes());
    h.finalize().into()
}

/// Seals an access-log entry at position `pos` after `prev`: its canonical body (the disclosure
/// plus `pos`) and `SHA-256(prev ‖ body)`. The access log is a hash chain of its own.
pub fn seal_disclosure(
    pos: u64,
    prev: &[u8; 32],
    d: &crate::access::Disclosure,
) -> (String, [u8; 32]) {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("pos".into(), Value::from(pos));
    }
    let body = canonical(&v);
    let hash = chain_hash(prev, &body);
    (body, hash)
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

/// The entry value without its `gseq`, `hash` and `access` (for decoding as [`Entry`]).
pub fn strip_gseq(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("gseq");
        m.remove("hash");
        m.remove("access");
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

    const KNOWN_1: &str = "9e584a7a1c6205736fcb88c6693292afc957ed58461a4200f809c2572916c203";
    const KNOWN_2: &str = "b80c3d69d5a75d7c8038f0093be3b740036e01e6a2bb6a603f0e92d368b74bd7";

    #[test]
    fn chain_hash_known_answer() {
        // SHA-256(32 zero bytes ‖ this body), computed independently (Python's hashlib).
        let body = r#"{"actor":"a","at":"2026-03-02T09:00:00+08:00","gseq":1,"key":"k","type":"policy_set","value":"1"}"#;
        assert_eq!(hex(&chain_hash(&GENESIS, body)), KNOWN_1);
        let body2 = r#"{"actor":"a","at":"2026-03-02T09:00:00+08:00","gseq":2,"key":"k","type":"policy_set","value":"2"}"#;
        let h1 = unhex(KNOWN_1).expect("hex");
        assert_eq!(hex(&chain_hash(&h1, body2)), KNOWN_2);
        assert_eq!(unhex(&hex(&h1)), Some(h1));
    }
}
