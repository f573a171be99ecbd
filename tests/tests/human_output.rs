//! The command line's human output, pinned: tables, labels and masks in both languages as a
//! clerk reads them. A change to what a clerk sees shows up here as a snapshot diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test -p petition-tests --test
//! human_output` and read the diff before committing).

use petition_tests::Env;

/// The human output (no `--json`) of `args` as `actor` at `now` in `lang`; it must succeed.
fn human(env: &Env, actor: &str, now: &str, lang: &str, args: &[&str]) -> String {
    let mut all = vec!["--lang", lang];
    all.extend_from_slice(args);
    let o = env.raw(Some(actor), now, false, &all);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// One case routed, accepted and carried: a county department's ordinary day.
fn a_handled_case() -> (Env, String) {
    let env = Env::new();
    let id = env.register("2026-03-02T09:00:00+08:00", &[]);
    env.ok(
        Some("li"),
        "2026-03-02T10:00:00+08:00",
        &["transfer", &id, "--to", "c-zjj", "--note", "请依法处理"],
    );
    env.ok(Some("wang"), "2026-03-04T09:00:00+08:00", &["accept", &id]);
    (env, id)
}

#[test]
fn show_in_both_languages() {
    let (env, id) = a_handled_case();
    let now = "2026-03-05T09:00:00+08:00";
    insta::assert_snapshot!("show_en", human(&env, "wang", now, "en", &["show", &id]));
    insta::assert_snapshot!("show_zh", human(&env, "wang", now, "zh", &["show", &id]));
}

#[test]
fn list_and_queue_in_both_languages() {
    let (env, _) = a_handled_case();
    env.register("2026-03-03T09:00:00+08:00", &[]);
    let now = "2026-03-05T09:00:00+08:00";
    for lang in ["en", "zh"] {
        insta::assert_snapshot!(
            format!("list_{lang}"),
            human(&env, "li", now, lang, &["list"])
        );
        insta::assert_snapshot!(
            format!("queue_{lang}"),
            human(&env, "li", now, lang, &["queue"])
        );
    }
}

#[test]
fn overdue_and_stats_in_both_languages() {
    let (env, _) = a_handled_case();
    // Past the 60-day answer limit: the department's clock is overdue.
    let now = "2026-05-20T09:00:00+08:00";
    for lang in ["en", "zh"] {
        insta::assert_snapshot!(
            format!("overdue_{lang}"),
            human(&env, "li", now, lang, &["overdue"])
        );
        insta::assert_snapshot!(
            format!("stats_{lang}"),
            human(
                &env,
                "admin",
                now,
                lang,
                &["stats", "--from", "2026-03-01", "--to", "2026-03-31"]
            )
        );
    }
}
