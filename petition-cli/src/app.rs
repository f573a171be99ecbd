//! The command's edge: global options, the database, the actor, the time and the
//! language, resolved once per run; and the output channel, which treats a closed pipe as done.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use petition_core::audit::ClockMode;
use petition_core::org::Staff;
use petition_core::principal::{Pending, Recorded};
use petition_core::service::Service;
use petition_core::store::{AnyStore, SqliteStore};
use petition_core::{Disclosed, Principal, When};

/// The store every command works on: a SQLite file or a PostgreSQL database (`--db postgres://…`).
pub type Db = AnyStore;
use petition_core::{DomainError, Lang, StaffId};
use petition_core::{Refusal, StorageError};

/// Global options, before or after the subcommand.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Database file [default: $XDG_DATA_HOME/petition/petition.db]
    #[arg(long, global = true, env = "PETITION_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Acting staff member (required for commands that change data)
    #[arg(
        long = "as",
        global = true,
        env = "PETITION_ACTOR",
        value_name = "STAFF_ID"
    )]
    pub actor: Option<String>,
    /// The time of the command: RFC 3339, or YYYY-MM-DD meaning 09:00 local [default: now]
    #[arg(long, global = true, env = "PETITION_NOW", value_name = "TIME")]
    pub now: Option<String>,
    /// Print one JSON document on stdout (errors as JSON on stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// Show unit codes in tables instead of unit names
    #[arg(long, global = true)]
    pub codes: bool,
    /// Output language [default: zh when LC_ALL/LANG starts with zh, else en]
    #[arg(long, global = true, env = "PETITION_LANG", value_parser = ["zh", "en"])]
    pub lang: Option<String>,
    /// Run the command on an office server (`petition serve`) instead of a local database
    #[arg(long, global = true, env = "PETITION_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Your bearer token for --server (issued by an admin with `petition staff token`)
    #[arg(
        long,
        global = true,
        env = "PETITION_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// What a command hands back before it is shown: its JSON document (what `--json` prints and
/// the server answers) and what the human rendering needs besides. Local and remote runs render
/// the same reply with the same code.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    /// The JSON document.
    pub doc: serde_json::Value,
    /// For the human rendering.
    #[serde(default)]
    pub meta: Meta,
}

/// A file answered as such (`GET /api/v1/export`): an unnamed temporary file, its media type,
/// the name offered to save it under, and how many records it holds.
#[derive(Debug)]
pub struct Download {
    /// The file, at its start.
    pub file: std::fs::File,
    /// Its media type.
    pub media: &'static str,
    /// The name to save it under.
    pub name: String,
    /// Records in it.
    pub records: u64,
}

/// What the human rendering needs beyond the JSON document.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    /// After a case command: the case's last event number before it (what it recorded follows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_after: Option<u32>,
    /// The acting unit (`queue`), with its name in human output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Unit and staff names (`show`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<crate::render::Names>,
    /// A rendered document (`notice`: its text or HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Warnings for the human reader, (English, Chinese): printed on standard error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<(String, String)>,
    /// A file a server sends as the answer's body instead of JSON (the ledger).
    #[serde(skip)]
    pub download: Option<Download>,
}

impl Reply {
    /// A reply of a document alone.
    pub fn of(doc: serde_json::Value) -> Self {
        Self {
            doc,
            meta: Meta::default(),
        }
    }
}

/// Database connections a server keeps open between requests.
pub trait Pool: Send + Sync {
    /// A connection: an idle one, or a new one.
    fn take(&self) -> CliResult<Service<Db>>;
    /// Gives a connection back after a request.
    fn give(&self, svc: Service<Db>);
    /// Writes the access-log entries a read waits for (`pending`) at `when`, before its answer
    /// goes out; a server commits the entries of requests running together in one transaction.
    fn record(&self, svc: &mut Service<Db>, pending: Pending, when: When) -> CliResult<Recorded> {
        Ok(svc.work(|w| w.record(pending.clone(), when))?)
    }
}

/// An open database for one command: owned by a local run, borrowed from the pool on a server.
pub struct Opened<'a> {
    svc: Option<Service<Db>>,
    pool: Option<&'a dyn Pool>,
}

impl std::ops::Deref for Opened<'_> {
    type Target = Service<Db>;
    fn deref(&self) -> &Service<Db> {
        // Present from construction until drop.
        self.svc.as_ref().expect("an open service")
    }
}

impl std::ops::DerefMut for Opened<'_> {
    fn deref_mut(&mut self) -> &mut Service<Db> {
        self.svc.as_mut().expect("an open service")
    }
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        if let (Some(pool), Some(svc)) = (self.pool, self.svc.take()) {
            pool.give(svc);
        }
    }
}

pub use crate::error::{CliError, CliResult};

/// clap's message about bad arguments, up to its usage line, on one line (it names the missing
/// or bad arguments), without its `error: ` prefix.
pub fn clap_message(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let text = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    text.trim_start_matches("error: ").to_string()
}

/// A usage error.
pub fn usage(en: &str, zh: &str) -> CliError {
    CliError::from(DomainError::from(Refusal::usage(en, zh)))
}

/// Resolved run context.
pub struct App<'p> {
    /// Options as given.
    pub global: Global,
    /// Output language.
    pub lang: Lang,
    /// Colour allowed on stdout.
    pub color: bool,
    /// On a server: the connections requests share (the actor and time come from the request).
    pub pool: Option<&'p dyn Pool>,
    /// On a server: who reads, resolved with the token (no second look-up).
    pub preset: Option<Session>,
    /// Whether the reply's rendering data (`Meta`) is wanted: for human output here, or by the
    /// remote command line there.
    pub wants_meta: bool,
    /// A one-shot desk command (not work over the whole database): its connection keeps a
    /// small page cache ([`DESK_CACHE_KIB`]).
    pub desk: bool,
    /// On a server: a registration's query code, drawn and hashed on the request's thread before
    /// the command reaches the writer (which then never waits for the slow hash).
    pub prepared_code: std::sync::Mutex<Option<petition_core::PreparedCode>>,
    /// A file a request carried (`POST /cases/{id}/attachments`), for `attach` to read.
    pub upload: std::sync::Mutex<Option<crate::commands::attach::Upload>>,
}

/// The language from `--lang`/`PETITION_LANG`, else `LC_ALL`/`LANG`.
pub fn resolve_lang(opt: Option<&str>) -> Lang {
    match opt {
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        _ => {
            let env = std::env::var("LC_ALL")
                .ok()
                .filter(|s| !s.is_empty())
                .or_else(|| std::env::var("LANG").ok())
                .unwrap_or_default();
            if env.starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        }
    }
}

/// Parses `--now`: RFC 3339, or a bare date meaning 09:00 in `tz`.
pub fn parse_time(s: &str, tz: FixedOffset) -> Result<DateTime<FixedOffset>, DomainError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if s.len() == 10 {
            if let Some(t) = tz
                .from_local_datetime(
                    &d.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
                )
                .single()
            {
                return Ok(t);
            }
        }
    }
    Err(DomainError::from(Refusal::usage_of(
        "time",
        &format!(
            "{:?} is not a time: use RFC 3339 (2026-03-02T09:00:00+08:00) or a date (2026-03-02)",
            s.chars().take(40).collect::<String>()
        ),
        &format!(
            "“{}”不是有效时间：请使用 RFC 3339（2026-03-02T09:00:00+08:00）或日期（2026-03-02）",
            s.chars().take(40).collect::<String>()
        ),
    )))
}

/// Parses a `YYYY-MM-DD` date argument.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, DomainError> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if s.len() == 10 => Ok(d),
        _ => Err(DomainError::from(Refusal::usage_of(
            field,
            "is not a valid date: use YYYY-MM-DD, e.g. 2026-03-02",
            "不是有效日期：请使用 YYYY-MM-DD 格式，例如 2026-03-02",
        ))),
    }
}

impl<'p> App<'p> {
    /// Builds the context from the parsed global options.
    pub fn new(global: Global) -> Self {
        let lang = resolve_lang(global.lang.as_deref());
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let wants_meta = !global.json;
        Self {
            global,
            lang,
            color,
            pool: None,
            preset: None,
            wants_meta,
            desk: false,
            prepared_code: std::sync::Mutex::new(None),
            upload: std::sync::Mutex::new(None),
        }
    }

    /// The context of one server request: `actor` proven by its token, the time the request may
    /// set (simulated databases only), the language it asks for (`None`: English messages,
    /// Chinese notices), JSON out, the connections of the pool.
    pub fn for_request(
        pool: &'p dyn Pool,
        session: Session,
        now: Option<String>,
        asked: Option<Lang>,
        wants_meta: bool,
    ) -> Self {
        let lang = asked.unwrap_or_default();
        let actor = session.staff.id.clone();
        Self {
            global: Global {
                db: None,
                actor: Some(actor.as_str().to_string()),
                now,
                json: true,
                codes: false,
                lang: asked.map(|l| if l == Lang::Zh { "zh" } else { "en" }.to_string()),
                server: None,
                token: None,
            },
            lang,
            color: false,
            pool: Some(pool),
            preset: Some(session),
            wants_meta,
            desk: false,
            prepared_code: std::sync::Mutex::new(None),
            upload: std::sync::Mutex::new(None),
        }
    }

    /// The database path: `--db`, `PETITION_DB`, or the user data directory.
    pub fn db_path(&self) -> CliResult<PathBuf> {
        if let Some(p) = &self.global.db {
            return Ok(p.clone());
        }
        let dirs = directories::ProjectDirs::from("", "", "petition").ok_or_else(|| {
            usage(
                "no home directory to keep the database in: give --db PATH",
                "找不到用户数据目录：请用 --db 指定数据库路径",
            )
        })?;
        Ok(dirs.data_dir().join("petition.db"))
    }

    /// The PostgreSQL connection string `--db` names, if it names one.
    pub fn pg_url(&self) -> CliResult<Option<String>> {
        let path = self.db_path()?;
        Ok(path
            .to_str()
            .filter(|s| AnyStore::is_postgres_url(s))
            .map(str::to_string))
    }

    /// The actor (`--as`, or the token's staff member on a server) as a principal of the open
    /// database, and the time of a write (`--now` refused on a live database).
    pub fn acting(&self, svc: &mut Service<Db>) -> CliResult<(Principal, When)> {
        let (p, tz, clock) = match &self.preset {
            Some(s) => (s.principal.clone(), s.tz, s.clock),
            None => {
                let id = self.actor()?;
                svc.read(|w| Ok((w.principal(&id)?, w.policy().timezone, w.clock_mode()?)))?
            }
        };
        write_time(self, tz, clock)?;
        Ok((p, self.when(tz)?))
    }

    /// The time the command names for itself: `--now`, or the database's clock.
    pub fn when(&self, tz: FixedOffset) -> CliResult<When> {
        Ok(match &self.global.now {
            Some(s) => When::At(parse_time(s, tz)?),
            None => When::Now,
        })
    }

    /// Hands over data that shows personal data in full once its disclosure is in the access
    /// log (on a server, in the writer's next group commit).
    pub fn record<T>(&self, svc: &mut Service<Db>, s: &Session, d: Disclosed<T>) -> CliResult<T> {
        let d = match d.ready() {
            Ok(v) => return Ok(v),
            Err(d) => d,
        };
        let when = self.when(s.tz)?;
        let (sealed, pending) = d.into_parts();
        let proof = match self.pool {
            Some(pool) => pool.record(svc, pending, when)?,
            None => svc.work(|w| w.record(pending.clone(), when))?,
        };
        Ok(sealed.open(proof)?)
    }

    /// Opens the existing database (on a server: takes a connection from its pool).
    pub fn open(&self) -> CliResult<Opened<'p>> {
        if let Some(pool) = self.pool {
            return Ok(Opened {
                svc: Some(pool.take()?),
                pool: Some(pool),
            });
        }
        Ok(Opened {
            svc: Some(self.open_at(&self.db_path()?)?),
            pool: None,
        })
    }

    /// Whether commands run on their own database (not on a server's pooled connections).
    pub fn is_local(&self) -> bool {
        self.pool.is_none()
    }

    /// Opens the existing database at `path` (a file, or a `postgres://` connection string).
    pub fn open_at(&self, path: &std::path::Path) -> CliResult<Service<Db>> {
        let mut svc = open_service(path)?;
        if self.desk {
            if let Some(s) = svc.store().as_sqlite() {
                s.set_cache_kib(DESK_CACHE_KIB)?;
            }
        }
        Ok(svc)
    }

    /// One read transaction for what every reading command needs: the reader (`--as`, known),
    /// the policy's time zone and the clock mode.
    pub fn session(&self, svc: &mut Service<Db>) -> CliResult<Session> {
        if let Some(s) = &self.preset {
            return Ok(s.clone());
        }
        let id = self.actor()?;
        Ok(svc.read(|w| {
            let principal = w.principal(&id)?;
            Ok(Session {
                staff: w.resolve(&principal)?,
                principal,
                tz: w.policy().timezone,
                clock: w.clock_mode()?,
            })
        })?)
    }

    /// The time of a command that writes (see [`Session::write_now`]), for commands that name
    /// no reader (admin changes, `tick`).
    pub fn write_now(&self, svc: &mut Service<Db>) -> CliResult<DateTime<FixedOffset>> {
        let (tz, clock) = match &self.preset {
            Some(s) => (s.tz, s.clock),
            None => svc.read(|w| Ok((w.policy().timezone, w.clock_mode()?)))?,
        };
        write_time(self, tz, clock)
    }

    /// The time a read command evaluates clocks at: `--now` shows the case as it would stand
    /// then, on any database.
    pub fn read_now(&self, svc: &mut Service<Db>) -> CliResult<DateTime<FixedOffset>> {
        let tz = svc.read(|w| Ok(w.policy().timezone))?;
        self.now(tz)
    }

    /// Creates (or opens) the database, making its directory; a PostgreSQL database is connected
    /// to and given its tables.
    pub fn create(&self, path: &std::path::Path) -> CliResult<Service<Db>> {
        if let Some(url) = path.to_str().filter(|s| AnyStore::is_postgres_url(s)) {
            return Ok(Service::new(connect_pg(url)?));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(&dir.display().to_string(), e))?;
        }
        if path.is_dir() {
            return Err(CliError::from(DomainError::from(StorageError::io_detail(
                path.display().to_string(),
                "is a directory: give --db the path of a database file",
            ))));
        }
        let mut store = SqliteStore::open(path, true)?;
        if let Some(ms) = busy_timeout_ms()? {
            store.set_busy_timeout(std::time::Duration::from_millis(ms))?;
        }
        Ok(Service::new(AnyStore::Sqlite(store)))
    }

    /// The acting staff member (required).
    pub fn actor(&self) -> CliResult<StaffId> {
        match &self.global.actor {
            Some(a) => Ok(StaffId::parse(a)?),
            None => Err(usage(
                "name yourself with --as STAFF_ID (or PETITION_ACTOR): every command that reads case data or changes anything needs the staff member it acts for",
                "请用 --as 工作人员编号（或 PETITION_ACTOR）指明本人：查阅信访件或修改数据的命令都需要指明经办人",
            )),
        }
    }

    /// The time of the command in the database's timezone.
    pub fn now(&self, tz: FixedOffset) -> CliResult<DateTime<FixedOffset>> {
        match &self.global.now {
            Some(s) => Ok(parse_time(s, tz)?),
            None => Ok(petition_core::clock::system_now(tz)),
        }
    }

    /// Picks the text for the language.
    pub fn t<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        match self.lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// A label from the table.
    pub fn l(&self, key: &str) -> &'static str {
        crate::i18n::tr(self.lang, key)
    }

    /// The label of a value named in field `field` of a JSON document ([`crate::i18n::field_label`]).
    pub fn field(&self, field: &str, name: &str) -> String {
        crate::i18n::field_label(self.lang, field, name)
    }

    /// Prints a JSON document.
    pub fn print_json(&self, v: &serde_json::Value) {
        let mut v = v.clone();
        petition_core::input::times_to_the_second(&mut v);
        let s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "null".into());
        out(&s);
    }
}

/// What a reading command resolves once: who reads, in which time zone, on which clock.
#[derive(Clone, Debug)]
pub struct Session {
    /// The reader or actor, as the database resolved them.
    pub principal: Principal,
    /// Who they are (name, unit, role), for the rendering.
    pub staff: Staff,
    /// The policy's time zone.
    pub tz: FixedOffset,
    /// The database's clock mode.
    pub clock: ClockMode,
}

/// The time of a command that writes: the system clock on a live database, where `--now` is
/// refused; `--now` (or the system clock) on a simulated one.
pub fn write_time(
    app: &App,
    tz: FixedOffset,
    clock: ClockMode,
) -> CliResult<DateTime<FixedOffset>> {
    if clock == ClockMode::System && app.global.now.is_some() {
        return Err(CliError::from(DomainError::from(Refusal::invalid(
            "this is a live database (system clock): commands that change data take the time from the system clock, so --now (PETITION_NOW) is refused; for training or tests create a simulated database with `petition init --clock simulated`",
            "这是正式数据库（系统时钟）：修改数据的命令只能使用系统时间，不接受 --now（PETITION_NOW）；培训或测试请用 `petition init --clock simulated` 创建模拟数据库",
        ))));
    }
    app.now(tz)
}

impl Session {
    /// The time of a command that writes (the system clock on a live database).
    pub fn write_now(&self, app: &App) -> CliResult<DateTime<FixedOffset>> {
        write_time(app, self.tz, self.clock)
    }
    /// The time a read evaluates clocks at (`--now` shows the case as it would stand then).
    pub fn read_now(&self, app: &App) -> CliResult<DateTime<FixedOffset>> {
        app.now(self.tz)
    }
    /// The local date clocks are evaluated at (`--now` shows the case as it would stand then).
    pub fn today(&self, app: &App) -> CliResult<chrono::NaiveDate> {
        Ok(petition_core::clock::local_date(
            self.read_now(app)?,
            self.tz,
        ))
    }
    /// The time of a command that writes, for the library: the database's clock, or `--now` on
    /// a simulated database (the library refuses it on a live one).
    pub fn write_when(&self, app: &App) -> CliResult<When> {
        self.write_now(app)?;
        app.when(self.tz)
    }
}

/// The write-ahead log of long bulk work on SQLite: 256 MiB before a checkpoint. The first
/// `tick` after loading 100,000 cases took 20.9 s with SQLite's default of 1,000 pages, 16.9 s
/// with 16,000 and 15.6 s with 65,536 (paired runs on one machine).
pub const BULK_CHECKPOINT_PAGES: u32 = 65_536;

/// The page cache of a one-shot desk command's connection, in KiB (64 pages; SQLite's default is
/// 2,000 KiB). Such a command reads a few hundred pages, most of them once, and its process is
/// new: every page buffer the cache has not yet had to reuse is fresh memory, and fresh memory
/// costs the process a page fault. With a small cache the buffers are reused: at 1M cases a
/// search of 50 answers took 1,030 page faults, now 580, about a tenth of its time. What the
/// cache lets go is still in the operating system's page cache. Long work keeps the default.
pub const DESK_CACHE_KIB: u32 = 256;

/// Prepares a connection for long bulk work (the time-driven work, a generated or imported
/// database): on SQLite, a longer write-ahead log between checkpoints. PostgreSQL manages its
/// own.
pub fn for_bulk_work(svc: &mut Service<Db>) -> Result<(), DomainError> {
    if let Some(s) = svc.store().as_sqlite() {
        s.set_checkpoint_pages(BULK_CHECKPOINT_PAGES)?;
    }
    Ok(())
}

/// Opens the existing database at `path` (a file, or a `postgres://` connection string).
pub fn open_service(path: &std::path::Path) -> CliResult<Service<Db>> {
    if let Some(url) = path.to_str().filter(|s| AnyStore::is_postgres_url(s)) {
        return Ok(Service::new(connect_pg(url)?));
    }
    let path = path.to_path_buf();
    if path.is_dir() {
        return Err(CliError::from(DomainError::from(StorageError::io_detail(
            path.display().to_string(),
            "is a directory: give --db the path of a database file",
        ))));
    }
    if !path.exists() {
        let p = path.display();
        return Err(CliError::hinted(DomainError::from(Refusal::missing(
            &format!("no database at {p}: create one with `petition init`, or give --db"),
            &format!("{p} 处没有数据库：请先执行 `petition init`，或用 --db 指定"),
        ))));
    }
    let mut store = SqliteStore::open(&path, false)?;
    // PETITION_BUSY_TIMEOUT_MS: how long, in total, to wait for a lock held by another
    // process before `conflict`.
    if let Some(ms) = busy_timeout_ms()? {
        store.set_busy_timeout(std::time::Duration::from_millis(ms))?;
    }
    Ok(Service::new(AnyStore::Sqlite(store)))
}

/// `PETITION_BUSY_TIMEOUT_MS`, if set.
fn busy_timeout_ms() -> CliResult<Option<u64>> {
    match std::env::var("PETITION_BUSY_TIMEOUT_MS") {
        Err(_) => Ok(None),
        Ok(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
            usage(
                "PETITION_BUSY_TIMEOUT_MS must be a whole number of milliseconds",
                "PETITION_BUSY_TIMEOUT_MS 必须是整数毫秒数",
            )
        }),
    }
}

/// An error of the operating system on `what` (exit 74).
pub fn io_error(what: &str, e: std::io::Error) -> CliError {
    CliError::from(DomainError::from(StorageError::io(what, e)))
}

/// Reads a whole input file (or standard input for `-`), at most `max` bytes: a longer input is
/// refused when the byte after the limit arrives, so `/dev/zero` or an endless pipe cannot
/// exhaust memory.
pub fn read_input(path: &std::path::Path, max: u64) -> CliResult<Vec<u8>> {
    use std::io::Read;
    let shown = path.display().to_string();
    let mut buf = Vec::new();
    let r = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(max + 1).read_to_end(&mut buf)
    } else {
        if path.is_dir() {
            return Err(CliError::from(DomainError::from(StorageError::io_detail(
                &shown,
                "is a directory",
            ))));
        }
        let f = std::fs::File::open(path).map_err(|e| io_error(&shown, e))?;
        f.take(max + 1).read_to_end(&mut buf)
    };
    r.map_err(|e| io_error(&shown, e))?;
    if buf.len() as u64 > max {
        return Err(CliError::from(DomainError::from(Refusal::field(
            &shown,
            &format!("is larger than the limit of {max} bytes"),
            &format!("超过 {max} 字节的上限"),
        ))));
    }
    Ok(buf)
}

/// Writes a line to stdout; a closed pipe (`petition list | head`) ends the program cleanly.
pub fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let r = writeln!(o, "{s}").and_then(|_| o.flush());
    if let Err(e) = r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Connects to a PostgreSQL database (`--db postgres://…`).
#[cfg(feature = "postgres")]
pub fn connect_pg(url: &str) -> CliResult<Db> {
    let password = crate::pgpass::password_for(url);
    let store = petition_core::store::PgStore::connect_with(url, None, password.as_deref())?;
    Ok(AnyStore::Postgres(Box::new(store)))
}

/// Connects to a petition database on PostgreSQL that exists, creating and changing nothing
/// (`verify`).
#[cfg(feature = "postgres")]
pub fn open_pg(url: &str) -> CliResult<Db> {
    let password = crate::pgpass::password_for(url);
    let store = petition_core::store::PgStore::open_existing(url, None, password.as_deref())?;
    Ok(AnyStore::Postgres(Box::new(store)))
}

/// Without the `postgres` feature a connection string is refused, saying why.
#[cfg(not(feature = "postgres"))]
pub fn connect_pg(_url: &str) -> CliResult<Db> {
    open_pg(_url)
}

/// Without the `postgres` feature a connection string is refused, saying why.
#[cfg(not(feature = "postgres"))]
pub fn open_pg(_url: &str) -> CliResult<Db> {
    Err(usage(
        "this petition was built without PostgreSQL support: build it with the `postgres` feature, or give --db a file",
        "此版本的 petition 不支持 PostgreSQL：请以 `postgres` 特性构建，或用 --db 指定数据库文件",
    ))
}

/// The possible values of an option, from the core's own list of an enum's values (so the
/// command line never keeps a list of its own).
/// The value parser of an option taking a value of one of the rules' vocabularies: its name, or
/// its label in English or Chinese as a clerk types it (`--channel 来访`); the parsed value is
/// the name. Help lists the names.
pub fn word<T: petition_core::case::Vocabulary + Send + Sync>() -> Word<T> {
    Word(std::marker::PhantomData)
}

/// See [`word`].
#[derive(Clone, Copy)]
pub struct Word<T>(std::marker::PhantomData<fn() -> T>);

impl<T: petition_core::case::Vocabulary + Send + Sync> clap::builder::TypedValueParser for Word<T> {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        match value.to_str().and_then(T::parse_word) {
            Some(v) => Ok(v.as_str().to_string()),
            // Refused as clap refuses any value outside the list, naming the names.
            None => clap::builder::PossibleValuesParser::new(T::ALL.iter().map(|v| v.as_str()))
                .parse_ref(cmd, arg, value),
        }
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            T::ALL
                .iter()
                .map(|v| clap::builder::PossibleValue::new(v.as_str())),
        ))
    }
}

/// A long text given on the command line (`--text`) or read from a file (`--text-file`, UTF-8,
/// at most 4 MiB): `field` names it in errors.
pub fn long_text(
    field: &str,
    text: &Option<String>,
    file: &Option<std::path::PathBuf>,
) -> CliResult<String> {
    match (text, file) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(f)) => {
            let bytes = read_input(f, 4 << 20)?;
            Ok(petition_core::input::utf8_text(field, &bytes)?.to_string())
        }
        (None, None) => Err(usage(
            &format!("give --{0} or --{0}-file", field.replace('_', "-")),
            &format!("请提供 --{0} 或 --{0}-file", field.replace('_', "-")),
        )),
    }
}

pub fn one_of<T: Copy>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(all.iter().map(move |x| name(*x)))
}
