//! Helpers for the end-to-end tests: the real `petition` binary, built once, run on a temporary
//! database with a fixed `--now`, in a hermetic environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub mod browser;
pub mod evidence;
pub mod server;

/// The path of the `petition` binary, building it once if needed.
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test exe");
        // target/<profile>/deps/<test> → target/<profile>/petition
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_path_buf();
        let profile_release = dir.ends_with("release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        // `--workspace`: the features the workspace's own build unifies, so this reuses what
        // `cargo build --workspace` / `cargo test --workspace` compiled instead of compiling a
        // second copy of two dozen crates with `petition-cli`'s features alone.
        build.args(["build", "-q", "--workspace", "--bin", "petition"]);
        if profile_release {
            build.arg("--release");
        }
        let status = build.status().expect("cargo build");
        assert!(status.success(), "building petition failed");
        dir.join(if cfg!(windows) {
            "petition.exe"
        } else {
            "petition"
        })
    })
}

/// A temporary database.
pub struct Env {
    /// Keeps the directory alive.
    pub dir: tempfile::TempDir,
    /// The database file.
    pub db: PathBuf,
}

/// The organisation used by the end-to-end tests, as a CSV chart.
pub const ORG_CSV: &str = "code,name,level,kind,parent,line_superior
prov,某省人民政府,provincial,government,,
prov-xfj,某省信访局,provincial,petition_office,prov,
prov-zjt,某省住建厅,provincial,department,prov,
city,某市人民政府,prefectural,government,prov,
city-xfj,某市信访局,prefectural,petition_office,city,
city-zjj,某市住建局,prefectural,department,city,prov-zjt
city-court,某市中级人民法院,prefectural,legal,city,
c,某县人民政府,county,government,city,
c-xfj,某县信访局,county,petition_office,c,
c-zjj,某县住建局,county,department,c,city-zjj
c-gtj,某县自然资源局,county,department,c,
t,甲镇人民政府,township,government,c,
";

/// Staff: (id, name, role, unit).
pub const STAFF: &[(&str, &str, &str, &str)] = &[
    ("li", "李明", "clerk", "c-xfj"),
    ("wang", "王芳", "clerk", "c-zjj"),
    ("zhang", "张局长", "head", "c-zjj"),
    ("zhao", "赵强", "clerk", "c-gtj"),
    ("sun", "孙丽", "clerk", "t"),
    ("chen", "陈静", "clerk", "city-zjj"),
    ("gov", "刘县长", "clerk", "c"),
    ("zhou", "周敏", "clerk", "prov-zjt"),
    ("shi", "石磊", "clerk", "city-xfj"),
    ("fa", "范法官", "clerk", "city-court"),
];

/// The PostgreSQL server of the tests (`PETITION_TEST_PG`), or `None` with the reason printed:
/// without one the PostgreSQL tests are skipped (CI always sets it).
pub fn test_pg() -> Option<String> {
    match std::env::var("PETITION_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("PETITION_REQUIRE_PG").is_none(),
                "PETITION_REQUIRE_PG is set but PETITION_TEST_PG names no server"
            );
            eprintln!(
                "SKIPPED: no PostgreSQL server for this test (set PETITION_TEST_PG=postgres://…; \
                 scripts/pg-cluster.sh start DIR makes one)"
            );
            None
        }
    }
}

/// A connection string for a new, empty schema of its own on the test server.
pub fn fresh_pg_db(url: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    // Named by process and a counter; a leftover of an earlier process with the same id goes.
    let schema = format!(
        "e{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("the test server");
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("create a schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

impl Env {
    /// An empty, initialised database with admin `admin`.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("p.db");
        Self::init(Env { dir, db })
    }

    /// [`Env::new`] on a new schema of the PostgreSQL test server, or `None` (skipped) without one.
    pub fn new_pg() -> Option<Self> {
        let url = test_pg()?;
        let dir = tempfile::tempdir().expect("tempdir");
        let db = PathBuf::from(fresh_pg_db(&url));
        Some(Self::populate(Self::init(Env { dir, db })))
    }

    fn init(env: Env) -> Self {
        env.ok(
            None,
            "2026-03-01",
            &[
                "init",
                "--admin",
                "admin",
                "--admin-name",
                "管理员",
                "--clock",
                "simulated",
            ],
        );
        env
    }

    /// A database with the test organisation and staff.
    pub fn new() -> Self {
        Self::populate(Self::empty())
    }

    fn populate(env: Env) -> Self {
        let csv = env.dir.path().join("org.csv");
        std::fs::write(&csv, ORG_CSV).expect("write csv");
        env.ok(
            Some("admin"),
            "2026-03-01",
            &["unit", "import", csv.to_str().expect("utf8")],
        );
        for (id, name, role, unit) in STAFF {
            env.ok(
                Some("admin"),
                "2026-03-01",
                &[
                    "staff", "add", id, "--name", name, "--role", role, "--unit", unit,
                ],
            );
        }
        env
    }

    /// Runs `petition --db DB --now NOW [--as ACTOR] [--json] ARGS` in a hermetic environment.
    pub fn raw(&self, actor: Option<&str>, now: &str, json: bool, args: &[&str]) -> Output {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(&self.db)
            .args(["--now", now]);
        if json {
            c.arg("--json");
        }
        if let Some(a) = actor {
            c.args(["--as", a]);
        }
        c.args(args).output().expect("run petition")
    }

    /// Runs with `--json` and expects success; returns the JSON document.
    pub fn ok(&self, actor: Option<&str>, now: &str, args: &[&str]) -> serde_json::Value {
        let o = self.raw(actor, now, true, args);
        assert!(
            o.status.success(),
            "petition {args:?} failed ({:?}): {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not JSON ({e}): {}",
                String::from_utf8_lossy(&o.stdout)
            )
        })
    }

    /// Runs with `--json` and expects failure; returns the whole JSON error object.
    pub fn err_json(&self, actor: Option<&str>, now: &str, args: &[&str]) -> serde_json::Value {
        let o = self.raw(actor, now, true, args);
        assert!(
            !o.status.success(),
            "petition {args:?} unexpectedly succeeded"
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        let last = stderr.lines().last().unwrap_or("");
        serde_json::from_str(last)
            .unwrap_or_else(|_| panic!("stderr is not the JSON error object: {stderr}"))
    }

    /// Runs with `--json` and expects failure; returns (exit code, error code, message).
    pub fn err(&self, actor: Option<&str>, now: &str, args: &[&str]) -> (i32, String, String) {
        let o = self.raw(actor, now, true, args);
        assert!(
            !o.status.success(),
            "petition {args:?} unexpectedly succeeded: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(
            o.stdout.is_empty(),
            "a failed command prints nothing on stdout"
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        let last = stderr.lines().last().unwrap_or("");
        let v: serde_json::Value = serde_json::from_str(last)
            .unwrap_or_else(|_| panic!("stderr is not the JSON error object: {stderr}"));
        let code = v["error"]["code"].as_str().unwrap_or("").to_string();
        let message = v["error"]["message"].as_str().unwrap_or("").to_string();
        assert!(!message.is_empty());
        (o.status.code().unwrap_or(-1), code, message)
    }

    /// Registers a letter about `t` as `li` and returns its id (a petitioner with id number,
    /// phone and address; [`register_args`] is the smallest registration).
    pub fn register(&self, now: &str, extra: &[&str]) -> String {
        self.register_with_code(now, extra).0
    }

    /// [`Env::register`], with the query code its registration showed (the only time it is
    /// shown: the database keeps its hash).
    pub fn register_with_code(&self, now: &str, extra: &[&str]) -> (String, String) {
        let mut args = vec![
            "register",
            "--channel",
            "letter",
            "--purpose",
            "request",
            "--locality",
            "t",
            "--category",
            "housing.repair",
            "--summary",
            "房屋漏水",
            "--petitioner",
            "赵某",
            "--id-number",
            "11010519491231002X",
            "--phone",
            "13812345678",
            "--address",
            "甲镇某村",
        ];
        args.extend_from_slice(extra);
        let v = self.ok(Some("li"), now, &args);
        (
            v["id"].as_str().expect("id").to_string(),
            v["query_code"].as_str().expect("query code").to_string(),
        )
    }

    /// Exports the whole chain with personal data (as `admin`, at `now`) to `name` in the
    /// environment's directory; returns the file's path.
    pub fn export_chain(&self, now: &str, name: &str) -> PathBuf {
        let file = self.dir.path().join(name);
        self.ok(
            Some("admin"),
            now,
            &[
                "export",
                "--format",
                "jsonl",
                "--include-pii",
                "--out",
                file.to_str().expect("utf8"),
            ],
        );
        file
    }

    /// The database file's bytes (to prove a failed command changed nothing).
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = std::fs::read(&self.db).unwrap_or_default();
        let wal = self.db.with_extension("db-wal");
        b.extend(std::fs::read(wal).unwrap_or_default());
        b
    }
}

/// The names of the files in a directory, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The clock of a kind in a case's JSON (the last one).
pub fn clock<'a>(case: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    case["clocks"]
        .as_array()
        .and_then(|c| c.iter().rev().find(|k| k["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} clock"))
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

/// The arguments of the smallest valid registration: a letter about `t`, category `a.b`, with
/// this summary and petitioner, then `extra`.
pub fn register_args(summary: &str, petitioner: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "register",
        "--channel",
        "letter",
        "--purpose",
        "request",
        "--locality",
        "t",
        "--category",
        "a.b",
        "--summary",
        summary,
        "--petitioner",
        petitioner,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The case ids in a `list`-like answer (`{"cases": [...]}`).
pub fn ids(v: &serde_json::Value) -> Vec<String> {
    v["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect()
}
