//! 组织机构: units, their levels and kinds, staff and roles, and the derived relations
//! (`gov`, `office`, `sup`, `sup↑`, reviewer) that decide who holds, reviews and supervises a case.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Refusal, Result};
use crate::ids::{StaffId, UnitCode};

/// 层级: administrative level, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 国家 (1)
    National = 1,
    /// 省级 (2)
    Provincial = 2,
    /// 市级 (3)
    Prefectural = 3,
    /// 县级 (4)
    County = 4,
    /// 乡级 (5)
    Township = 5,
}

impl Level {
    /// Every level, top to bottom.
    pub const ALL: &'static [Level] = &[
        Level::National,
        Level::Provincial,
        Level::Prefectural,
        Level::County,
        Level::Township,
    ];
    /// The snake_case name, as in JSON, CSV and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::Prefectural => "prefectural",
            Level::County => "county",
            Level::Township => "township",
        }
    }
    /// The level's label in `lang`.
    pub fn label(self, lang: crate::error::Lang) -> &'static str {
        use crate::error::Lang::{En, Zh};
        match (self, lang) {
            (Level::National, En) => "national",
            (Level::National, Zh) => "国家",
            (Level::Provincial, En) => "provincial",
            (Level::Provincial, Zh) => "省级",
            (Level::Prefectural, En) => "prefectural",
            (Level::Prefectural, Zh) => "市级",
            (Level::County, En) => "county",
            (Level::County, Zh) => "县级",
            (Level::Township, En) => "township",
            (Level::Township, Zh) => "乡级",
        }
    }
    /// 1 (national) to 5 (township).
    pub fn number(self) -> u8 {
        self as u8
    }
    /// The level one below, if any.
    pub fn below(self) -> Option<Level> {
        Self::from_number(self.number() + 1)
    }
    /// The level with this number.
    pub fn from_number(n: u8) -> Option<Level> {
        Some(match n {
            1 => Level::National,
            2 => Level::Provincial,
            3 => Level::Prefectural,
            4 => Level::County,
            5 => Level::Township,
            _ => return None,
        })
    }
}

impl crate::case::Vocabulary for Level {
    const ALL: &'static [Self] = Level::ALL;
    fn as_str(self) -> &'static str {
        Level::as_str(self)
    }
    fn label(self, lang: crate::error::Lang) -> &'static str {
        Level::label(self, lang)
    }
}

crate::case::data::text_enum!(
    /// 单位类别.
    UnitKind {
        Government => "government", "government", "人民政府";
        Department => "department", "department", "工作部门";
        PetitionOffice => "petition_office", "petition office", "信访工作机构";
        Legal => "legal", "legal organ", "政法机关";
    }
);

/// A government body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Stable code.
    pub code: UnitCode,
    /// Full name, e.g. 某县信访局.
    pub name: String,
    /// Level.
    pub level: Level,
    /// Kind.
    pub kind: UnitKind,
    /// 上级机关: superior body; none only at the top.
    pub parent: Option<UnitCode>,
    /// 业务上级: the same department one tier up.
    pub line_superior: Option<UnitCode>,
}

crate::case::data::text_enum!(
    /// 角色.
    Role {
        Clerk => "clerk", "clerk", "工作人员";
        Head => "head", "head", "负责人";
        Admin => "admin", "admin", "管理员";
        Integration => "integration", "integration account", "接口账户";
    }
);

crate::case::data::text_enum!(
    /// 接口权限: what an integration account's token may do. A person's token has every scope.
    Scope {
        Register => "register", "register cases as its unit", "以本单位名义登记";
        Read => "read", "read the cases it registered", "查阅本账户登记的信访件";
        Feed => "feed", "follow the change feed of those cases", "订阅这些信访件的变更";
        Act => "act", "act on those cases", "办理这些信访件";
    }
);

/// A staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Id.
    pub id: StaffId,
    /// Name.
    pub name: String,
    /// Unit (an admin needs none).
    pub unit: Option<UnitCode>,
    /// Role.
    pub role: Role,
    /// Deactivated (停用): may no longer act or sign in to the server; kept for the history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deactivated: bool,
    /// The office server's bearer tokens of this staff member, as SHA-256 digests: the secret
    /// itself is shown once when issued and never stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<TokenDigest>,
}

impl Staff {
    /// An active staff member with no tokens.
    pub fn new(id: StaffId, name: impl Into<String>, unit: Option<UnitCode>, role: Role) -> Self {
        Self {
            id,
            name: name.into(),
            unit,
            role,
            deactivated: false,
            tokens: Vec::new(),
        }
    }
}

/// A staff member or unit as an administrative change left it ([`Org`]'s own changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Changed {
    Staff(Staff),
    Unit(Unit),
}

/// A bearer token as the database keeps it: its SHA-256 digest and when it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDigest {
    /// SHA-256 of the token, lowercase hex.
    pub sha256: String,
    /// The token is refused from this time on.
    pub expires_at: chrono::DateTime<chrono::FixedOffset>,
    /// An integration account's token: what it may do (a person's token: `None`, every scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
}

/// Actor ids no staff member may take: `system` (tick) and `petitioner` (online rating).
pub const RESERVED_ACTORS: &[&str] = &["system", "petitioner"];

/// The organisation: every unit and staff member, with the derived relations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    units: BTreeMap<UnitCode, Unit>,
    staff: BTreeMap<StaffId, Staff>,
}

pub(crate) fn check_name(field: &str, name: &str) -> Result<()> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(DomainError::from(Refusal::field(
            field,
            "must be 1–100 characters",
            "应为 1–100 个字符",
        )));
    }
    // No control character, and none that makes the name display as another.
    crate::input::check_line(field, name)
}

impl Org {
    /// An empty organisation.
    pub fn new() -> Self {
        Self::default()
    }

    /// A unit by code.
    pub fn unit(&self, code: &UnitCode) -> Option<&Unit> {
        self.units.get(code)
    }

    /// A unit by code, or `not_found`.
    pub fn get(&self, code: &UnitCode) -> Result<&Unit> {
        self.units.get(code).ok_or_else(|| {
            DomainError::from(Refusal::NoUnit {
                code: code.clone(),
                nearest: crate::error::nearest(
                    code.as_str(),
                    self.units.keys().map(UnitCode::as_str),
                ),
            })
        })
    }

    /// A staff member by id.
    pub fn staff(&self, id: &StaffId) -> Option<&Staff> {
        self.staff.get(id)
    }

    /// All units, by code.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// The unit a clerk means by `text`: its code, its exact name, or a part of its name that
    /// only one unit's name contains (`住建局`). An unknown one is `not_found`; a part that
    /// several names contain is `validation` listing them (name and code), to pick one.
    ///
    /// ```
    /// use petition_core::example::{county, unit};
    /// let (mut svc, _) = county();
    /// svc.read(|w| {
    ///     let org = w.org();
    ///     assert_eq!(org.find_unit("town").unwrap().code, unit("town"));
    ///     let by_name = org.find_unit(&org.unit(&unit("town")).unwrap().name.clone()).unwrap();
    ///     assert_eq!(by_name.code, unit("town"));
    ///     assert!(org.find_unit("no such unit").is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn find_unit(&self, text: &str) -> Result<&Unit, DomainError> {
        let text = text.trim();
        if let Ok(code) = UnitCode::parse(text) {
            if let Some(u) = self.units.get(&code) {
                return Ok(u);
            }
        }
        if let Some(u) = self.units.values().find(|u| u.name == text) {
            return Ok(u);
        }
        let found: Vec<&Unit> = if text.is_empty() {
            Vec::new()
        } else {
            self.units
                .values()
                .filter(|u| u.name.contains(text))
                .collect()
        };
        match found.as_slice() {
            [one] => Ok(one),
            [] => match UnitCode::parse(text) {
                // A well-formed code of no unit: the store's own refusal, with the nearest.
                Ok(code) => self.get(&code),
                // Latin letters and signs are a code typed wrong, not a name: its own refusal.
                Err(e) if text.is_ascii() => Err(e),
                Err(_) => Err(DomainError::from(Refusal::missing(
                    &format!("no unit is called or coded {text:?}: see `petition unit list`"),
                    &format!("没有名称或代码为“{text}”的单位：请查看 `petition unit list`"),
                ))),
            },
            many => {
                let list: Vec<String> = many
                    .iter()
                    .take(10)
                    .map(|u| format!("{} ({})", u.name, u.code))
                    .collect();
                Err(DomainError::from(Refusal::field(
                    "unit",
                    &format!(
                        "{text:?} is part of several units' names: give the code or the full name of one of {}",
                        list.join(", ")
                    ),
                    &format!(
                        "“{text}”对应多个单位：请填写其中一个的代码或全称：{}",
                        list.join("、")
                    ),
                )))
            }
        }
    }

    /// The active staff member a clerk means by `text`: the id, the exact name, or a part of a
    /// name only one active person's name contains — among the staff of `unit` when given. An
    /// ambiguous part is `validation` listing them (name and id); none is `not_found`.
    pub fn find_staff(&self, text: &str, unit: Option<&UnitCode>) -> Result<&Staff, DomainError> {
        let text = text.trim();
        if let Ok(id) = StaffId::parse(text) {
            if let Some(s) = self.staff(&id) {
                return Ok(s);
            }
        }
        let pool: Vec<&Staff> = self
            .all_staff()
            .filter(|s| !s.deactivated && unit.is_none_or(|u| s.unit.as_ref() == Some(u)))
            .collect();
        if let Some(s) = pool.iter().find(|s| s.name == text) {
            return Ok(s);
        }
        let found: Vec<&&Staff> = if text.is_empty() {
            Vec::new()
        } else {
            pool.iter().filter(|s| s.name.contains(text)).collect()
        };
        match found.as_slice() {
            [one] => Ok(one),
            [] => match StaffId::parse(text) {
                Ok(id) => Err(DomainError::from(Refusal::NoStaff { id, nearest: None })),
                Err(e) if text.is_ascii() => Err(e),
                Err(_) => Err(DomainError::from(Refusal::missing(
                    &format!(
                        "no active staff member here is called {text:?}: see `petition staff list`"
                    ),
                    &format!("本单位没有名为“{text}”的在岗工作人员：请查看 `petition staff list`"),
                ))),
            },
            many => {
                let list: Vec<String> = many
                    .iter()
                    .take(10)
                    .map(|s| format!("{} ({})", s.name, s.id))
                    .collect();
                Err(DomainError::from(Refusal::field(
                    "to",
                    &format!(
                        "{text:?} is part of several names: give the id of one of {}",
                        list.join(", ")
                    ),
                    &format!(
                        "“{text}”对应多人：请填写其中一人的编号：{}",
                        list.join("、")
                    ),
                )))
            }
        }
    }

    /// All staff, by id.
    pub fn all_staff(&self) -> impl Iterator<Item = &Staff> {
        self.staff.values()
    }

    /// The units whose parent is `code`.
    pub fn children(&self, code: &UnitCode) -> impl Iterator<Item = &Unit> {
        let code = code.clone();
        self.units
            .values()
            .filter(move |u| u.parent.as_ref() == Some(&code))
    }

    /// Checks that a new unit fits the organisation (levels and parents consistent), without adding it.
    pub fn check_unit(&self, unit: &Unit) -> Result<()> {
        check_name("name", &unit.name)?;
        if self.units.contains_key(&unit.code) {
            return Err(DomainError::from(Refusal::field(
                "code",
                "a unit with this code already exists",
                "该单位代码已存在",
            )));
        }
        match &unit.parent {
            None => {
                if unit.kind != UnitKind::Government {
                    return Err(DomainError::from(Refusal::field(
                        "parent",
                        "only a government may have no parent",
                        "只有人民政府可以没有上级",
                    )));
                }
            }
            Some(p) => {
                let parent = self.get(p)?;
                let expected = match unit.kind {
                    UnitKind::Government => {
                        if parent.kind != UnitKind::Government {
                            return Err(DomainError::from(Refusal::field(
                                "parent",
                                "a government's parent must be a government",
                                "人民政府的上级必须是人民政府",
                            )));
                        }
                        parent.level.below()
                    }
                    _ => {
                        if parent.kind != UnitKind::Government {
                            return Err(DomainError::from(Refusal::field(
                                "parent",
                                "a department, petition office or legal organ belongs to a government",
                                "工作部门、信访工作机构和政法机关的上级必须是人民政府",
                            )));
                        }
                        Some(parent.level)
                    }
                };
                if expected != Some(unit.level) {
                    return Err(DomainError::from(Refusal::field(
                        "level",
                        "inconsistent with the parent: a government is one level below its parent, any other unit at its government's level",
                        "与上级不一致：人民政府比上级低一级，其他单位与所属人民政府同级",
                    )));
                }
                if unit.kind == UnitKind::PetitionOffice
                    && self.children(p).any(|c| c.kind == UnitKind::PetitionOffice)
                {
                    return Err(DomainError::from(Refusal::field(
                        "kind",
                        "this government already has a petition office",
                        "该人民政府已有信访工作机构",
                    )));
                }
            }
        }
        if let Some(ls) = &unit.line_superior {
            let sup = self.get(ls)?;
            if sup.level.number() + 1 != unit.level.number() {
                return Err(DomainError::from(Refusal::field(
                    "line_superior",
                    "must be exactly one level above the unit",
                    "业务上级必须比本单位高一级",
                )));
            }
        }
        Ok(())
    }

    /// Checks that `code` may move under `parent` and `line_superior`: it exists, the new place
    /// fits its level and kind as a new unit's would ([`Org::check_unit`]), the place differs,
    /// and a government does not move under itself or its own descendants.
    pub fn check_move(
        &self,
        code: &UnitCode,
        parent: Option<&UnitCode>,
        line_superior: Option<&UnitCode>,
    ) -> Result<()> {
        let old = self.get(code)?;
        if old.parent.as_ref() == parent && old.line_superior.as_ref() == line_superior {
            return Err(DomainError::from(Refusal::field(
                "parent",
                &format!("{code} is already there"),
                &format!("{code} 已在该位置"),
            )));
        }
        let mut up = parent;
        while let Some(p) = up {
            if p == code {
                return Err(DomainError::from(Refusal::field(
                    "parent",
                    "would put the unit under itself",
                    "会使该单位成为自身的下级",
                )));
            }
            up = self.units.get(p).and_then(|u| u.parent.as_ref());
        }
        let mut without = self.clone();
        without.units.remove(code);
        let moved = Unit {
            parent: parent.cloned(),
            line_superior: line_superior.cloned(),
            ..old.clone()
        };
        without.check_unit(&moved)
    }

    /// Adds a unit after [`Org::check_unit`].
    pub fn add_unit(&mut self, unit: Unit) -> Result<()> {
        self.check_unit(&unit)?;
        self.units.insert(unit.code.clone(), unit);
        Ok(())
    }

    /// The organisation as a store kept it: units and staff members as they were checked and
    /// added through the service. For implementors of [`crate::store::Txn::org`]; `verify`
    /// compares what a store returns with the audit chain.
    pub fn from_stored(units: Vec<Unit>, staff: Vec<Staff>) -> Self {
        let mut o = Self::new();
        for u in units {
            o.insert_unit_unchecked(u);
        }
        for s in staff {
            o.insert_staff_unchecked(s);
        }
        o
    }

    /// Inserts a unit without checks (used when replaying stored, already-checked events).
    pub(crate) fn insert_unit_unchecked(&mut self, unit: Unit) {
        self.units.insert(unit.code.clone(), unit);
    }

    /// Checks that a new staff member fits the organisation.
    pub fn check_staff(&self, staff: &Staff) -> Result<()> {
        check_name("name", &staff.name)?;
        if RESERVED_ACTORS.contains(&staff.id.as_str()) {
            return Err(DomainError::from(Refusal::field(
                "id",
                "is reserved (`system` is the time-driven work, `petitioner` the petitioner's own online rating): choose another id",
                "为保留编号（`system` 为系统定时处理，`petitioner` 为信访人网上评价）：请另选编号",
            )));
        }
        if staff.deactivated || !staff.tokens.is_empty() {
            return Err(DomainError::from(Refusal::field(
                "staff",
                "a new staff member is active and has no tokens: issue their tokens once they are added",
                "新增工作人员应为在岗且无令牌：添加后再签发令牌",
            )));
        }
        if self.staff.contains_key(&staff.id) {
            return Err(DomainError::from(Refusal::field(
                "id",
                "a staff member with this id already exists",
                "该工作人员编号已存在",
            )));
        }
        match (&staff.unit, staff.role) {
            (Some(u), _) => {
                self.get(u)?;
            }
            (None, Role::Admin) => {}
            (None, _) => {
                return Err(DomainError::from(Refusal::field(
                    "unit",
                    "clerks, heads and integration accounts belong to a unit",
                    "工作人员、负责人和接口账户必须属于某个单位",
                )))
            }
        }
        Ok(())
    }

    /// Adds a staff member after [`Org::check_staff`].
    pub fn add_staff(&mut self, staff: Staff) -> Result<()> {
        self.check_staff(&staff)?;
        self.staff.insert(staff.id.clone(), staff);
        Ok(())
    }

    /// Inserts a staff member without checks (replay of stored events).
    pub(crate) fn insert_staff_unchecked(&mut self, staff: Staff) {
        self.staff.insert(staff.id.clone(), staff);
    }

    /// Applies a change of one staff member or unit (checked by the service before it is
    /// recorded); returns what changed, as it is now.
    pub(crate) fn apply_change(&mut self, kind: &crate::audit::AdminKind) -> Option<Changed> {
        use crate::audit::AdminKind;
        if let AdminKind::UnitRenamed { unit, name } = kind {
            let u = self.units.get_mut(unit)?;
            u.name = name.clone();
            return Some(Changed::Unit(u.clone()));
        }
        if let AdminKind::UnitMoved {
            unit,
            parent,
            line_superior,
        } = kind
        {
            let u = self.units.get_mut(unit)?;
            u.parent = parent.clone();
            u.line_superior = line_superior.clone();
            return Some(Changed::Unit(u.clone()));
        }
        let (id, change): (&StaffId, &dyn Fn(&mut Staff)) = match kind {
            AdminKind::TokenIssued {
                staff,
                sha256,
                expires_at,
                scopes,
            } => (staff, &|s: &mut Staff| {
                s.tokens.push(TokenDigest {
                    sha256: sha256.clone(),
                    expires_at: *expires_at,
                    scopes: scopes.clone(),
                })
            }),
            AdminKind::TokensRevoked { staff } => (staff, &|s: &mut Staff| s.tokens.clear()),
            AdminKind::StaffDeactivated { staff } => (staff, &|s: &mut Staff| {
                s.tokens.clear();
                s.deactivated = true;
            }),
            AdminKind::StaffMoved { staff, unit } => (staff, &|s: &mut Staff| {
                s.unit = Some(unit.clone());
            }),
            AdminKind::StaffRenamed { staff, name } => (staff, &|s: &mut Staff| {
                s.name = name.clone();
            }),
            _ => return None,
        };
        let s = self.staff.get_mut(id)?;
        change(s);
        Some(Changed::Staff(s.clone()))
    }

    /// `gov(U)`: U itself when U is a government, else `parent(U)`.
    pub fn gov(&self, code: &UnitCode) -> Option<&Unit> {
        let u = self.units.get(code)?;
        if u.kind == UnitKind::Government {
            Some(u)
        } else {
            self.units.get(u.parent.as_ref()?)
        }
    }

    /// `office(G)`: the petition office whose parent is government G; G itself when it has none.
    pub fn office(&self, gov: &UnitCode) -> Option<&Unit> {
        let g = self.units.get(gov)?;
        Some(
            self.children(gov)
                .find(|c| c.kind == UnitKind::PetitionOffice)
                .unwrap_or(g),
        )
    }

    /// `sup(U)`, the supervising office: `office(gov(U))` for a department or legal
    /// organ; `office(parent(gov(U)))` for a government or petition office.
    pub fn sup(&self, code: &UnitCode) -> Option<&Unit> {
        let u = self.units.get(code)?;
        let g = self.gov(code)?;
        match u.kind {
            UnitKind::Department | UnitKind::Legal => self.office(&g.code),
            UnitKind::Government | UnitKind::PetitionOffice => self.office(g.parent.as_ref()?),
        }
    }

    /// `sup↑(U) = sup(sup(U))`, the supervising office one tier up.
    pub fn sup_up(&self, code: &UnitCode) -> Option<&Unit> {
        let s = self.sup(code)?;
        self.sup(&s.code)
    }

    /// Every ancestor of U through `parent`, nearest first.
    pub fn ancestors(&self, code: &UnitCode) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut cur = self.units.get(code).and_then(|u| u.parent.as_ref());
        while let Some(p) = cur {
            match self.units.get(p) {
                Some(u) if !out.iter().any(|o: &&Unit| o.code == u.code) => {
                    out.push(u);
                    cur = u.parent.as_ref();
                }
                _ => break,
            }
        }
        out
    }

    /// 复查机关: whether R may review answers of U — `parent(U)` or `line_superior(U)`.
    pub fn is_reviewer(&self, reviewer: &UnitCode, of: &UnitCode) -> bool {
        self.units.get(of).is_some_and(|u| {
            u.parent.as_ref() == Some(reviewer) || u.line_superior.as_ref() == Some(reviewer)
        })
    }

    /// Whether S may supervise work owed by U (一级督办一级, 2005 Art 36): `sup(U)`, `sup↑(U)` or any ancestor.
    pub fn may_supervise(&self, s: &UnitCode, u: &UnitCode) -> bool {
        self.sup(u).is_some_and(|x| &x.code == s)
            || self.sup_up(u).is_some_and(|x| &x.code == s)
            || self.ancestors(u).iter().any(|a| &a.code == s)
    }
}

#[cfg(test)]
pub(crate) mod tests;
