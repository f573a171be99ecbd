//! 输入规则: what text and times the library accepts from anyone (a clerk, an embedding system,
//! an imported file), so that no accepted input can disguise a name, evade repeat detection or
//! make the chain unreadable.
//!
//! - Single-line text (names, ids, phones, codes, the summary, short fields) refuses control
//!   characters, bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), zero-width
//!   characters (U+200B–U+200D, U+2060, U+FEFF) and line or paragraph separators (U+2028,
//!   U+2029): a name shown right-to-left, or with an invisible character, is another name.
//! - Multi-line text (content, notes, opinions) allows line breaks and tabs, nothing else of those.
//! - Text is kept in Unicode NFC ([`nfc`]), so one spelling is one key.
//! - Times and dates lie between 2000-01-01 and 9999-12-31 ([`check_time`], [`check_date`]).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use unicode_normalization::{is_nfc, UnicodeNormalization};

use crate::error::{DomainError, Refusal, Result};

/// The earliest date accepted anywhere.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The latest date accepted anywhere.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// How far after a simulated database's last entry a time it is given may lie, in years.
pub const SIMULATED_YEARS_AHEAD: i32 = 10;

/// A character that hides or reorders text: a bidirectional override or isolate, a zero-width
/// character or a line or paragraph separator.
pub fn is_disguising(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{2028}'
        | '\u{2029}')
}

fn refused(field: &str, en: &str, zh: &str) -> DomainError {
    DomainError::from(Refusal::field(field, en, zh))
}

/// Checks single-line text: no control character (no line break or tab either) and no
/// disguising character.
pub fn check_line(field: &str, s: &str) -> Result<()> {
    if s.chars().any(char::is_control) {
        return Err(refused(
            field,
            "must be one line without control characters (no line break or tab)",
            "应为单行文字，不得包含控制字符（包括换行和制表符）",
        ));
    }
    check_disguise(field, s)
}

/// Checks multi-line text: line breaks and tabs only among control characters, and no
/// disguising character.
pub fn check_lines(field: &str, s: &str) -> Result<()> {
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(refused(
            field,
            "must not contain control characters (line breaks and tabs only)",
            "不得包含控制字符（仅允许换行和制表符）",
        ));
    }
    check_disguise(field, s)
}

fn check_disguise(field: &str, s: &str) -> Result<()> {
    match s.chars().find(|c| is_disguising(*c)) {
        Some(c) => Err(refused(
            field,
            &format!(
                "must not contain the invisible or direction-changing character U+{:04X}: retype the text rather than pasting it",
                c as u32
            ),
            &format!(
                "不得包含不可见或改变文字方向的字符 U+{:04X}：请重新输入，不要粘贴",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// The text in Unicode NFC (unchanged, without copying, when it is already).
pub fn nfc(s: &mut String) {
    if !is_nfc(s) {
        *s = s.nfc().collect();
    }
}

/// A value (a registration, a command) with every text in it in NFC: unchanged when it is
/// already, which is nearly always.
pub fn nfc_all<T: serde::Serialize + serde::de::DeserializeOwned>(value: T) -> T {
    fn walk(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) if !is_nfc(s) => {
                nfc(s);
                true
            }
            serde_json::Value::Array(a) => a.iter_mut().fold(false, |c, x| walk(x) | c),
            serde_json::Value::Object(m) => m.values_mut().fold(false, |c, x| walk(x) | c),
            _ => false,
        }
    }
    let Ok(mut v) = serde_json::to_value(&value) else {
        return value;
    };
    if !walk(&mut v) {
        return value;
    }
    serde_json::from_value(v).unwrap_or(value)
}

/// A file's bytes as text: UTF-8 (a leading byte-order mark dropped). Anything else is
/// `validation` on `field` with a hint to save the file again as UTF-8 (a spreadsheet's default
/// CSV in China is GBK).
///
/// ```
/// use petition_core::input::utf8_text;
/// assert_eq!(utf8_text("file", b"\xEF\xBB\xBFcode,name").unwrap(), "code,name");
/// let gbk = b"\xd6\xd0\xce\xc4"; // 中文 in GBK
/// assert!(utf8_text("file", gbk).unwrap_err().to_string().contains("CSV UTF-8"));
/// ```
pub fn utf8_text<'a>(field: &str, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|_| {
        DomainError::from(Refusal::field(
            field,
            "is not UTF-8 text (perhaps GBK): in Excel or WPS save it with \"Save as\" → \"CSV UTF-8 (comma delimited)\", in a text editor choose the UTF-8 encoding, then try again",
            "不是 UTF-8 文本（可能是 GBK 编码）：请在 Excel 或 WPS 中“另存为”→“CSV UTF-8（逗号分隔）”，或在文本编辑器中选择 UTF-8 编码保存后重试",
        ))
    })
}

/// A time as every output shows it: RFC 3339 to the second, in its own offset.
pub fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Every time in a JSON document to the second: a string that is an RFC 3339 time with a
/// fraction of a second loses the fraction (outputs show times to the second; the chain keeps
/// what it recorded, and times recorded before the clock was read to the second have fractions).
pub fn times_to_the_second(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.len() >= 21 && s.len() <= 40 && s.contains('.') => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                if t.timestamp_subsec_nanos() != 0 {
                    let z = s.ends_with('Z') || s.ends_with('z');
                    *s = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, z);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(times_to_the_second),
        serde_json::Value::Object(m) => m.values_mut().for_each(times_to_the_second),
        _ => {}
    }
}

/// Checks a date: between 2000-01-01 and 9999-12-31.
pub fn check_date(field: &str, d: NaiveDate) -> Result<()> {
    if (EARLIEST..=LATEST).contains(&d) {
        Ok(())
    } else {
        Err(refused(
            field,
            &format!("{d} is out of range: dates lie between {EARLIEST} and {LATEST}"),
            &format!("{d} 超出范围：日期应在 {EARLIEST} 至 {LATEST} 之间"),
        ))
    }
}

/// Checks a time: its date between 2000-01-01 and 9999-12-31 (in its own offset and in UTC).
pub fn check_time(field: &str, t: DateTime<FixedOffset>) -> Result<()> {
    check_date(field, t.date_naive())?;
    check_date(field, t.naive_utc().date())
}

/// Checks a time given to a simulated database whose last entry is at `last`: at most
/// [`SIMULATED_YEARS_AHEAD`] years after it.
pub fn check_simulated(
    field: &str,
    t: DateTime<FixedOffset>,
    last: DateTime<FixedOffset>,
) -> Result<()> {
    check_time(field, t)?;
    let limit = last
        .date_naive()
        .with_year(last.year() + SIMULATED_YEARS_AHEAD)
        .unwrap_or(LATEST);
    if t.date_naive() > limit {
        return Err(refused(
            field,
            &format!(
                "{} is more than {SIMULATED_YEARS_AHEAD} years after the database's last entry ({})",
                t.to_rfc3339(),
                last.date_naive()
            ),
            &format!(
                "{} 晚于数据库最后一条记录（{}）超过 {SIMULATED_YEARS_AHEAD} 年",
                t.to_rfc3339(),
                last.date_naive()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disguising_characters_are_refused_on_one_line_and_many() {
        for c in [
            '\u{202E}', '\u{2067}', '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{2028}', '\u{2029}',
        ] {
            let s = format!("张{c}三");
            assert!(check_line("name", &s).is_err(), "U+{:04X}", c as u32);
            assert!(check_lines("content", &s).is_err(), "U+{:04X}", c as u32);
        }
        assert!(check_line("name", "张三").is_ok());
        assert!(check_line("summary", "a\tb").is_err());
        assert!(check_line("summary", "a\nb").is_err());
        assert!(check_lines("content", "a\r\n\tb").is_ok());
        assert!(check_lines("content", "a\u{7}b").is_err());
    }

    #[test]
    fn outputs_show_times_to_the_second() {
        let mut v = serde_json::json!({"at": "2026-03-02T09:00:00.123456789+08:00",
            "z": ["2026-03-02T01:00:00.5Z"], "whole": "2026-03-02T09:00:00+08:00", "text": "a.b"});
        times_to_the_second(&mut v);
        assert_eq!(v["at"], "2026-03-02T09:00:00+08:00");
        assert_eq!(v["z"][0], "2026-03-02T01:00:00Z");
        assert_eq!(v["whole"], "2026-03-02T09:00:00+08:00");
        assert_eq!(v["text"], "a.b");
    }

    #[test]
    fn text_is_kept_in_nfc() {
        // "é" as e + combining acute, and the CJK compatibility ideograph U+F900 (豈 → 豈).
        let mut s = "Jose\u{301} \u{F900}".to_string();
        nfc(&mut s);
        assert_eq!(s, "Jos\u{E9} \u{8C48}");
    }

    #[test]
    fn times_lie_between_2000_and_9999_and_ten_years_after_a_simulated_last_entry() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("time");
        assert!(check_time("now", t("2026-03-02T09:00:00+08:00")).is_ok());
        assert!(check_time("now", t("1999-12-31T23:00:00+00:00")).is_err());
        assert!(check_time("now", t("9999-12-31T23:00:00+00:00")).is_ok());
        assert!(
            check_time("now", t("9999-12-31T23:00:00-08:00")).is_err(),
            "in UTC, 10000"
        );
        let last = t("2026-03-02T09:00:00+08:00");
        assert!(check_simulated("now", t("2036-03-02T09:00:00+08:00"), last).is_ok());
        assert!(check_simulated("now", t("2036-03-03T09:00:00+08:00"), last).is_err());
    }
}
