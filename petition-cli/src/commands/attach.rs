//! `attach`, `attachments`, `attachment get|withdraw`: the files of the case file (卷宗附件).

use std::io::{Seek, Write};

use petition_core::attachment::ContentType;
use petition_core::case::AttachmentKind;
use petition_core::{Command, Reveal};
use serde_json::{json, Value};

use super::case_id;
use crate::app::{out, usage, App, CliResult, Reply};

/// Put a file in the case file (附件): the scanned letter, an id copy, site photos, the signed
/// notice. Any unit that may read the case attaches, in any state. The type is recognised from
/// the content, not the name: PDF, OFD, JPEG, PNG, TIFF, DOCX, XLSX or plain UTF-8 text (a web
/// page, a program or a ZIP archive is refused). At most 20 MiB a file and 200 MiB a case (policy
/// attachment_max_mib, case_attachments_max_mib). The chain records the file's SHA-256, size,
/// type, kind and title; only units that read the case in full download it.
///
/// Examples:
///   petition --as li attach XF2026-000001 来信扫描.pdf --kind letter --title "来信原件"
///   petition --as wang attach XF2026-000001 IMG_0412.jpg --kind photo --title 现场照片
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct AttachArgs {
    /// Case id
    pub case: String,
    /// The file
    pub file: std::path::PathBuf,
    /// What it is: letter | id_copy | evidence | signed_notice | photo | other
    #[arg(long, default_value = "other", value_parser = crate::app::word::<AttachmentKind>())]
    pub kind: String,
    /// Its title (default: the file's name)
    #[arg(long)]
    pub title: Option<String>,
}

/// List the files of a case's file: kind, title, size, type, date, the unit that attached it
/// and its SHA-256 (its first 12 digits in the table; `attachment get` takes 8 or more). Every
/// unit that reads the case sees the list; withdrawn files only with --all.
///
/// Example: petition --as li attachments XF2026-000001
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ListArgs {
    /// Case id
    pub case: String,
    /// Withdrawn files too
    #[arg(long)]
    pub all: bool,
}

/// One file of the case file: download it, or withdraw one added in error.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: AttachmentCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum AttachmentCmd {
    /// Download a file of the case file: only a unit that reads the case in full (the registering
    /// unit, the holder, the lead or an assisting unit), never the accused unit of an accusation.
    /// Each download is recorded in the access log. The file is checked against its SHA-256 as it
    /// is written; the output file appears only once it is whole.
    ///
    /// Examples:
    ///   petition --as li attachment get XF2026-000001 3fa2b1c94d5e --out 来信.pdf
    ///   petition --as li attachment get XF2026-000001 3fa2b1c94d5e --out - > 来信.pdf
    #[command(verbatim_doc_comment)]
    Get {
        /// Case id
        case: String,
        /// The file's SHA-256, or its first 8 or more hex digits (see `attachments`)
        sha256: String,
        /// Write the file here (`-` for standard output); required
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Withdraw a file added in error (the wrong person's id copy, a duplicate scan): only the
    /// unit that attached it. The file is no longer listed or given; the history keeps its hash
    /// and the reason.
    ///
    /// Example: petition --as li attachment withdraw XF2026-000001 3fa2b1c94d5e --reason "误附他人材料"
    #[command(verbatim_doc_comment)]
    Withdraw {
        /// Case id
        case: String,
        /// The file's SHA-256, or its first 8 or more hex digits
        sha256: String,
        /// Why
        #[arg(long)]
        reason: String,
    },
}

/// A file handed over with a request (the server's upload): the command reads it instead of a
/// path on the desk.
#[derive(Debug)]
pub struct Upload {
    /// The body, written to an unnamed temporary file as it arrived.
    pub file: std::fs::File,
    /// The type the sender declared (`Content-Type`), when it is one the case file takes.
    pub declared: Option<ContentType>,
}

impl AttachArgs {
    /// `--title`, or the file's name.
    pub fn title_or_name(&self) -> CliResult<String> {
        match &self.title {
            Some(t) => Ok(t.clone()),
            None => self
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| n != "-")
                .ok_or_else(|| usage("give the file a --title", "请用 --title 给出标题")),
        }
    }
}

pub fn attach(app: &App, a: &AttachArgs) -> CliResult<Reply> {
    let id = case_id(&a.case)?;
    let kind = AttachmentKind::parse(&a.kind).ok_or_else(|| usage("bad --kind", "--kind 无效"))?;
    let upload = app.upload.lock().ok().and_then(|mut u| u.take());
    let (mut file, declared) = match upload {
        Some(u) => (u.file, u.declared),
        None => {
            let f = std::fs::File::open(&a.file)
                .map_err(|e| crate::app::io_error(&a.file.display().to_string(), e))?;
            (f, None)
        }
    };
    let title = a.title_or_name()?;
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let when = session.write_when(app)?;
    let before = svc
        .attach(
            &session.principal,
            when,
            &id,
            &mut file,
            declared,
            kind,
            &title,
        )?
        .seq_before;
    let shown = svc.work(|w| super::after_write(app, w, &session, &id, "attach"))?;
    Ok(super::case_reply(&shown, session.today(app)?, before))
}

pub fn list(app: &App, a: &ListArgs) -> CliResult<Reply> {
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let shown = svc.read(|w| w.show_for(&s.principal, &id, Reveal::AsAllowed, "attachments"))?;
    let shown = app.record(&mut svc, &s, shown)?;
    let doc = petition_core::view::case_json(&shown.case, &[], s.today(app)?, shown.privacy);
    let files: Vec<Value> = doc["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| a.all || f["withdrawn"].is_null())
        .cloned()
        .collect();
    Ok(Reply::of(json!({"case": id, "attachments": files})))
}

fn render_list(app: &App, r: &Reply) {
    let files = r.doc["attachments"].as_array().cloned().unwrap_or_default();
    if files.is_empty() {
        out(app.t("no files in the case file", "卷宗中没有附件"));
        return;
    }
    let mut t = crate::render::table(
        app,
        &[
            app.t("SHA-256", "SHA-256"),
            app.t("kind", "类别"),
            app.t("title", "标题"),
            app.t("size", "大小"),
            app.t("type", "类型"),
            app.t("attached", "附加时间"),
            app.t("unit", "单位"),
        ],
    );
    for f in &files {
        let sha = f["sha256"].as_str().unwrap_or("");
        let withdrawn = if f["withdrawn"].is_null() {
            String::new()
        } else {
            format!(" ({})", app.t("withdrawn", "已撤下"))
        };
        let kind = app.field("attachment_kind", f["kind"].as_str().unwrap_or(""));
        let short = petition_core::attachment::ContentType::of_media(
            f["content_type"].as_str().unwrap_or(""),
        )
        .map_or("-", ContentType::short);
        t.add_row(vec![
            format!("{}{withdrawn}", sha.get(..12).unwrap_or(sha)),
            kind,
            f["title"].as_str().unwrap_or("").to_string(),
            size_text(f["size"].as_u64().unwrap_or(0)),
            short.to_string(),
            f["at"]
                .as_str()
                .map(|s| s.get(..16).unwrap_or(s).replace('T', " "))
                .unwrap_or_default(),
            f["unit"].as_str().unwrap_or("-").to_string(),
        ]);
    }
    out(&t.to_string());
}

/// A size for people: bytes, KiB or MiB.
fn size_text(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1 << 20 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
    }
}

/// Plans the download, records it in the access log, and writes the file to `sink`.
fn download(
    app: &App,
    case: &str,
    sha256: &str,
    sink: &mut dyn Write,
) -> CliResult<petition_core::attachment::FileMeta> {
    let id = case_id(case)?;
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let plan = svc.attachment_plan(&s.principal, &id, sha256)?;
    let plan = app.record(&mut svc, &s, plan)?;
    Ok(svc.read_attachment(&s.principal, &plan, sink)?)
}

/// On a server: the file as a download to send.
fn get_reply(app: &App, case: &str, sha256: &str) -> CliResult<Reply> {
    let io = |e| crate::app::io_error("a temporary file", e);
    let mut file = tempfile::tempfile().map_err(io)?;
    let meta = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut file);
        let meta = download(app, case, sha256, &mut w)?;
        w.flush().map_err(io)?;
        meta
    };
    file.rewind().map_err(io)?;
    let mut r = Reply::of(json!({"sha256": meta.sha256, "size": meta.size}));
    r.meta.download = Some(crate::app::Download {
        file,
        media: meta.content_type.media(),
        name: format!(
            "{}.{}",
            meta.sha256.get(..12).unwrap_or(&meta.sha256),
            meta.content_type.extension()
        ),
        records: 1,
    });
    Ok(r)
}

/// At the desk: the file written to `out` (whole, or not at all) or to standard output.
fn get_local(app: &App, case: &str, sha256: &str, path: &std::path::Path) -> CliResult {
    let meta = if path.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        let meta = download(app, case, sha256, &mut stdout)?;
        stdout
            .flush()
            .map_err(|e| crate::app::io_error("standard output", e))?;
        meta
    } else {
        let mut partial = crate::outfile::begin(path)?;
        let got = {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut partial.file);
            download(app, case, sha256, &mut w).and_then(|m| {
                w.flush()
                    .map_err(|e| crate::app::io_error(&path.display().to_string(), e))?;
                Ok(m)
            })
        };
        match got {
            Ok(m) => {
                partial.finish(path)?;
                m
            }
            Err(e) => {
                partial.abandon();
                return Err(e);
            }
        }
    };
    saved(app, path, meta.size, &meta.sha256);
    Ok(())
}

/// `--out`, which the desk must give (a server sends the file instead).
fn out_of(out: Option<&std::path::Path>) -> CliResult<&std::path::Path> {
    out.ok_or_else(|| {
        usage(
            "give --out FILE to write the file to (or --out - for standard output)",
            "请用 --out 文件 指定写出位置（或 --out - 写到标准输出）",
        )
    })
}

fn saved(app: &App, path: &std::path::Path, size: u64, sha256: &str) {
    if path.as_os_str() == "-" {
        return;
    }
    if app.global.json {
        app.print_json(&json!({"out": path, "size": size, "sha256": sha256}));
    } else {
        out(&format!(
            "{} {} → {}",
            app.t("saved", "已保存"),
            size_text(size),
            path.display()
        ));
    }
}

impl Args {
    /// The hash (or its first digits) the command names.
    pub fn sha256_arg(&self) -> &str {
        match &self.cmd {
            AttachmentCmd::Get { sha256, .. } | AttachmentCmd::Withdraw { sha256, .. } => sha256,
        }
    }
}

impl super::Run for AttachArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(attach(app, self))
    }
}

impl super::Run for ListArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(list(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render_list(app, r);
        Ok(())
    }
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        match &self.cmd {
            AttachmentCmd::Withdraw {
                case,
                sha256,
                reason,
            } => Some(super::run_case_command(
                app,
                case,
                Command::WithdrawAttachment {
                    sha256: sha256.clone(),
                    reason: reason.clone(),
                },
            )),
            // At the desk the file is written as it is read (`run`); a server sends it.
            AttachmentCmd::Get { case, sha256, .. } => {
                (!app.is_local()).then(|| get_reply(app, case, sha256))
            }
        }
    }
    fn run(&self, app: &App) -> CliResult {
        match &self.cmd {
            AttachmentCmd::Get { case, sha256, out } => {
                get_local(app, case, sha256, out_of(out.as_deref())?)
            }
            AttachmentCmd::Withdraw { .. } => Err(usage(
                "withdraw answers with the case",
                "撤下附件以案件作答",
            )),
        }
    }
    fn check(&self, app: &App) -> CliResult<Option<std::path::PathBuf>> {
        match &self.cmd {
            AttachmentCmd::Get { out, .. } => {
                let out = out_of(out.as_deref())?;
                if out.as_os_str() == "-" {
                    return Ok(None);
                }
                crate::outfile::check(app, out).map(Some)
            }
            _ => Ok(None),
        }
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        match &self.cmd {
            // Over --server: the file was written as it came (see `remote`).
            AttachmentCmd::Get { out, .. } => {
                saved(
                    app,
                    out_of(out.as_deref())?,
                    r.doc["size"].as_u64().unwrap_or(0),
                    r.doc["sha256"].as_str().unwrap_or(""),
                );
            }
            AttachmentCmd::Withdraw { .. } if app.global.json => app.print_json(&r.doc),
            AttachmentCmd::Withdraw { .. } => {
                super::summary_line(app, &r.doc, r.meta.recorded_after.unwrap_or(0))
            }
        }
        Ok(())
    }
    fn renders_json(&self) -> bool {
        matches!(self.cmd, AttachmentCmd::Get { .. })
    }
}
