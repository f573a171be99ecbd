//! The PostgreSQL password, found the way `psql` finds it when the connection string has none:
//! `PGPASSWORD`, then the password file (`PGPASSFILE`, or `~/.pgpass`: lines of
//! `host:port:database:user:password`, `*` matching anything). The library takes the password
//! it is given and reads no environment of its own.

use std::path::PathBuf;
use std::str::FromStr;

/// The password for `url` from the environment, or `None` (the URL carries one, or nothing
/// matches).
pub fn password_for(url: &str) -> Option<String> {
    let config = postgres::Config::from_str(url).ok()?;
    if config.get_password().is_some() {
        return None;
    }
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    from_file(&text, &config)
}

/// The first line of a password file that matches the connection's host, port, database and
/// user.
fn from_file(text: &str, config: &postgres::Config) -> Option<String> {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or("").to_string();
    let user = config.get_user().unwrap_or("").to_string();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.splitn(5, ':').collect::<Vec<&str>>())
        .find(|f| {
            f.len() == 5
                && [&host, &port, &db, &user]
                    .iter()
                    .zip(f)
                    .all(|(want, got)| *got == "*" || got == want)
        })
        .map(|f| f[4].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> postgres::Config {
        postgres::Config::from_str(url).expect("url")
    }

    #[test]
    fn the_first_matching_line_wins_and_a_star_matches_anything() {
        let file = "# comment\n\
                    db.example:5432:other:petition:wrong\n\
                    db.example:5432:province:petition:right\n\
                    *:*:*:*:fallback\n";
        let c = config("postgres://petition@db.example:5432/province");
        assert_eq!(from_file(file, &c).as_deref(), Some("right"));
        let c = config("postgres://someone@elsewhere/x");
        assert_eq!(from_file(file, &c).as_deref(), Some("fallback"));
    }

    #[test]
    fn no_line_matches_no_password() {
        let c = config("postgres://petition@db.example:5433/province");
        assert_eq!(
            from_file("db.example:5432:province:petition:pw\n", &c),
            None
        );
        // A password may hold ':' (the fifth field is the rest of the line).
        assert_eq!(from_file("*:*:*:*:a:b\n", &c).as_deref(), Some("a:b"));
    }
}
