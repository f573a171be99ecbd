//! 管理: the administrative rules, beside the case rules and like them pure. [`decide_admin`]
//! checks an admin's change against the organisation and policy as they are and gives the event
//! to record, or a refusal; [`apply_admin`] applies a recorded event — the one applier of live
//! work, of an import and of `verify`'s replay, so what is applied live is what replay rebuilds.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::audit::AdminKind;
use crate::clock::{Calendar, DayKind};
use crate::error::{DomainError, Refusal, Result};
use crate::ids::{StaffId, UnitCode};
use crate::org::{Changed, Org, Role, Staff, Unit};
use crate::policy::Policy;

/// An organisation, policy or calendar change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminChange {
    /// Add a unit.
    AddUnit(Unit),
    /// Add a staff member.
    AddStaff(Staff),
    /// Set a policy value.
    SetPolicy {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Load calendar entries.
    SetCalendar(Vec<(NaiveDate, DayKind)>),
    /// Record a bearer token's digest (see [`Service::issue_token`](crate::Service::issue_token), which makes the token).
    IssueToken {
        /// Whose token.
        staff: StaffId,
        /// SHA-256 of the token, lowercase hex.
        sha256: String,
        /// When it stops working.
        expires_at: DateTime<FixedOffset>,
        /// An integration account's scopes (required for one; refused for a person, whose
        /// token has every scope of their role).
        scopes: Option<Vec<crate::org::Scope>>,
    },
    /// Revoke every token of a staff member.
    RevokeTokens(StaffId),
    /// Deactivate a staff member (停用), revoking their tokens.
    Deactivate(StaffId),
    /// Move a staff member to another unit (调动).
    MoveStaff {
        /// Who.
        staff: StaffId,
        /// Their new unit.
        unit: UnitCode,
    },
    /// Rename a staff member.
    RenameStaff {
        /// Who.
        staff: StaffId,
        /// The new name.
        name: String,
    },
    /// Rename a unit (机构更名).
    RenameUnit {
        /// Which.
        unit: UnitCode,
        /// The new name.
        name: String,
    },
    /// Move a unit under another parent or line superior (机构调整: a township merged into another
    /// county, a bureau's line superior changed). Its level and kind stay; who may read its
    /// cases follows the new place at once.
    MoveUnit {
        /// Which.
        unit: UnitCode,
        /// The new parent.
        parent: Option<UnitCode>,
        /// The new line superior.
        line_superior: Option<UnitCode>,
    },
}

/// A staff member who may act: known and active.
pub(crate) fn active<'o>(org: &'o Org, id: &StaffId) -> Result<&'o Staff> {
    let s = known(org, id)?;
    if s.deactivated {
        return Err(DomainError::from(Refusal::Deactivated {
            staff: id.clone(),
        }));
    }
    Ok(s)
}

/// A staff member by id, active or not.
pub(crate) fn known<'o>(org: &'o Org, id: &StaffId) -> Result<&'o Staff> {
    org.staff(id).ok_or_else(|| {
        DomainError::from(Refusal::NoStaff {
            id: id.clone(),
            nearest: crate::error::nearest(id.as_str(), org.all_staff().map(|s| s.id.as_str())),
        })
    })
}

/// The event an admin's change records, checked against the organisation and policy as they
/// are: `actor` is an active admin, the unit or staff member fits, the value is valid. Changes
/// nothing.
pub(crate) fn decide_admin(
    org: &Org,
    policy: &Policy,
    actor: &StaffId,
    change: AdminChange,
) -> Result<AdminKind> {
    if active(org, actor)?.role != Role::Admin {
        return Err(DomainError::from(Refusal::AdminOnly));
    }
    Ok(match change {
        AdminChange::AddUnit(unit) => {
            org.check_unit(&unit)?;
            AdminKind::UnitAdded { unit }
        }
        AdminChange::AddStaff(staff) => {
            org.check_staff(&staff)?;
            AdminKind::StaffAdded { staff }
        }
        AdminChange::SetPolicy { key, value } => {
            policy.clone().set(&key, &value)?;
            AdminKind::PolicySet { key, value }
        }
        AdminChange::SetCalendar(entries) => AdminKind::CalendarSet { entries },
        AdminChange::IssueToken {
            staff,
            sha256,
            expires_at,
            scopes,
        } => {
            let holder = active(org, &staff)?;
            let scopes = match (holder.role, scopes) {
                (crate::org::Role::Integration, Some(mut s)) if !s.is_empty() => {
                    s.sort();
                    s.dedup();
                    Some(s)
                }
                (crate::org::Role::Integration, _) => {
                    return Err(DomainError::from(Refusal::field(
                        "scope",
                        "an integration account's token needs its scopes: register, read, feed, act",
                        "接口账户的令牌须指定权限：register、read、feed、act",
                    )))
                }
                (_, None) => None,
                (_, Some(_)) => {
                    return Err(DomainError::from(Refusal::field(
                        "scope",
                        "a person's token has every scope of their role: scopes are for integration accounts",
                        "工作人员的令牌具有其角色的全部权限：权限范围仅用于接口账户",
                    )))
                }
            };
            let hex_digest = sha256.len() == 64
                && sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex_digest {
                return Err(DomainError::from(Refusal::field(
                    "sha256",
                    "must be 64 lowercase hex digits",
                    "必须是 64 位小写十六进制数字",
                )));
            }
            AdminKind::TokenIssued {
                staff,
                sha256,
                expires_at,
                scopes,
            }
        }
        AdminChange::RevokeTokens(staff) => {
            known(org, &staff)?;
            AdminKind::TokensRevoked { staff }
        }
        AdminChange::Deactivate(staff) => {
            active(org, &staff)?;
            if &staff == actor {
                return Err(DomainError::from(Refusal::forbidden(
                    "an admin cannot deactivate themself: ask another admin",
                    "管理员不能停用本人：请由其他管理员办理",
                )));
            }
            AdminKind::StaffDeactivated { staff }
        }
        AdminChange::MoveStaff { staff, unit } => {
            let s = active(org, &staff)?;
            org.get(&unit)?;
            if s.unit.as_ref() == Some(&unit) {
                return Err(DomainError::from(Refusal::field(
                    "unit",
                    &format!("{staff} already works for {unit}"),
                    &format!("{staff} 已在 {unit}"),
                )));
            }
            AdminKind::StaffMoved { staff, unit }
        }
        AdminChange::RenameStaff { staff, name } => {
            known(org, &staff)?;
            crate::org::check_name("name", &name)?;
            AdminKind::StaffRenamed {
                staff,
                name: name.trim().to_string(),
            }
        }
        AdminChange::MoveUnit {
            unit,
            parent,
            line_superior,
        } => {
            org.check_move(&unit, parent.as_ref(), line_superior.as_ref())?;
            AdminKind::UnitMoved {
                unit,
                parent,
                line_superior,
            }
        }
        AdminChange::RenameUnit { unit, name } => {
            org.get(&unit)?;
            crate::org::check_name("name", &name)?;
            AdminKind::UnitRenamed {
                unit,
                name: name.trim().to_string(),
            }
        }
    })
}

/// Applies a recorded administrative event to the organisation, policy and calendar; returns the
/// staff member or unit it added or changed, as it is now (what a store writes).
pub(crate) fn apply_admin(
    org: &mut Org,
    policy: &mut Policy,
    calendar: &mut Calendar,
    kind: &AdminKind,
) -> Result<Option<Changed>> {
    Ok(match kind {
        AdminKind::Initialized { admin, rules, .. } => {
            // The rules version lives with the policy (what every decision reads); a chain
            // without one was made under the first rules.
            policy.rules = rules.unwrap_or(1);
            org.insert_staff_unchecked(admin.clone());
            Some(Changed::Staff(admin.clone()))
        }
        AdminKind::UnitAdded { unit } => {
            org.insert_unit_unchecked(unit.clone());
            Some(Changed::Unit(unit.clone()))
        }
        AdminKind::StaffAdded { staff } => {
            org.insert_staff_unchecked(staff.clone());
            Some(Changed::Staff(staff.clone()))
        }
        AdminKind::PolicySet { key, value } => {
            policy.set(key, value)?;
            None
        }
        AdminKind::CalendarSet { entries } => {
            for (d, k) in entries {
                calendar.set(*d, *k);
            }
            None
        }
        AdminKind::TokenIssued { .. }
        | AdminKind::TokensRevoked { .. }
        | AdminKind::StaffDeactivated { .. }
        | AdminKind::StaffMoved { .. }
        | AdminKind::StaffRenamed { .. }
        | AdminKind::UnitRenamed { .. }
        | AdminKind::UnitMoved { .. } => org.apply_change(kind),
    })
}
