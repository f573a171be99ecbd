//! 检索: finding a case by a word of its summary or content, a petitioner's name, or the end of a
//! phone or id number (`petition search`).
//!
//! Chinese has no spaces between words, and a clerk types one or two characters as often as a
//! whole phrase, so Chinese (and Japanese, Korean) text is matched **by characters**, from one
//! character up; a run of other letters and digits (`leak`, `2023`) is one word, matched from its
//! start (`lea` finds `leak`, `eak` does not). Text matches when its [`tokens`] hold the
//! needle's tokens in a row, the last one possibly a word's beginning. The index a store keeps
//! holds these tokens (SQLite: FTS5 phrase queries; PostgreSQL: a `tsvector` of every token and
//! every pair of adjacent tokens), and phone and id numbers reversed, so "ends with" becomes
//! "starts with" (a prefix look-up).
//!
//! A store answers with *candidates*, newest case number first; the service then checks every
//! candidate exactly ([`matches()`]) against the case **as the reader sees it**: for a reader who
//! sees a case's personal data masked (王某, `138****5678`), names and numbers are matched in
//! their masked form, so a search cannot confirm a name or number the reader is not shown; and a
//! case the reader may not read is never a candidate at all (2005 Art 23: an accused unit never
//! learns of the accusation, not even by counting search results).

use crate::case::{Case, Registration};
use crate::error::{DomainError, Refusal, Result};
use crate::ids::{CaseId, UnitCode};

/// A number (phone or id) is matched by its end from this many characters.
pub const MIN_NUMBER_SUFFIX: usize = 4;

/// Whether a character is a token by itself (Han, kana, Hangul and the other scripts written
/// without spaces, from the CJK radicals on); other letters and digits make words.
fn single(c: char) -> bool {
    (c as u32) >= 0x2E80
}

/// Full-width ASCII (`１２３`, `ＡＢＣ`) as ASCII, then lower case.
fn normal(c: char) -> impl Iterator<Item = char> {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase()
}

/// The tokens of a text as matched: each Chinese (Japanese, Korean) character alone, each run of
/// other letters and digits as one word, lower case; punctuation and spaces separate and are
/// dropped.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars().flat_map(normal) {
        if c.is_alphanumeric() && !single(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether a token is a word (matched from its start) rather than a single character.
pub fn is_word(token: &str) -> bool {
    token.chars().next().is_some_and(|c| !single(c))
}

/// Whether `hay` holds `needle` in a row, the needle's last token possibly the start of a word.
fn holds(hay: &[String], needle: &[String]) -> bool {
    let Some((last, head)) = needle.split_last() else {
        return false;
    };
    hay.windows(needle.len()).any(|w| {
        w[..head.len()] == *head && {
            let t = &w[head.len()];
            if is_word(last) {
                t.starts_with(last.as_str())
            } else {
                t == last
            }
        }
    })
}

/// A number as matched by its end: digits and letters only, upper case (`x` of an id number
/// matches `X`).
fn fold_number(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// What a clerk searches for, checked and normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needle {
    /// The text as typed (trimmed).
    pub raw: String,
    /// Its [`tokens`]; never empty.
    pub tokens: Vec<String>,
    /// The end of a phone or id number to look for: when the text is digits (an id number may
    /// end in X) and at least [`MIN_NUMBER_SUFFIX`] long, upper case.
    pub number: Option<String>,
    /// The other terms when the text has several separated by spaces (`王 漏水`): a case
    /// matches when it matches every term. The store looks the first term up.
    pub also: Vec<Needle>,
}

impl Needle {
    /// Checks what was typed: at least one letter or digit in each term; terms separated by
    /// spaces must all match; a number alone is looked up by its last [`MIN_NUMBER_SUFFIX`] or
    /// more digits (a shorter one is refused, saying so).
    ///
    /// ```
    /// use petition_core::search::Needle;
    /// let n = Needle::parse("王  漏水").unwrap();
    /// assert_eq!((n.raw.as_str(), n.also.len()), ("王", 1));
    /// assert!(Needle::parse("567").unwrap_err().to_string().contains("4"));
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        let words: Vec<&str> = s
            .split(|c: char| c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        if let [only] = words.as_slice() {
            Self::short_number(only)?;
        }
        let mut terms = words.into_iter().map(Self::term);
        let mut first = match terms.next() {
            Some(t) => t?,
            None => Self::term("")?,
        };
        first.also = terms.collect::<Result<Vec<_>>>()?;
        Ok(first)
    }

    /// A search of digits alone shorter than a number's end: refused, saying so.
    fn short_number(raw: &str) -> Result<()> {
        if !raw.is_empty()
            && raw.chars().all(|c| c.is_ascii_digit())
            && raw.chars().count() < MIN_NUMBER_SUFFIX
        {
            return Err(DomainError::from(Refusal::usage_of(
                "TEXT",
                &format!(
                    "{raw:?} is too short for a number: a phone or id number is found by its last {MIN_NUMBER_SUFFIX} or more digits"
                ),
                &format!("“{raw}”太短：电话或证件号码须输入末 {MIN_NUMBER_SUFFIX} 位或更多"),
            )));
        }
        Ok(())
    }

    /// One term of a search.
    fn term(s: &str) -> Result<Self> {
        let raw = s.trim().to_string();
        let toks = tokens(&raw);
        if toks.is_empty() {
            return Err(DomainError::from(Refusal::usage_of(
                "TEXT",
                "search for at least one letter, digit or Chinese character",
                "至少输入一个汉字、字母或数字",
            )));
        }
        let n = fold_number(&raw);
        let numeric = n.chars().count() >= MIN_NUMBER_SUFFIX
            && n.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (c == 'X' && i + 1 == n.chars().count()));
        Ok(Self {
            raw,
            tokens: toks,
            number: numeric.then_some(n),
            also: Vec::new(),
        })
    }
}

/// A search as a store runs it: candidates for a [`Needle`], newest case number first, before a
/// cursor, among the cases in a reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// What to look for.
    pub needle: Needle,
    /// Only cases numbered before this one (paging: the last case of the previous page).
    pub before: Option<CaseId>,
    /// At most this many candidates.
    pub limit: usize,
    /// Only cases in which one of these units appears (as [`crate::store::CaseQuery::reach`]);
    /// `None`: every case.
    pub reach: Option<Vec<UnitCode>>,
    /// Whether names may match (false when the reader only ever sees masked names and the text
    /// cannot be part of one, `王某`).
    pub names: bool,
    /// Whether numbers may match (false when the reader only ever sees masked numbers, whose
    /// last four characters show, and the number is longer).
    pub numbers: bool,
}

impl SearchQuery {
    /// A first page for `reader_sees_full`: whether the reader can see any case's personal data
    /// in full (a reader with a unit can; an admin without one never does).
    pub fn new(
        needle: Needle,
        limit: usize,
        reach: Option<Vec<UnitCode>>,
        reader_sees_full: bool,
    ) -> Self {
        let t = &needle.tokens;
        // A masked name is its first character and 某.
        let one = |x: &String| x.chars().count() == 1;
        let in_masked_name =
            (t.len() == 1 && one(&t[0])) || (t.len() == 2 && one(&t[0]) && t[1] == "某");
        let numbers = needle
            .number
            .as_ref()
            .is_some_and(|n| reader_sees_full || n.chars().count() == MIN_NUMBER_SUFFIX);
        Self {
            names: reader_sees_full || in_masked_name,
            numbers,
            needle,
            before: None,
            limit,
            reach,
        }
    }
}

/// The order of search results: case numbers, newest first (numbers are given in the order
/// cases are registered, by year). Two stores compare by this key.
pub fn order_key(id: &CaseId) -> i64 {
    i64::from(id.year()) * 1_000_000_000 + i64::from(id.sequence())
}

/// The case whose [`order_key`] is `key`, or `None` for a number that is no case's key.
pub fn case_of_key(key: i64) -> Option<CaseId> {
    let (year, seq) = (key / 1_000_000_000, key % 1_000_000_000);
    match (i32::try_from(year), u32::try_from(seq)) {
        (Ok(y), Ok(s)) if (0..=9999).contains(&y) && s > 0 => Some(CaseId::new(y, s)),
        _ => None,
    }
}

/// A case's row of the search index: what a store indexes, each field's [`tokens`] separated
/// by spaces, fields separated by ` | `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRow {
    /// The summary and the content.
    pub text: String,
    /// The petitioners' names.
    pub names: String,
    /// Their phone and id numbers, upper case, each reversed (so a suffix is a prefix), sorted,
    /// without repeats, separated by spaces.
    pub numbers: String,
}

impl SearchRow {
    /// The row of a registration.
    pub fn of(reg: &Registration) -> Self {
        let join = |fields: Vec<&str>| {
            fields
                .iter()
                .map(|f| tokens(f).join(" "))
                .filter(|f| !f.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut text = vec![reg.summary.as_str()];
        text.extend(reg.content.as_deref());
        let mut numbers: Vec<String> = reg
            .petitioners
            .iter()
            .flat_map(|p| [p.phone.as_deref(), p.id_number.as_deref()])
            .flatten()
            .map(|n| reversed(&fold_number(n)))
            .filter(|n| !n.is_empty())
            .collect();
        numbers.sort();
        numbers.dedup();
        Self {
            text: join(text),
            names: join(reg.petitioners.iter().map(|p| p.name.as_str()).collect()),
            numbers: numbers.join(" "),
        }
    }
}

/// The reversed form of a number suffix, as [`SearchRow::numbers`] stores numbers.
pub fn reversed(number: &str) -> String {
    number.chars().rev().collect()
}

/// Whether `case`, as a reader sees it, matches: its summary, content or a petitioner's name
/// holds the needle's tokens in a row (the last possibly a word's start), or a petitioner's
/// phone or id number ends with the needle's number. With `masked`, names, phones and id
/// numbers are compared as the reader sees them masked (`王某`, `138****5678`).
pub fn matches(case: &Case, needle: &Needle, masked: bool) -> bool {
    check(case, needle, masked, true, true)
        && needle
            .also
            .iter()
            .all(|t| check(case, t, masked, true, true))
}

/// [`matches`], names and numbers each only when asked.
fn check(case: &Case, needle: &Needle, masked: bool, names: bool, numbers: bool) -> bool {
    let Some(reg) = case.registration.as_ref() else {
        return false;
    };
    let has = |s: &str| holds(&tokens(s), &needle.tokens);
    if has(&reg.summary) || reg.content.as_deref().is_some_and(has) {
        return true;
    }
    let shown = |s: &str, mask: fn(&str) -> String| if masked { mask(s) } else { s.to_string() };
    reg.petitioners.iter().any(|p| {
        (names && has(&shown(&p.name, crate::view::mask_name)))
            || needle.number.as_ref().filter(|_| numbers).is_some_and(|n| {
                // Masked, a number is compared as shown, stars and all: only its visible last
                // four characters can match.
                [
                    (
                        p.phone.as_deref(),
                        crate::view::mask_phone as fn(&str) -> String,
                    ),
                    (p.id_number.as_deref(), crate::view::mask_id),
                ]
                .into_iter()
                .filter_map(|(number, mask)| {
                    number.map(|x| {
                        if masked {
                            mask(x).to_uppercase()
                        } else {
                            fold_number(x)
                        }
                    })
                })
                .any(|seen| seen.ends_with(n.as_str()))
            })
    })
}

/// Whether a store should return `case` as a candidate for `q`: [`matches()`] with nothing masked,
/// names and numbers only where `q` allows them (the service narrows further). Stores without
/// an index of their own (memory, the trait's default) use this.
pub fn candidate(case: &Case, q: &SearchQuery) -> bool {
    check(case, &q.needle, false, q.names, q.numbers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::{county, registration, staff};

    #[test]
    fn a_case_number_and_its_key_go_both_ways() {
        for id in [
            CaseId::new(2026, 1),
            CaseId::new(2026, 123_456),
            CaseId::new(1999, 999_999_999),
        ] {
            assert_eq!(case_of_key(order_key(&id)), Some(id));
        }
        assert_eq!(case_of_key(2026 * 1_000_000_000), None, "no case 0");
        assert_eq!(case_of_key(-5), None);
        assert_eq!(
            case_of_key(10_000 * 1_000_000_000 + 1),
            None,
            "no year 10000"
        );
    }

    #[test]
    fn needles_are_letters_and_digits_and_numbers_need_four() {
        // Words separated by spaces are terms, each of which must match.
        let n = Needle::parse("  王 小明 ").expect("test value");
        assert_eq!(n.tokens, ["王"]);
        assert_eq!(n.also.len(), 1);
        assert_eq!(n.also[0].tokens, ["小", "明"]);
        assert_eq!(
            Needle::parse("Leak２０２3年").expect("test value").tokens,
            ["leak2023", "年"]
        );
        assert_eq!(n.number, None);
        assert_eq!(
            Needle::parse("5678").expect("test value").number.as_deref(),
            Some("5678")
        );
        // Three digits alone are no number's end: refused, saying so. Beside a word they are
        // text (`flat 12`).
        assert_eq!(Needle::parse("567").expect_err("refused").code(), "usage");
        assert_eq!(
            Needle::parse("flat 12").expect("test value").also[0].number,
            None
        );
        assert_eq!(
            Needle::parse("0123x")
                .expect("test value")
                .number
                .as_deref(),
            Some("0123X")
        );
        assert_eq!(Needle::parse("12x4").expect("test value").number, None);
        assert_eq!(
            Needle::parse(" ，。 ").expect_err("refused").code(),
            "usage"
        );
        assert_eq!(Needle::parse("").expect_err("refused").code(), "usage");
    }

    #[test]
    fn index_forms() {
        let (_, now) = county();
        let mut reg = registration(now);
        reg.summary = "房屋漏水, Leak!".into();
        reg.content = Some("二楼".into());
        reg.petitioners[0].name = "赵 某".into();
        reg.petitioners[0].phone = Some("138-0013-8000".into());
        reg.petitioners[0].id_number = Some("11010519491231002x".into());
        let row = SearchRow::of(&reg);
        assert_eq!(row.text, "房 屋 漏 水 leak | 二 楼");
        assert_eq!(row.names, "赵 某");
        assert_eq!(row.numbers, "00083100831 X20013219491501011");
    }

    #[test]
    fn a_reader_who_never_sees_personal_data_in_full_searches_names_and_numbers_masked() {
        let q = |s: &str, full: bool| {
            let q = SearchQuery::new(Needle::parse(s).expect("needle"), 10, None, full);
            (q.names, q.numbers)
        };
        assert_eq!(q("王小明", true), (true, false));
        assert_eq!(q("王小明", false), (false, false));
        assert_eq!(q("王某", false), (true, false));
        assert_eq!(q("王", false), (true, false));
        assert_eq!(
            q("5678", false),
            (false, true),
            "four digits show when masked"
        );
        assert_eq!(q("45678", false), (false, false));
        assert_eq!(q("45678", true), (true, true));
    }

    #[test]
    fn matching_one_character_up_and_masked_forms() {
        let (mut svc, now) = county();
        let mut reg = registration(now);
        reg.summary = "老旧小区房屋漏水".into();
        reg.petitioners[0].name = "赵小明".into();
        reg.petitioners[0].phone = Some("13800138000".into());
        let case = svc.register_by(&staff("li"), now, reg).expect("test value");
        let m =
            |s: &str, masked: bool| matches(&case, &Needle::parse(s).expect("test value"), masked);
        assert!(m("漏", false) && m("房屋漏水", false) && m("小区房", true));
        assert!(!m("漏雨", false));
        assert!(m("赵小明", false) && !m("赵小明", true));
        assert!(
            m("赵", true),
            "the masked name 赵某 is what the reader sees"
        );
        assert!(m("8000", false) && m("8000", true));
        assert!(m("38000", false) && !m("38000", true), "only 4 digits show");
        assert!(
            !m("88000", true),
            "the stars are not dropped to join the digits around them"
        );
        assert!(!m("0013", false), "a number matches by its end only");
        let mut reg = registration(now);
        reg.summary = "Leak in flat 12, since 2023年".into();
        let case = svc.register_by(&staff("li"), now, reg).expect("test value");
        let m = |s: &str| matches(&case, &Needle::parse(s).expect("test value"), false);
        assert!(m("leak") && m("LEA") && m("flat 12") && m("2023年") && m("since 20"));
        assert!(
            !m("eak") && !m("023年") && !m("lat 12"),
            "words match from their start (each word of several)"
        );
    }
}
