//! The PostgreSQL schema: forward-only migrations, their version in `schema_version`.
//!
//! The tables mirror the SQLite store's (same names, same columns, dates as ISO text so they
//! sort as dates), with PostgreSQL's types for flags (`boolean`) and hashes (`bytea`), and one
//! row per chain in `heads`: the position and hash of its last entry, locked by every writer
//! before it appends, so appends are totally ordered across connections.
//!
//! The query tables have no foreign keys: they are a projection of the chain, written only by
//! the service and checked against it row by row by `verify` (rows of unknown cases show up in
//! its row counts). PostgreSQL checks a foreign key with a trigger and a row lock per inserted
//! row, which cost a third of a bulk load (10,000 cases: 7.0 s with them, 4.7 s without).

/// Ordered migrations; step N brings the version from N-1 to N, each in its own transaction.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: everything the SQLite store has at its version 4.
    r#"
    CREATE TABLE chain(
        gseq    BIGINT PRIMARY KEY,
        case_id TEXT,
        seq     BIGINT,
        type    TEXT NOT NULL,
        body    TEXT NOT NULL,
        hash    BYTEA NOT NULL
    );
    CREATE UNIQUE INDEX chain_case ON chain(case_id, seq) WHERE case_id IS NOT NULL;

    CREATE TABLE heads(
        name TEXT PRIMARY KEY,
        pos  BIGINT NOT NULL,
        hash BYTEA NOT NULL
    );
    INSERT INTO heads(name, pos, hash) VALUES
        ('chain', 0, decode(repeat('00', 32), 'hex')),
        ('access', 0, decode(repeat('00', 32), 'hex'));

    CREATE TABLE units(code TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE staff(id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE counters(year BIGINT PRIMARY KEY, next BIGINT NOT NULL);

    CREATE TABLE cases(
        id                TEXT PRIMARY KEY,
        state             TEXT NOT NULL,
        holder            TEXT,
        lead              TEXT,
        first_contact     TEXT,
        objection_router  TEXT,
        locality          TEXT,
        category          TEXT,
        channel           TEXT,
        registered_on     TEXT,
        registered_at     TEXT,
        names             TEXT NOT NULL,
        skip_level        BOOLEAN NOT NULL,
        collective        BOOLEAN NOT NULL,
        repeat            BOOLEAN NOT NULL,
        next_tick         TEXT,
        last_seq          BIGINT NOT NULL
    );
    CREATE INDEX cases_holder ON cases(holder, state);
    CREATE INDEX cases_lead ON cases(lead, state);
    CREATE INDEX cases_first_contact ON cases(first_contact, state);
    CREATE INDEX cases_state ON cases(state, registered_on, id);
    CREATE INDEX cases_registered ON cases(registered_on, id);
    CREATE INDEX cases_next_tick ON cases(next_tick, id) WHERE next_tick IS NOT NULL;
    CREATE INDEX cases_objection ON cases(objection_router) WHERE objection_router IS NOT NULL;

    CREATE TABLE clocks(
        case_id    TEXT NOT NULL,
        idx        BIGINT NOT NULL,
        kind       TEXT NOT NULL,
        duty       BOOLEAN NOT NULL,
        unit       TEXT NOT NULL,
        started    TEXT NOT NULL,
        due        TEXT NOT NULL,
        stopped_on TEXT,
        met        BOOLEAN,
        lapsed     BOOLEAN NOT NULL,
        rating     TEXT,
        registered_on TEXT,
        PRIMARY KEY(case_id, idx)
    );
    CREATE INDEX clocks_open_due ON clocks(due, case_id) WHERE stopped_on IS NULL AND duty;
    CREATE INDEX clocks_unit_open ON clocks(unit, due) WHERE stopped_on IS NULL AND duty;

    CREATE TABLE supervisions(
        case_id    TEXT NOT NULL,
        id         BIGINT NOT NULL,
        level      TEXT NOT NULL,
        ground     TEXT NOT NULL,
        by         TEXT NOT NULL,
        unit       TEXT NOT NULL,
        respond_by TEXT NOT NULL,
        answered   BOOLEAN NOT NULL,
        registered_on TEXT,
        PRIMARY KEY(case_id, id)
    );
    CREATE INDEX supervisions_by ON supervisions(by, respond_by) WHERE NOT answered;

    CREATE TABLE identities(
        key      TEXT NOT NULL,
        category TEXT NOT NULL,
        locality TEXT NOT NULL,
        case_id  TEXT NOT NULL,
        PRIMARY KEY(key, category, locality, case_id)
    );

    CREATE TABLE stats(
        grouping BIGINT NOT NULL,
        day      TEXT NOT NULL,
        key      TEXT NOT NULL,
        item     TEXT NOT NULL,
        due      TEXT NOT NULL,
        n        BIGINT NOT NULL,
        PRIMARY KEY(grouping, day, key, item, due)
    );

    CREATE TABLE access_log(
        pos     BIGINT PRIMARY KEY,
        case_id TEXT,
        staff   TEXT NOT NULL,
        body    TEXT NOT NULL,
        hash    BYTEA NOT NULL
    );
    CREATE INDEX access_log_case ON access_log(case_id, pos) WHERE case_id IS NOT NULL;
    CREATE INDEX access_log_staff ON access_log(staff, pos);

    CREATE TABLE case_units(
        case_id TEXT NOT NULL,
        unit    TEXT NOT NULL,
        PRIMARY KEY(case_id, unit)
    );

    -- The audit chain and the access log are append-only.
    CREATE FUNCTION petition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END $$;
    CREATE TRIGGER chain_append_only BEFORE UPDATE OR DELETE ON chain
        FOR EACH ROW EXECUTE FUNCTION petition_append_only();
    CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
        FOR EACH ROW EXECUTE FUNCTION petition_append_only();
    CREATE TRIGGER chain_no_truncate BEFORE TRUNCATE ON chain
        FOR EACH STATEMENT EXECUTE FUNCTION petition_append_only();
    CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
        FOR EACH STATEMENT EXECUTE FUNCTION petition_append_only();
    "#,
    // 2: the case officer (承办人), for `queue --mine`; none in cases made before.
    r#"
    ALTER TABLE cases ADD COLUMN officer TEXT;
    CREATE INDEX cases_officer ON cases(officer) WHERE officer IS NOT NULL;
    "#,
    // 3: the search index (`petition search`): the folded text and reversed numbers as the
    // SQLite store keeps them, and a `tsvector` of every character, every pair of adjacent
    // characters and every number (see `search_doc`), built in Rust so no text-search parser or
    // locale decides what a character is. Filled from the cases after this step.
    r#"
    CREATE TABLE case_text(
        case_id TEXT PRIMARY KEY,
        num     BIGINT NOT NULL,
        text    TEXT NOT NULL,
        names   TEXT NOT NULL,
        numbers TEXT NOT NULL,
        doc     TSVECTOR NOT NULL
    );
    CREATE INDEX case_text_doc ON case_text USING gin(doc);
    CREATE INDEX case_text_num ON case_text(num);
    "#,
    // 4: idempotency keys and external references, as the SQLite store's step 7.
    r#"
    CREATE TABLE idempotency(
        staff   TEXT NOT NULL,
        key     TEXT NOT NULL,
        digest  BYTEA NOT NULL,
        at      TEXT NOT NULL,
        at_s    BIGINT NOT NULL,
        case_id TEXT,
        status  INTEGER,
        body    TEXT,
        PRIMARY KEY(staff, key)
    );
    CREATE INDEX idempotency_at ON idempotency(at_s);
    CREATE TABLE external_refs(
        system  TEXT NOT NULL,
        ref     TEXT NOT NULL,
        case_id TEXT NOT NULL,
        PRIMARY KEY(system, ref)
    );
    CREATE INDEX external_refs_case ON external_refs(case_id);
    CREATE TABLE case_accused(
        case_id TEXT PRIMARY KEY,
        unit    TEXT NOT NULL
    );
    CREATE INDEX case_accused_unit ON case_accused(unit, case_id);
    "#,
    // 5: the statistics count persons (人次) and group by channel too: counted again from the
    // cases.
    r#"
    DELETE FROM stats;
    "#,
    // 6: the case file's files (附件), content-addressed: each file's hash, size and type, and
    // its content as `bytea` chunks of 256 KiB (see `files.rs` for why not large objects).
    r#"
    CREATE TABLE files(
        sha256       TEXT PRIMARY KEY,
        size         BIGINT NOT NULL,
        content_type TEXT NOT NULL
    );
    CREATE TABLE file_chunks(
        sha256 TEXT NOT NULL,
        n      INTEGER NOT NULL,
        data   BYTEA NOT NULL,
        PRIMARY KEY(sha256, n)
    );
    ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
    "#,
    // 7: the public status page's failed look-ups, counted across every server on the database
    // (by client, by case, by case and client; times in ms since the epoch), so several servers
    // give no more tries at a query code than one.
    r#"
    CREATE TABLE lookup_failures(
        key   TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX lookup_failures_key ON lookup_failures(key, at_ms);
    CREATE INDEX lookup_failures_at ON lookup_failures(at_ms);
    "#,
];

/// The step after which `stats` is counted again from the cases.
pub(super) const STATS_STEP: usize = 5;

/// The step after which the search index is filled from the cases.
pub(super) const SEARCH_STEP: usize = 3;

/// The step after which `case_accused` is filled from the cases.
pub(super) const ACCUSED_STEP: usize = 4;

/// A `tsvector` literal for a case's search row: every token and every pair of adjacent tokens
/// (`a b`) of each field of the text, the same of the names marked `@`, and each reversed number
/// marked `#`. Built here, not by a text-search parser, so no locale decides what a token is.
pub(super) fn search_doc(row: &crate::search::SearchRow) -> String {
    let mut lexemes = std::collections::BTreeSet::new();
    for (mark, fields) in [("", &row.text), ("@", &row.names)] {
        for field in fields.split(" | ") {
            let toks: Vec<&str> = field.split(' ').filter(|t| !t.is_empty()).collect();
            for (i, t) in toks.iter().enumerate() {
                lexemes.insert(format!("{mark}{t}"));
                if let Some(next) = toks.get(i + 1) {
                    lexemes.insert(format!("{mark}{t} {next}"));
                }
            }
        }
    }
    for n in row.numbers.split(' ').filter(|n| !n.is_empty()) {
        lexemes.insert(format!("#{n}"));
    }
    lexemes
        .iter()
        .map(|l| quote(l))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `tsquery` literal for a search: the needle's token (one), or every pair of adjacent tokens
/// (two or more; the service checks the order exactly), in the text or (when the query allows)
/// the names, the last a prefix when it ends in a word; or a number's reversed beginning.
pub(super) fn search_query(q: &crate::search::SearchQuery) -> String {
    let t = &q.needle.tokens;
    let prefix = if t.last().is_some_and(|l| crate::search::is_word(l)) {
        ":*"
    } else {
        ""
    };
    let terms = |mark: &str| -> String {
        let mut out: Vec<String> = if t.len() == 1 {
            vec![format!("{}{prefix}", quote(&format!("{mark}{}", t[0])))]
        } else {
            t.windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let p = if i + 2 == t.len() { prefix } else { "" };
                    format!("{}{p}", quote(&format!("{mark}{} {}", w[0], w[1])))
                })
                .collect()
        };
        out.sort();
        out.dedup();
        format!("({})", out.join(" & "))
    };
    let mut out = terms("");
    if q.names {
        out.push_str(&format!(" | {}", terms("@")));
    }
    if let (Some(n), true) = (&q.needle.number, q.numbers) {
        out.push_str(&format!(
            " | {}:*",
            quote(&format!("#{}", crate::search::reversed(n)))
        ));
    }
    out
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}
