//! `petition unit …` and `petition staff …`: the organisation, changed by an admin and
//! audited in the chain.

use petition_core::files::{parse_level, parse_unit_kind, parse_units_csv};
use petition_core::org::{Role, Staff, Unit, UnitKind};
use petition_core::service::AdminChange;
use petition_core::Refusal;
use petition_core::{DomainError, StaffId, UnitCode};
use serde_json::json;

use crate::app::{out, App, CliResult, Reply};
use crate::render::table;

fn opt_code(s: Option<&str>) -> Result<Option<UnitCode>, DomainError> {
    s.filter(|x| !x.trim().is_empty())
        .map(|x| UnitCode::parse(x.trim()))
        .transpose()
}

/// Manage units (单位): add, import a CSV chart, list.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct UnitArgs {
    #[command(subcommand)]
    pub cmd: UnitCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum UnitCmd {
    /// Add a unit.
    ///
    /// Example: petition --as admin unit add cty-a-zjj --name 某县住建局 --level county --kind department --parent cty-a
    #[command(verbatim_doc_comment)]
    Add {
        /// Unit code (letters, digits, - _ .)
        code: String,
        /// Full name
        #[arg(long)]
        name: String,
        /// Administrative level
        #[arg(long, value_parser = crate::app::word::<petition_core::org::Level>())]
        level: String,
        /// Kind of body
        #[arg(long, value_parser = crate::app::word::<petition_core::org::UnitKind>())]
        kind: String,
        /// Superior body (a government)
        #[arg(long)]
        parent: Option<String>,
        /// Line superior (业务上级): the same department one tier up
        #[arg(long)]
        line_superior: Option<String>,
    },
    /// Import units from a CSV file with columns code,name,level,kind,parent,line_superior.
    /// Run it again after editing the file: a new code is added, a new name is a rename, an
    /// unchanged row is skipped; a unit under another parent or line superior is refused unless
    /// --move is given (机构调整: who may read its cases follows the new place). All rows or
    /// none: a bad row is reported with its line number and nothing is imported.
    ///
    /// Examples:
    ///   petition --as admin unit import examples/org.csv
    ///   petition --as admin unit import org-2027.csv --move
    #[command(verbatim_doc_comment, after_help = unit_columns())]
    Import {
        /// The CSV file (UTF-8, header row)
        file: std::path::PathBuf,
        /// Move units whose parent or line superior changed (their level and kind never change)
        #[arg(long = "move")]
        moves: bool,
    },
    /// List units, or show them as a tree.
    ///
    /// Example: petition unit list --tree
    #[command(verbatim_doc_comment)]
    List {
        /// Show the hierarchy
        #[arg(long)]
        tree: bool,
    },
    /// Rename a unit (机构更名). Its code stays; the audit chain keeps the earlier name.
    ///
    /// Example: petition --as admin unit rename cty-a-zjj --name 某县住房和城乡建设局
    #[command(verbatim_doc_comment)]
    Rename {
        /// Unit code
        code: String,
        /// The new name
        #[arg(long)]
        name: String,
    },
}

pub fn run_unit(app: &App, a: &UnitArgs) -> CliResult {
    match &a.cmd {
        UnitCmd::Add {
            code,
            name,
            level: l,
            kind: k,
            parent,
            line_superior,
        } => {
            let unit = Unit {
                code: UnitCode::parse(code)?,
                name: name.clone(),
                level: parse_level(l)?,
                kind: parse_unit_kind(k)?,
                parent: opt_code(parent.as_deref())?,
                line_superior: opt_code(line_superior.as_deref())?,
            };
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            svc.admin(&actor, now, AdminChange::AddUnit(unit.clone()))?;
            if app.global.json {
                app.print_json(&json!({"unit": unit}));
            } else {
                out(&format!("{} {} {}", app.l("added"), unit.code, unit.name));
            }
        }
        UnitCmd::Import { file, moves } => {
            let bytes = crate::app::read_input(file, 16 << 20)?;
            let units = parse_units_csv(&bytes)?;
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            let done = svc.import_units(&actor, now, &units, *moves)?;
            print_import(app, &done);
        }
        // Answered with a reply (`unit_list`), here or by a server.
        UnitCmd::List { .. } => {}
        UnitCmd::Rename { code, name } => {
            let unit = UnitCode::parse(code)?;
            let change = AdminChange::RenameUnit {
                unit: unit.clone(),
                name: name.clone(),
            };
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            svc.admin(&actor, now, change)?;
            let u = svc.read(|w| Ok(w.org().unit(&unit).cloned()))?;
            if app.global.json {
                app.print_json(&json!({ "unit": u }));
            } else if let Some(u) = u {
                out(&format!("{} {} {}", app.l("renamed"), u.code, u.name));
            }
        }
    }
    Ok(())
}

/// `unit list`: every unit.
pub fn unit_list(app: &App) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let org = svc.read(|w| Ok(w.org().clone()))?;
    Ok(Reply::of(json!({"units": org.units().collect::<Vec<_>>()})))
}

/// `unit list` as a table, or as the tree of units (`--tree`).
pub fn render_unit_list(app: &App, tree: bool, r: &Reply) {
    let units: Vec<Unit> = serde_json::from_value(r.doc["units"].clone()).unwrap_or_default();
    let org = petition_core::org::Org::from_stored(units, Vec::new());
    if tree {
        fn walk(app: &App, org: &petition_core::org::Org, u: &Unit, depth: usize) {
            out(&format!(
                "{}{} {} [{} · {}]",
                "  ".repeat(depth),
                u.code,
                u.name,
                u.kind.label(app.lang),
                u.level.label(app.lang)
            ));
            let mut kids: Vec<&Unit> = org.children(&u.code).collect();
            kids.sort_by_key(|k| {
                (
                    k.kind != UnitKind::PetitionOffice,
                    k.kind != UnitKind::Government,
                    k.code.clone(),
                )
            });
            for k in kids {
                walk(app, org, k, depth + 1);
            }
        }
        for root in org.units().filter(|u| u.parent.is_none()) {
            walk(app, &org, root, 0);
        }
        return;
    }
    let mut t = table(
        app,
        &[
            app.l("code"),
            app.l("name"),
            app.l("level"),
            app.l("kind"),
            app.l("parent"),
        ],
    );
    for u in org.units() {
        t.add_row(vec![
            u.code.to_string(),
            u.name.clone(),
            u.level.label(app.lang).to_string(),
            u.kind.label(app.lang).to_string(),
            u.parent
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    out(&t.to_string());
}

/// Manage staff (工作人员): add, list.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub cmd: StaffCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum StaffCmd {
    /// Add a staff member.
    ///
    /// Example: petition --as admin staff add li --name 李明 --role clerk --unit cty-a-xfj
    #[command(verbatim_doc_comment)]
    Add {
        /// Staff id
        id: String,
        /// Name
        #[arg(long)]
        name: String,
        /// clerk | head | admin | integration (an account for another system, 接口账户)
        #[arg(long)]
        role: String,
        /// The staff member's unit (not needed for an admin)
        #[arg(long)]
        unit: Option<String>,
    },
    /// Import staff from a CSV file with columns id,name,role,unit (role: clerk, head, admin or
    /// integration; an admin's unit empty). Run it again after editing the file: a new id is
    /// added, a new name is a rename, a new unit is a move (their tokens stop working and they
    /// leave the old unit's cases); an unchanged row is skipped; another role is refused. All
    /// rows or none.
    ///
    /// Example: petition --as admin staff import staff.csv
    #[command(verbatim_doc_comment)]
    Import {
        /// The CSV file (UTF-8, header row id,name,role,unit)
        file: std::path::PathBuf,
    },
    /// List staff, optionally of one unit.
    ///
    /// Example: petition staff list --unit cty-a-xfj
    #[command(verbatim_doc_comment)]
    List {
        /// Only this unit
        #[arg(long)]
        unit: Option<String>,
    },
    /// Issue a bearer token for the office server (`petition serve`), printed once: the
    /// database keeps only its SHA-256 digest. Run by an admin on the server's host; give the
    /// token to the staff member, who sets PETITION_TOKEN on their desk.
    ///
    /// An integration account's token (接口账户) carries the scopes the admin chooses:
    /// register (register cases as its unit), read (only the cases it registered), feed (their
    /// changes), act (case commands on them). A person's token has every scope of their role.
    ///
    /// Example: petition --as admin staff token li --expires-days 90
    ///          petition --as admin staff token hotline --scope register,read,feed
    #[command(verbatim_doc_comment)]
    Token {
        /// Staff id
        id: String,
        /// Days until the token stops working (1–366)
        #[arg(long, default_value_t = 90)]
        expires_days: u32,
        /// An integration account's scopes, comma-separated: register, read, feed, act
        #[arg(long, value_delimiter = ',', value_parser = ["register", "read", "feed", "act"])]
        scope: Vec<String>,
    },
    /// Revoke every token of a staff member (a lost laptop, a token seen by someone else).
    ///
    /// Example: petition --as admin staff revoke-tokens li
    #[command(verbatim_doc_comment)]
    RevokeTokens {
        /// Staff id
        id: String,
    },
    /// Move a staff member to another unit (调动). Their history stays with the units they acted
    /// for; the open cases they carried for the old unit are left without an officer, and listed
    /// — or, with --reassign-to, carried from now on by that colleague of the old unit.
    ///
    /// Examples:
    ///   petition --as admin staff move li --unit city-xfj
    ///   petition --as admin staff move li --unit city-xfj --reassign-to 王芳
    #[command(verbatim_doc_comment)]
    Move {
        /// Staff id
        id: String,
        /// The new unit
        #[arg(long)]
        unit: String,
        /// The colleague of the old unit who carries their open cases from now on (id or name)
        #[arg(long, value_name = "STAFF")]
        reassign_to: Option<String>,
    },
    /// Rename a staff member (the audit chain keeps the earlier name).
    ///
    /// Example: petition --as admin staff rename li --name 李明华
    #[command(verbatim_doc_comment)]
    Rename {
        /// Staff id
        id: String,
        /// The new name
        #[arg(long)]
        name: String,
    },
    /// Deactivate a staff member (停用: left the office, moved away): they may no longer act,
    /// and their tokens are revoked. Their history stays; the open cases they carried are left
    /// without an officer, and listed, for their unit to take on — or, with --reassign-to,
    /// carried from now on by that colleague.
    ///
    /// Examples:
    ///   petition --as admin staff deactivate li
    ///   petition --as admin staff deactivate wang --reassign-to zhang
    #[command(verbatim_doc_comment)]
    Deactivate {
        /// Staff id
        id: String,
        /// The colleague who carries their open cases from now on (id or name)
        #[arg(long, value_name = "STAFF")]
        reassign_to: Option<String>,
    },
}

/// `staff list [--unit U]`.
pub fn staff_list(app: &App, unit: Option<&str>) -> CliResult<Reply> {
    let filter = opt_code(unit)?;
    let mut svc = app.open()?;
    let org = svc.read(|w| Ok(w.org().clone()))?;
    if let Some(u) = &filter {
        org.get(u)?;
    }
    let staff: Vec<_> = org
        .all_staff()
        .filter(|s| filter.is_none() || s.unit == filter)
        .map(staff_json)
        .collect();
    Ok(Reply::of(json!({ "staff": staff })))
}

/// `staff list` as a table.
pub fn render_staff_list(app: &App, r: &Reply) {
    let mut t = table(app, &["ID", app.l("name"), app.l("role"), app.l("unit")]);
    for s in r.doc["staff"].as_array().into_iter().flatten() {
        let text = |k: &str| s[k].as_str().unwrap_or("-").to_string();
        let role = app.field("role", s["role"].as_str().unwrap_or(""));
        let role = if s["active"].as_bool() == Some(false) {
            format!("{role} ({})", app.l("deactivated"))
        } else {
            role
        };
        t.add_row(vec![text("id"), text("name"), role, text("unit")]);
    }
    out(&t.to_string());
}

/// A staff member as `staff list` shows it: never the token digests, only how many.
fn staff_json(s: &Staff) -> serde_json::Value {
    json!({
        "id": s.id, "name": s.name, "unit": s.unit, "role": s.role,
        "active": !s.deactivated, "tokens": s.tokens.len(),
    })
}

pub fn run_staff(app: &App, a: &StaffArgs) -> CliResult {
    match &a.cmd {
        StaffCmd::Add {
            id,
            name,
            role,
            unit,
        } => {
            let role: Role = serde_json::from_value(json!(role)).map_err(|_| {
                DomainError::from(Refusal::field(
                    "role",
                    "use clerk, head, admin or integration",
                    "请使用 clerk、head、admin 或 integration",
                ))
            })?;
            let staff = Staff::new(
                StaffId::parse(id)?,
                name.clone(),
                opt_code(unit.as_deref())?,
                role,
            );
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            svc.admin(&actor, now, AdminChange::AddStaff(staff.clone()))?;
            if app.global.json {
                app.print_json(&json!({ "staff": staff_json(&staff) }));
            } else {
                out(&format!("{} {} {}", app.l("added"), staff.id, staff.name));
            }
        }
        StaffCmd::Import { file } => {
            let bytes = crate::app::read_input(file, 16 << 20)?;
            let rows = petition_core::files::parse_staff_csv(&bytes)?;
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            let done = svc.import_staff(&actor, now, &rows)?;
            print_import(app, &done);
        }
        StaffCmd::Token {
            id,
            expires_days,
            scope,
        } => {
            let staff = StaffId::parse(id)?;
            let scopes: Option<Vec<petition_core::org::Scope>> = match scope.is_empty() {
                true => None,
                false => Some(
                    scope
                        .iter()
                        .filter_map(|s| petition_core::org::Scope::parse(s))
                        .collect(),
                ),
            };
            let mut svc = app.open()?;
            let (actor, now) = app.acting(&mut svc)?;
            // A token lives in real time, also on a simulated database.
            let t = svc.issue_token(&actor, now, &staff, *expires_days, scopes.clone())?;
            if app.global.json {
                let mut v = json!({
                    "staff": t.staff, "token": t.token, "expires_at": t.expires_at.to_rfc3339(),
                });
                if let Some(s) = &scopes {
                    v["scopes"] = json!(s);
                }
                app.print_json(&v);
            } else {
                out(&format!(
                    "{} {} ({} {})",
                    app.l("token_for"),
                    t.staff,
                    app.l("expires"),
                    crate::render::minute(&json!(t.expires_at.to_rfc3339()))
                ));
                out(&t.token);
                out(app.l("token_once"));
            }
        }
        StaffCmd::RevokeTokens { id } | StaffCmd::Deactivate { id, .. } => {
            let staff = StaffId::parse(id)?;
            let (deactivate, reassign) = match &a.cmd {
                StaffCmd::Deactivate { reassign_to, .. } => (true, reassign_to.as_deref()),
                _ => (false, None),
            };
            let change = if deactivate {
                AdminChange::Deactivate(staff.clone())
            } else {
                AdminChange::RevokeTokens(staff.clone())
            };
            let (s, released, successor) = change_staff(app, &staff, change, reassign)?;
            if app.global.json {
                app.print_json(&json!({
                    "staff": s.as_ref().map(staff_json),
                    "released_cases": released,
                    "reassigned_to": successor,
                }));
            } else {
                let what = if deactivate {
                    "staff_deactivated"
                } else {
                    "tokens_revoked"
                };
                out(&format!("{} {staff}", app.l(what)));
                print_released(app, &released, successor.as_ref());
            }
        }
        // Answered with a reply (`staff_list`), here or by a server.
        StaffCmd::List { .. } => {}
        StaffCmd::Move { id, unit, .. } | StaffCmd::Rename { id, name: unit } => {
            let staff = StaffId::parse(id)?;
            let reassign = match &a.cmd {
                StaffCmd::Move { reassign_to, .. } => reassign_to.as_deref(),
                _ => None,
            };
            let change = match &a.cmd {
                StaffCmd::Move { .. } => AdminChange::MoveStaff {
                    staff: staff.clone(),
                    unit: UnitCode::parse(unit)?,
                },
                _ => AdminChange::RenameStaff {
                    staff: staff.clone(),
                    name: unit.clone(),
                },
            };
            let (s, released, successor) = change_staff(app, &staff, change, reassign)?;
            if app.global.json {
                app.print_json(&json!({
                    "staff": s.as_ref().map(staff_json),
                    "released_cases": released,
                    "reassigned_to": successor,
                }));
            } else if let Some(s) = s {
                let unit = s.unit.as_ref().map_or("-".to_string(), |u| u.to_string());
                let what = if matches!(a.cmd, StaffCmd::Move { .. }) {
                    "moved"
                } else {
                    "renamed"
                };
                out(&format!("{} {} {} ({unit})", app.l(what), s.id, s.name));
                print_released(app, &released, successor.as_ref());
            }
        }
    }
    Ok(())
}

/// What `unit import` accepts in the level and kind columns, from the core's lists.
fn unit_columns() -> String {
    let names = |v: Vec<&str>| v.join(", ");
    format!(
        "level: {}\nkind: {}\nparent: a government's parent is the government one level up (none at the top); a department's, petition office's or legal organ's is the government of its level\nline_superior: the same department one level up (may be empty)\nparent and line_superior give the code of a unit in the file or already in the database",
        names(petition_core::org::Level::ALL.iter().map(|x| x.as_str()).collect()),
        names(petition_core::org::UnitKind::ALL.iter().map(|x| x.as_str()).collect()),
    )
}

impl super::Run for UnitArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        matches!(self.cmd, UnitCmd::List { .. }).then(|| unit_list(app))
    }
    fn run(&self, app: &App) -> CliResult {
        run_unit(app, self)
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render_unit_list(app, matches!(self.cmd, UnitCmd::List { tree: true }), r);
        Ok(())
    }
}

impl super::Run for StaffArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        match &self.cmd {
            StaffCmd::List { unit } => Some(staff_list(app, unit.as_deref())),
            _ => None,
        }
    }
    fn run(&self, app: &App) -> CliResult {
        run_staff(app, self)
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render_staff_list(app, r);
        Ok(())
    }
}

/// What an import did: counts, and the codes or ids it added, renamed and moved.
fn print_import(app: &App, done: &petition_core::service::ImportSummary) {
    if app.global.json {
        app.print_json(&json!({
            "imported": done.added.len() + done.renamed.len() + done.moved.len(),
            "added": done.added,
            "renamed": done.renamed,
            "moved": done.moved,
            "unchanged": done.unchanged,
        }));
    } else {
        out(&format!(
            "{} {}: {} {}, {} {}, {} {}, {} {}",
            app.l("imported"),
            done.added.len() + done.renamed.len() + done.moved.len(),
            app.t("added", "新增"),
            done.added.len(),
            app.t("renamed", "更名"),
            done.renamed.len(),
            app.t("moved", "调动"),
            done.moved.len(),
            app.t("unchanged", "未变"),
            done.unchanged,
        ));
    }
}

/// A change of a staff member by the acting admin: the staff member as they are now, the open
/// cases the change released from them (a move or deactivation), and the colleague who carries
/// those from now on (`--reassign-to`, looked up among the colleagues of their present unit).
type StaffChanged = (Option<Staff>, Vec<String>, Option<StaffId>);

fn change_staff(
    app: &App,
    staff: &StaffId,
    change: AdminChange,
    reassign: Option<&str>,
) -> CliResult<StaffChanged> {
    let mut svc = app.open()?;
    let (actor, now) = app.acting(&mut svc)?;
    let successor = successor(&mut svc, staff, reassign)?;
    let released = svc
        .admin_handing_over(&actor, now, change, successor.as_ref())?
        .iter()
        .map(ToString::to_string)
        .collect();
    let s = svc.read(|w| Ok(w.org().staff(staff).cloned()))?;
    Ok((s, released, successor))
}

/// The colleague named by `--reassign-to`: an id, or a name (or a part only one name has) among
/// the colleagues of `staff`'s present unit.
fn successor(
    svc: &mut petition_core::Service<petition_core::store::AnyStore>,
    staff: &StaffId,
    named: Option<&str>,
) -> CliResult<Option<StaffId>> {
    let Some(named) = named else {
        return Ok(None);
    };
    if let Ok(id) = StaffId::parse(named.trim()) {
        return Ok(Some(id));
    }
    Ok(Some(svc.read(|w| {
        let unit = w.org().staff(staff).and_then(|s| s.unit.clone());
        w.org()
            .find_staff(named, unit.as_ref())
            .map(|x| x.id.clone())
    })?))
}

fn print_released(app: &App, released: &[String], successor: Option<&StaffId>) {
    if let (false, Some(to)) = (released.is_empty(), successor) {
        out(&app
            .t(
                "Open cases now carried by {to}: {ids}",
                "以下在办信访件改由 {to} 承办：{ids}",
            )
            .replace("{to}", to.as_str())
            .replace("{ids}", &released.join(", ")));
        return;
    }
    if !released.is_empty() {
        out(&format!(
            "{} {}: {}",
            app.t(
                "Open cases left without an officer (a colleague of the holding unit takes or is handed each):",
                "以下在办信访件已无承办人（请责任单位另行确定承办人）：",
            ),
            released.len(),
            released.join(", ")
        ));
    }
}
