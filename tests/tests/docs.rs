//! The README's first steps run as written: its "Using it" block, on a fresh live database, with
//! the sample county and calendar that `examples/` ships.

use petition_tests::bin;

/// The shell lines of the README's "Using it" block, as written.
fn using_it() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let text = std::fs::read_to_string(path).expect("README.md");
    let start = text
        .find("## Using it")
        .expect("the README has a \"Using it\" section");
    let rest = &text[start..];
    let open = rest.find("```sh\n").expect("a shell block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("the block's end") + open;
    rest[open..close].to_string()
}

/// A temporary directory holding `examples/` as the project ships it.
fn with_examples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let examples = dir.path().join("examples");
    std::fs::create_dir(&examples).expect("examples dir");
    for f in ["org.csv", "staff.csv", "calendar-2026.csv"] {
        let from = format!("{}/../examples/{f}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(&from, examples.join(f)).unwrap_or_else(|e| panic!("{from}: {e}"));
    }
    dir
}

/// Runs a documented shell block in `dir` with `petition` the binary under test, as a
/// terminal without the project's variables would; fails with the block's output.
fn run_block(dir: &std::path::Path, block: &str, what: &str) {
    let script = format!(
        "set -euo pipefail\npetition() {{ {:?} \"$@\"; }}\n{block}",
        bin()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PETITION_DB")
        .env_remove("PETITION_ACTOR")
        .env_remove("PETITION_NOW")
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_readme_first_steps_run_as_written() {
    let dir = with_examples();
    let block = using_it();
    assert!(block.contains("petition --db office.db init"), "{block}");
    // A live database numbers its cases by the current year (in the office's time zone).
    let year = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y")
        .to_string();
    let block = block.replace("XF2026-", &format!("XF{year}-"));
    run_block(dir.path(), &block, "the README's block");
    // Where it leaves the case: accepted, carried by wang, extended by the head; the receipt and
    // the ledger written.
    let shown = std::process::Command::new(bin())
        .current_dir(dir.path())
        .args(["--db", "office.db", "--as", "li", "--json", "show"])
        .arg(format!("XF{year}-000001"))
        .output()
        .expect("show");
    let v: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(
        (
            v["state"].as_str(),
            v["officer"].as_str(),
            v["extension_days"].as_u64()
        ),
        (Some("handling"), Some("wang"), Some(30)),
        "{v}"
    );
    for f in ["回执.html", "台账.xlsx"] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
}

/// The clerk guide's "Try it" block, and every other complete `petition …` command it shows.
fn clerk_guide() -> (String, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/clerk-guide.md");
    let text = std::fs::read_to_string(path).expect("docs/clerk-guide.md");
    let start = text.find("## 试一试 / Try it").expect("a Try it section");
    let rest = &text[start..];
    let open = rest.find("```sh\n").expect("a shell block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("the block's end") + open;
    let walk = rest[open..close].to_string();
    let others_text = text.replace(&walk, "");
    let mut commands = Vec::new();
    // Shell blocks, their continued lines joined.
    let mut in_block = false;
    let mut current = String::new();
    for line in others_text.lines() {
        if line.starts_with("```") {
            in_block = line.starts_with("```sh");
            continue;
        }
        if !in_block {
            continue;
        }
        let l = line.trim();
        current.push_str(l.trim_end_matches('\\'));
        current.push(' ');
        if !l.ends_with('\\') {
            if current.trim_start().starts_with("petition ") {
                commands.push(current.trim().to_string());
            }
            current.clear();
        }
    }
    // Inline code spans.
    for span in others_text.split('`').skip(1).step_by(2) {
        let span = span.replace('\n', " ");
        if span.starts_with("petition ") {
            commands.push(span);
        }
    }
    // Only whole commands that end by themselves (not `serve`): none with an ellipsis or a
    // placeholder in capitals.
    commands.retain(|c| {
        c.split_whitespace().nth(1) != Some("serve")
            && !c.contains('…')
            && !c
                .split_whitespace()
                .any(|w| matches!(w, "CASE" | "STAFF" | "UNIT" | "FILE" | "C" | "T"))
    });
    (walk, commands)
}

/// Splits a command line as the shell would for these simple lines (quotes kept together).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn the_clerk_guides_day_runs_as_written_and_every_command_it_shows_is_well_formed() {
    let dir = with_examples();
    let (walk, commands) = clerk_guide();
    run_block(dir.path(), &walk, "the clerk guide's day");
    for f in ["回执.html", "处理意见书.html", "台账.xlsx"] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
    // Every other command the guide shows, on the day's database as li: it may be refused by a
    // rule (another unit's step, a case not there), but it parses, and the units and staff it
    // names exist.
    assert!(commands.len() >= 20, "{commands:?}");
    for c in &commands {
        let args = words(c);
        let o = std::process::Command::new(bin())
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("PETITION_DB", "day.db")
            .env("PETITION_ACTOR", "li")
            .env("PETITION_NOW", "2026-05-14T09:00:00+08:00")
            .arg("--json")
            .args(&args[1..])
            .output()
            .expect("petition");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(2), "{c}: {err}");
        for unknown in [
            "\"no_unit\"",
            "\"no_staff\"",
            "no unit is called",
            "staff member here is called",
        ] {
            assert!(!err.contains(unknown), "{c}: {err}");
        }
    }
}
