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

#[test]
fn the_readme_first_steps_run_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let examples = dir.path().join("examples");
    std::fs::create_dir(&examples).expect("examples dir");
    for f in ["org.csv", "staff.csv", "calendar-2026.csv"] {
        let from = format!("{}/../examples/{f}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(&from, examples.join(f)).unwrap_or_else(|e| panic!("{from}: {e}"));
    }
    let block = using_it();
    assert!(block.contains("petition --db office.db init"), "{block}");
    // A live database numbers its cases by the current year (in the office's time zone).
    let year = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y")
        .to_string();
    let block = block.replace("XF2026-", &format!("XF{year}-"));
    let script = format!(
        "set -euo pipefail\npetition() {{ {:?} \"$@\"; }}\n{block}",
        bin()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("PETITION_DB")
        .env_remove("PETITION_ACTOR")
        .env_remove("PETITION_NOW")
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "the README's block failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
