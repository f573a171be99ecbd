//! 外部编号: another system's id of a matter it handed over (a 12345 hotline's ticket).

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Refusal, Result};

fn v(field: &str, en: &str, zh: &str) -> DomainError {
    DomainError::from(Refusal::field(field, en, zh))
}

/// 外部编号: the id another system (a 12345 hotline, a provincial platform) gave the matter it
/// handed over. Each part is 1–64 characters; a system's id is registered once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalRef {
    /// The system (a short name its integrators agree on, e.g. `hotline-12345`).
    pub system: String,
    /// Its id in that system.
    pub id: String,
}

impl ExternalRef {
    /// Parses `SYSTEM:ID` (the first `:` separates them).
    pub fn parse(s: &str) -> Result<Self> {
        let (system, id) = s.split_once(':').ok_or_else(|| {
            v(
                "external_ref",
                "is SYSTEM:ID (e.g. hotline-12345:T20260302-0001)",
                "格式应为 系统:编号（如 hotline-12345:T20260302-0001）",
            )
        })?;
        let r = Self {
            system: system.to_string(),
            id: id.to_string(),
        };
        r.validate()?;
        Ok(r)
    }

    /// Each part 1–64 characters, no control characters.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("external_ref.system", &self.system),
            ("external_ref.id", &self.id),
        ] {
            let n = value.chars().count();
            if n == 0 || n > 64 || value.chars().any(char::is_control) || value.trim() != value {
                return Err(v(
                    field,
                    "must be 1–64 characters, without control characters or surrounding spaces",
                    "须为 1–64 个字符，不含控制字符，首尾无空格",
                ));
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.system, self.id)
    }
}
