//! The public API of `petition-core`, recorded in `public-api.txt` so a change to it is visible in
//! review: every `pub` item, field and re-export of the library's source (test-only code left
//! out), one line each, by file. When the API changes on purpose, regenerate the record with
//! `UPDATE_PUBLIC_API=1 cargo test -p petition-core --test public_api` and commit it.

use std::path::{Path, PathBuf};

/// Files compiled only for tests.
const TEST_ONLY: &[&str] = &[
    "src/fuzz.rs",
    "src/testing.rs",
    "src/case/tests/",
    "src/store/conformance.rs",
    "src/store/model.rs",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read src")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// One line per public item: `file: signature` (up to its body, collapsed to one line).
fn listing(root: &Path) -> String {
    let mut paths = Vec::new();
    files(&root.join("src"), &mut paths);
    let mut out = String::new();
    for path in paths {
        let rel = path
            .strip_prefix(root)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        if TEST_ONLY
            .iter()
            .any(|t| rel == *t || (t.ends_with('/') && rel.starts_with(t)))
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim();
            // Tests sit at the end of a file, after `#[cfg(test)]`.
            if l == "#[cfg(test)]" && lines.get(i + 1).is_some_and(|n| n.contains("mod tests")) {
                break;
            }
            if l.starts_with("pub ") && !l.starts_with("pub(") {
                // A function's signature runs to its body or `;` (its parameters end in `,`); a
                // field or a unit item ends at its line.
                let is_fn = l.contains(" fn ") || l.starts_with("pub fn ");
                let mut sig = String::new();
                let mut j = i;
                loop {
                    let part = lines[j].trim();
                    sig.push_str(part);
                    sig.push(' ');
                    let end = part.ends_with('{')
                        || part.ends_with(';')
                        || (!is_fn && part.ends_with(','));
                    if end || j + 1 >= lines.len() {
                        break;
                    }
                    j += 1;
                }
                let sig = sig.trim().trim_end_matches('{').trim().to_string();
                out.push_str(&format!("{rel}: {sig}\n"));
                i = j;
            }
            i += 1;
        }
    }
    out
}

#[test]
fn the_public_api_is_recorded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let now = listing(root);
    let record = root.join("public-api.txt");
    if std::env::var_os("UPDATE_PUBLIC_API").is_some() {
        std::fs::write(&record, &now).expect("write the record");
        return;
    }
    let was = std::fs::read_to_string(&record).unwrap_or_default();
    if was != now {
        let added: Vec<&str> = now
            .lines()
            .filter(|l| !was.lines().any(|w| w == *l))
            .collect();
        let removed: Vec<&str> = was
            .lines()
            .filter(|l| !now.lines().any(|n| n == *l))
            .collect();
        panic!(
            "the public API changed; if on purpose, run `UPDATE_PUBLIC_API=1 cargo test -p petition-core --test public_api` and commit public-api.txt\nadded:\n  {}\nremoved:\n  {}",
            added.join("\n  "),
            removed.join("\n  ")
        );
    }
}
