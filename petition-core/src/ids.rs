//! Typed identifiers: case ids (`XF2026-000001`), unit codes, staff ids and query codes (查询码).
//!
//! Every identifier that crosses the boundary is parsed here, once, into a type that cannot hold a
//! malformed value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, IdKind, Refusal};

fn plain_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates: 1–64 ASCII letters, digits, `-`, `_` or `.`.
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                if plain_code(s, 64) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(DomainError::from(Refusal::bad_code($kind, s)))
                }
            }
            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, DomainError> {
                Self::parse(s)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// 单位代码: the stable text id of a unit, e.g. `city-xfj`.
    UnitCode,
    IdKind::UnitCode
);
code_type!(
    /// 工作人员编号: a staff member's id, e.g. `li`.
    StaffId,
    IdKind::StaffId
);

/// Who did something: a staff member, the system's time-driven work (`tick`), or the petitioner
/// (rating an answer online). Recorded on events as text: the staff id, `system` or
/// `petitioner` — ids no staff member may take.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ActorId {
    /// A staff member.
    Staff(StaffId),
    /// The time-driven work.
    System,
    /// The petitioner, online.
    Petitioner,
}

impl ActorId {
    /// Parses `system`, `petitioner` or a staff id.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "system" => ActorId::System,
            "petitioner" => ActorId::Petitioner,
            other => ActorId::Staff(StaffId::parse(other)?),
        })
    }
    /// The actor as recorded.
    pub fn as_str(&self) -> &str {
        match self {
            ActorId::Staff(s) => s.as_str(),
            ActorId::System => "system",
            ActorId::Petitioner => "petitioner",
        }
    }
    /// The staff member, when the actor is one.
    pub fn staff(&self) -> Option<&StaffId> {
        match self {
            ActorId::Staff(s) => Some(s),
            _ => None,
        }
    }
}

impl TryFrom<String> for ActorId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}
impl From<ActorId> for String {
    fn from(v: ActorId) -> String {
        v.as_str().to_string()
    }
}
impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 信访件编号: `XF{year}-{sequence:06}`, assigned at registration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId(String);

impl CaseId {
    /// Builds the id for a year and a per-database sequence number.
    pub fn new(year: i32, seq: u32) -> Self {
        Self(format!("XF{year:04}-{seq:06}"))
    }
    /// Parses `XF` + 4 digits + `-` + 6 or more digits.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        // A clerk may type the prefix in any letter case (`xf2026-000006`); the id is upper case.
        let upper;
        let s =
            if s.is_char_boundary(2) && s[..2].eq_ignore_ascii_case("XF") && !s.starts_with("XF") {
                upper = format!("XF{}", &s[2..]);
                upper.as_str()
            } else {
                s
            };
        let ok = s.len() >= 13
            && s.len() <= 20
            && s.starts_with("XF")
            && s.as_bytes()[2..6].iter().all(u8::is_ascii_digit)
            && s.as_bytes()[6] == b'-'
            && s.as_bytes()[7..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::from(Refusal::bad_case_id(s)))
        }
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The registration year encoded in the id.
    pub fn year(&self) -> i32 {
        self.0[2..6].parse().unwrap_or(0)
    }
    /// The sequence number encoded in the id.
    pub fn sequence(&self) -> u32 {
        self.0[7..].parse().unwrap_or(0)
    }
}
impl TryFrom<String> for CaseId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}
impl From<CaseId> for String {
    fn from(v: CaseId) -> String {
        v.0
    }
}
impl FromStr for CaseId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        Self::parse(s)
    }
}
impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The alphabet of query codes: no look-alikes (no 0/O, 1/I/L).
pub const QUERY_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// 查询码 (2005 Art 12): 8 characters from [`QUERY_CODE_ALPHABET`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueryCode(String);

impl QueryCode {
    /// Parses a query code (case-insensitive on input, stored upper-case).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let up = s.to_ascii_uppercase();
        if up.len() == 8 && up.bytes().all(|b| QUERY_CODE_ALPHABET.contains(&b)) {
            Ok(Self(up))
        } else {
            Err(DomainError::from(Refusal::bad_query_code()))
        }
    }
    /// Builds a code from 8 random numbers (the caller supplies the randomness: the core does no I/O).
    pub fn from_random(r: [u32; 8]) -> Self {
        let n = QUERY_CODE_ALPHABET.len() as u32;
        Self(
            r.iter()
                .map(|x| QUERY_CODE_ALPHABET[(x % n) as usize] as char)
                .collect(),
        )
    }
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether `typed` (any case, surrounding spaces ignored) is this code, compared in constant
    /// time: how long the comparison takes says nothing about how much of a guess was right.
    pub fn matches(&self, typed: &str) -> bool {
        let typed = typed.trim().as_bytes();
        let mine = self.0.as_bytes();
        let mut diff = u8::from(typed.len() != mine.len());
        for (i, m) in mine.iter().enumerate() {
            let t = typed.get(i).copied().unwrap_or(0).to_ascii_uppercase();
            diff |= t ^ m;
        }
        diff == 0
    }
}
impl TryFrom<String> for QueryCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}
impl From<QueryCode> for String {
    fn from(v: QueryCode) -> String {
        v.0
    }
}
impl fmt::Display for QueryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How costly the salted hash of a query code is to compute (argon2id).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueryCodeCost {
    /// What every live database uses: argon2id over 256 KiB of memory, 6 passes — about 0.5 ms
    /// to check one guess on this project's benchmark machine, so finding one case's code among
    /// the 31⁸ takes some seven CPU-years on average (and every case has its own salt). The
    /// memory is kept small because a registering command pays for it in a fresh process (page
    /// faults), measured: 1 MiB × 2 passes added 16% to `register`, this adds 8%.
    #[default]
    Standard,
    /// Generated training and benchmark data only (simulated databases: refused on a live one):
    /// 8 KiB and 1 pass, so a million cases generate in minutes, not hours.
    Training,
}

impl QueryCodeCost {
    fn params(self) -> argon2::Params {
        let (m, t) = match self {
            QueryCodeCost::Standard => (256, 6),
            QueryCodeCost::Training => (8, 1),
        };
        argon2::Params::new(m, t, 1, None).unwrap_or_default()
    }
}

/// A query code's salted slow hash: an argon2id PHC string (`$argon2id$v=19$m=…$salt$hash`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodeHash(String);

impl CodeHash {
    /// Hashes `code` with `salt` (16 random bytes the caller draws: the core does no I/O).
    pub fn of(code: &QueryCode, salt: [u8; 16], cost: QueryCodeCost) -> Self {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let a = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            cost.params(),
        );
        // Encoding 16 bytes and hashing 8 characters with valid parameters cannot fail; the
        // fallback (never taken) would only make the code unusable, never readable.
        let phc = SaltString::encode_b64(&salt)
            .ok()
            .and_then(|s| {
                a.hash_password(code.as_str().as_bytes(), &s)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_else(|| "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$invalid".into());
        Self(phc)
    }

    /// Whether `typed` (any letter case, surrounding spaces ignored) is the code hashed here;
    /// the comparison of the hashes takes the same time wherever they differ.
    pub fn matches(&self, typed: &str) -> bool {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let typed = typed.trim().to_ascii_uppercase();
        let Ok(h) = PasswordHash::new(&self.0) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(typed.as_bytes(), &h)
            .is_ok()
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash left out of what a reader is shown (empty: it matches no code).
    pub(crate) fn withheld() -> Self {
        Self(String::new())
    }
}

impl TryFrom<String> for CodeHash {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        use argon2::password_hash::PasswordHash;
        match PasswordHash::new(&s) {
            Ok(h) if h.algorithm.as_str() == "argon2id" => Ok(Self(s)),
            _ => Err(DomainError::from(Refusal::field(
                "query_code_hash",
                "must be an argon2id hash in PHC form",
                "必须是 PHC 格式的 argon2id 哈希",
            ))),
        }
    }
}

impl From<CodeHash> for String {
    fn from(v: CodeHash) -> String {
        v.0
    }
}

/// How a case keeps its query code: hashed (every case registered now), or in clear (cases
/// registered before codes were hashed: their chain keeps what it recorded).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeRecord {
    /// The salted slow hash.
    Hashed(CodeHash),
    /// The code itself (older chains).
    Clear(QueryCode),
}

impl CodeRecord {
    /// Whether `typed` is the code.
    pub fn matches(&self, typed: &str) -> bool {
        match self {
            CodeRecord::Hashed(h) => h.matches(typed),
            CodeRecord::Clear(c) => c.matches(typed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_round_trip_and_malformed_ids_are_refused() {
        let id = CaseId::new(2026, 1);
        assert_eq!(id.as_str(), "XF2026-000001");
        assert_eq!(CaseId::parse("XF2026-000001"), Ok(id.clone()));
        assert_eq!(id.year(), 2026);
        assert_eq!(id.sequence(), 1);
        // The prefix in any letter case is the same id.
        assert_eq!(CaseId::parse("xf2026-000001"), Ok(id.clone()));
        assert_eq!(CaseId::parse("Xf2026-000001"), Ok(id.clone()));
        for bad in [
            "",
            "XF2026000001",
            "yf2026-000001",
            "XF26-000001",
            "XF2026-00001a",
            "XF2026-",
        ] {
            assert!(CaseId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_codes_refuse_spaces_controls_and_sql() {
        assert!(UnitCode::parse("city-xfj").is_ok());
        for bad in [
            "",
            "a b",
            "x'; DROP TABLE events;--",
            "a\u{7}",
            &"x".repeat(65),
        ] {
            assert!(UnitCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn query_codes_match_only_themselves_in_any_case() {
        let c = QueryCode::parse("K7PX3MQA").expect("code");
        assert!(c.matches("K7PX3MQA"));
        assert!(c.matches(" k7px3mqa "));
        for wrong in [
            "K7PX3MQB",
            "K7PX3MQ",
            "K7PX3MQAA",
            "",
            "k7px3mqa\0",
            "X7PX3MQA",
        ] {
            assert!(!c.matches(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn query_codes_have_no_look_alikes() {
        let c = QueryCode::from_random([0, 1, 2, 3, 4, 5, 6, 30]);
        assert_eq!(c.as_str().len(), 8);
        assert!(!c.as_str().contains(['0', 'O', '1', 'I', 'L']));
        assert!(QueryCode::parse("k7px3mqa").is_ok());
        assert!(QueryCode::parse("K7PX3MQ0").is_err());
    }
}
