//! The schema is the program's own (`verify`): every table, index, view, trigger (SQLite) or
//! trigger, rule, policy and function (PostgreSQL) of the petition database is one the program
//! made, as it made it. A planted `RAISE(IGNORE)` trigger that silences the access log, a dropped
//! append-only trigger, a disabled one, an extra table or index: each fails `verify`, named.

use std::collections::BTreeMap;

/// The schema objects of a database: `(kind, name)` → definition (white space folded).
pub(crate) type Objects = BTreeMap<(String, String), String>;

/// Folds runs of white space into one space, so a definition is compared by its words.
pub(crate) fn fold(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first difference between the objects the program makes (`want`) and those stored.
pub(crate) fn difference(want: &Objects, got: &Objects) -> Option<String> {
    let keys: std::collections::BTreeSet<&(String, String)> =
        want.keys().chain(got.keys()).collect();
    keys.into_iter().find_map(|k @ (kind, name)| match (want.get(k), got.get(k)) {
        (Some(a), Some(b)) if a == b => None,
        (Some(_), Some(b)) => Some(format!(
            "schema: the {kind} {name} was changed ({}) — it is not as petition made it",
            clip(b)
        )),
        (Some(_), None) => Some(format!(
            "schema: the {kind} {name} that petition made is missing (dropped behind the tool's back)"
        )),
        (None, Some(b)) => Some(format!(
            "schema: a {kind} {name} that petition did not make ({})",
            clip(b)
        )),
        (None, None) => None,
    })
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}
