//! Setting an office up from files, again and again: importing a unit chart or a staff list
//! that is partly loaded already changes only what differs (a new row is added, a new name is a
//! rename, a staff member's new unit is a move) and refuses what an import must not do quietly
//! (a unit moved under another parent, a staff member's role changed). All rows or none.

use super::*;
use crate::org::Unit;

/// What an import did, row by row counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// New units or staff.
    pub added: Vec<String>,
    /// Existing ones under a new name.
    pub renamed: Vec<String>,
    /// Staff moved to another unit.
    pub moved: Vec<String>,
    /// Rows that matched what is already there.
    pub unchanged: usize,
}

fn at_line(line: usize) -> impl Fn(DomainError) -> DomainError {
    move |e| match e {
        DomainError::Refused(r) => DomainError::from(r.at_line(line as u64)),
        e => e,
    }
}

impl<S: Store> Service<S> {
    /// Imports a unit chart ([`crate::files::parse_units_csv`]) as the admin `p`, in one
    /// transaction: a new code is added, an existing code with another name is renamed, a row
    /// equal to the unit is skipped; another parent or line superior moves the unit only with
    /// `moves` (its cases' reach follows), else it is refused with the row's line; another
    /// level or kind is always refused.
    pub fn import_units(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        rows: &[(usize, Unit)],
        moves: bool,
    ) -> Result<ImportSummary> {
        let when = when.into();
        self.work(|w| {
            let mut done = ImportSummary::default();
            for (line, u) in rows {
                let at = at_line(*line);
                let change = match w.org().unit(&u.code) {
                    None => {
                        done.added.push(u.code.to_string());
                        AdminChange::AddUnit(u.clone())
                    }
                    Some(old) => {
                        let same_place = (old.level, old.kind, &old.parent, &old.line_superior)
                            == (u.level, u.kind, &u.parent, &u.line_superior);
                        let movable = (old.level, old.kind) == (u.level, u.kind);
                        if !same_place && movable && moves {
                            let renamed = old.name != u.name;
                            w.admin(
                                p,
                                when,
                                AdminChange::MoveUnit {
                                    unit: u.code.clone(),
                                    parent: u.parent.clone(),
                                    line_superior: u.line_superior.clone(),
                                },
                            )
                            .map_err(&at)?;
                            done.moved.push(u.code.to_string());
                            if !renamed {
                                continue;
                            }
                            done.renamed.push(u.code.to_string());
                            w.admin(
                                p,
                                when,
                                AdminChange::RenameUnit {
                                    unit: u.code.clone(),
                                    name: u.name.clone(),
                                },
                            )
                            .map_err(&at)?;
                            continue;
                        }
                        if !same_place && movable {
                            return Err(at(DomainError::from(Refusal::field(
                                "parent",
                                &format!(
                                    "{} already exists under another parent or line superior: importing with --move moves it (who may read its cases follows the new place); otherwise correct the row or leave it out",
                                    u.code
                                ),
                                &format!(
                                    "{} 已存在，但上级或业务上级不同：加 --move 导入即调整该单位（其信访件的查阅范围随之改变）；否则请更正该行或将其删去",
                                    u.code
                                ),
                            ))));
                        }
                        if !same_place {
                            return Err(at(DomainError::from(Refusal::field(
                                "code",
                                &format!(
                                    "{} already exists with another level or kind: a unit keeps its level and kind (add a new unit instead); correct the row or leave it out",
                                    u.code
                                ),
                                &format!(
                                    "{} 已存在，但层级或类型不同：单位的层级和类型不能改变（请另行新增单位）；请更正该行或将其删去",
                                    u.code
                                ),
                            ))));
                        }
                        if old.name == u.name {
                            done.unchanged += 1;
                            continue;
                        }
                        done.renamed.push(u.code.to_string());
                        AdminChange::RenameUnit {
                            unit: u.code.clone(),
                            name: u.name.clone(),
                        }
                    }
                };
                w.admin(p, when, change).map_err(&at)?;
            }
            Ok(done)
        })
    }

    /// Imports a staff list ([`crate::files::parse_staff_csv`]) as the admin `p`, in one
    /// transaction: a new id is added, a new name is a rename, a new unit is a move (with what
    /// follows a move: tokens revoked, cases of the old unit released); a row equal to the
    /// staff member is skipped. Another role is refused with the row's line: a role changes
    /// what a person may do, and is never changed in passing.
    pub fn import_staff(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        rows: &[(usize, crate::org::Staff)],
    ) -> Result<ImportSummary> {
        let when = when.into();
        self.work(|w| {
            let mut done = ImportSummary::default();
            for (line, s) in rows {
                let at = at_line(*line);
                let Some(old) = w.org().staff(&s.id).cloned() else {
                    done.added.push(s.id.to_string());
                    w.admin(p, when, AdminChange::AddStaff(s.clone()))
                        .map_err(&at)?;
                    continue;
                };
                if old.role != s.role {
                    return Err(at(DomainError::from(Refusal::field(
                        "role",
                        &format!(
                            "{} is already a {}: an import does not change a role; correct the row or leave it out",
                            s.id,
                            old.role.as_str()
                        ),
                        &format!(
                            "{} 已是{}：导入不会更改角色；请更正该行或将其删去",
                            s.id,
                            old.role.label(crate::error::Lang::Zh)
                        ),
                    ))));
                }
                let mut changed = false;
                if old.name != s.name {
                    done.renamed.push(s.id.to_string());
                    let change = AdminChange::RenameStaff {
                        staff: s.id.clone(),
                        name: s.name.clone(),
                    };
                    w.admin(p, when, change).map_err(&at)?;
                    changed = true;
                }
                if old.unit != s.unit {
                    let Some(unit) = s.unit.clone() else {
                        return Err(at(DomainError::from(Refusal::field(
                            "unit",
                            "is empty: a staff member with a unit keeps one",
                            "为空：已有单位的工作人员须保留单位",
                        ))));
                    };
                    done.moved.push(s.id.to_string());
                    let change = AdminChange::MoveStaff {
                        staff: s.id.clone(),
                        unit,
                    };
                    w.admin(p, when, change).map_err(&at)?;
                    changed = true;
                }
                if !changed {
                    done.unchanged += 1;
                }
            }
            Ok(done)
        })
    }
}
