//! 时限参数: every legal time limit as a policy value, with its default and legal source
//! (docs/rules.md). Changing a value affects clocks started afterwards: due dates are fixed in the
//! events that start clocks, so replay never depends on today's policy.

use chrono::FixedOffset;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Refusal, Result};

/// The policy values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Local time zone for dates, as `+08:00`.
    #[serde(with = "tz_serde")]
    pub timezone: FixedOffset,
    /// Move a due date that falls on a rest day to the next working day (Civil Code Art 203).
    pub roll_over: bool,
    /// `intake`: decide or route within N days (2022 Art 22; 2005 Art 21).
    pub intake_days: u32,
    /// `acceptance`: the receiving unit decides within N days (2005 Art 21 last ¶).
    pub acceptance_days: u32,
    /// `objection`: the receiving unit may object within N working days (2022 Art 23 ¶3).
    pub objection_working_days: u32,
    /// `handling`: answer within N days of acceptance (2022 Art 34; 2005 Art 33).
    pub handling_days: u32,
    /// Total extensions at most N days (2005 Art 33).
    pub max_extension_days: u32,
    /// `assist`: assisting units answer N days before the handling due date (local practice).
    pub assist_lead_days: u32,
    /// `review_window`: the petitioner may request review within N days (2005 Art 34).
    pub review_request_days: u32,
    /// `review`: the reviewer answers within N days (2005 Art 34).
    pub review_days: u32,
    /// `rereview_window`: the petitioner may request re-review within N days (2005 Art 35).
    pub rereview_request_days: u32,
    /// `rereview`: the re-reviewer answers within N days, hearings excluded (2005 Art 35).
    pub rereview_days: u32,
    /// `evaluation`: the petitioner may rate an answer within N days (national practice).
    pub evaluation_days: u32,
    /// Respond-by of a `reminder` (催办), in working days.
    pub reminder_working_days: u32,
    /// Respond-by of a `supervision` (督办), in days.
    pub supervision_days: u32,
    /// Respond-by of a `notice` (通报), in days.
    pub notice_days: u32,
    /// A manual supervision's respond-by is at most N working days ahead (rules 4; absent in
    /// databases made before the limit existed: 30).
    #[serde(default = "default_supervision_max_days")]
    pub supervision_max_days: u32,
    /// How often the office server (`petition serve`) runs the time-driven work on a live
    /// database, in minutes (absent in databases made before the server existed: 15).
    #[serde(default = "default_tick_minutes")]
    pub tick_minutes: u32,
    /// Failed look-ups of the public status page allowed from one client address in 10 minutes
    /// (then HTTP 429 until the oldest is 10 minutes old).
    #[serde(default = "default_failures_per_address")]
    pub status_failures_per_address: u32,
    /// Failed look-ups of the public status page allowed for one case id in an hour.
    #[serde(default = "default_failures_per_case")]
    pub status_failures_per_case: u32,
    /// Writes (`POST`) the office server takes from one token in a minute (then HTTP 429 with
    /// `Retry-After`; absent in databases made before the limit existed: 600).
    #[serde(default = "default_api_writes")]
    pub api_writes_per_minute: u32,
    /// Reads (`GET`, the change feed included) the office server takes from one token in a
    /// minute (absent in older databases: 6,000).
    #[serde(default = "default_api_reads")]
    pub api_reads_per_minute: u32,
    /// The largest file the case file takes, in MiB (absent in databases made before attachments
    /// existed: 20).
    #[serde(default = "default_attachment_max")]
    pub attachment_max_mib: u32,
    /// The most the files of one case may hold together, in MiB (absent in older databases: 200).
    #[serde(default = "default_case_attachments_max")]
    pub case_attachments_max_mib: u32,
    /// The version of the rules the database was created under, from its `initialized` entry
    /// (not a setting): 1 before supervisions ended with their case; [`RULES`] since. A chain
    /// is always decided again (import) under the rules it was made under.
    #[serde(default = "legacy_rules")]
    pub rules: u32,
    /// The office's name, telephone, status page and the articles its notices cite
    /// (absent in databases made before they existed: none set, the defaults cited).
    #[serde(default, skip_serializing_if = "crate::office::Office::is_unset")]
    pub office: crate::office::Office,
}

/// The rules of databases created now: 3.
///
/// Since 2: the intake limit counts from the day the matter was received (not from its
/// registration); a case that ends ends its open supervisions (but for those of a closed case's
/// execution); and `tick` opens no automatic reminder for a clock whose unit is under an open
/// manual supervision of the case.
///
/// Since 3: a command on a case its actor may not read was never possible (an imported chain
/// with one is refused), and the unit that was shown a case's query code never has its answer
/// rated online with that code. (A live database of any version refuses both: these versions
/// only say how an older chain is decided again.)
///
/// Since 4: a manual supervision's respond-by is at most `supervision_max_days` working days
/// ahead; a manual supervision whose respond-by has passed no longer holds back the automatic
/// reminder of an overdue clock of its unit; and the time of receipt is corrected only while the
/// intake clock counted from it runs and is not yet overdue.
///
/// Since 5: a review or re-review request stops the evaluation window of the answer it puts
/// under review (that answer can no longer be rated), so a superseded answer never counts as an
/// evaluation lapsed; and a case that has an officer changes officer only by that officer
/// (`hand`) or the unit's head, never by a colleague's `take`.
pub const RULES: u32 = 5;

fn legacy_rules() -> u32 {
    1
}

fn default_failures_per_address() -> u32 {
    10
}

fn default_failures_per_case() -> u32 {
    20
}

fn default_api_writes() -> u32 {
    600
}

fn default_api_reads() -> u32 {
    6_000
}

fn default_attachment_max() -> u32 {
    20
}

fn default_case_attachments_max() -> u32 {
    200
}

fn default_supervision_max_days() -> u32 {
    30
}

fn default_tick_minutes() -> u32 {
    15
}

mod tz_serde {
    use chrono::FixedOffset;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(tz: &FixedOffset, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&tz.to_string())
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FixedOffset, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_tz(&s).ok_or_else(|| serde::de::Error::custom("invalid timezone"))
    }
}

/// Parses `+08:00`, `-05:30`, `+0800` or `Z`.
pub fn parse_tz(s: &str) -> Option<FixedOffset> {
    if s == "Z" || s == "UTC" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            timezone: FixedOffset::east_opt(8 * 3600)
                .unwrap_or(FixedOffset::east_opt(0).expect("zero offset")),
            roll_over: true,
            intake_days: 15,
            acceptance_days: 15,
            objection_working_days: 5,
            handling_days: 60,
            max_extension_days: 30,
            assist_lead_days: 10,
            review_request_days: 30,
            review_days: 30,
            rereview_request_days: 30,
            rereview_days: 30,
            evaluation_days: 30,
            reminder_working_days: 5,
            supervision_days: 15,
            notice_days: 10,
            supervision_max_days: default_supervision_max_days(),
            tick_minutes: default_tick_minutes(),
            status_failures_per_address: default_failures_per_address(),
            status_failures_per_case: default_failures_per_case(),
            api_writes_per_minute: default_api_writes(),
            api_reads_per_minute: default_api_reads(),
            attachment_max_mib: default_attachment_max(),
            case_attachments_max_mib: default_case_attachments_max(),
            rules: legacy_rules(),
            office: crate::office::Office::default(),
        }
    }
}

/// One policy key with its legal source, for `policy show`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyEntry {
    /// Key, as `petition policy set` takes it.
    pub key: String,
    /// Current value as text.
    pub value: String,
    /// Default value as text.
    pub default: String,
    /// Unit: `days`, `working_days`, `bool` or `offset`.
    pub unit: &'static str,
    /// Legal source or practice.
    pub source: &'static str,
}

/// The policy keys, with unit and source.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("timezone", "offset", "local time"),
    ("roll_over", "bool", "Civil Code Art 203"),
    ("intake_days", "days", "2022 Art 22; 2005 Art 21"),
    ("acceptance_days", "days", "2005 Art 21 last ¶"),
    ("objection_working_days", "working_days", "2022 Art 23 ¶3"),
    ("handling_days", "days", "2022 Art 34; 2005 Art 33"),
    ("max_extension_days", "days", "2005 Art 33"),
    ("assist_lead_days", "days", "local practice"),
    ("review_request_days", "days", "2005 Art 34"),
    ("review_days", "days", "2005 Art 34"),
    ("rereview_request_days", "days", "2005 Art 35"),
    ("rereview_days", "days", "2005 Art 35"),
    ("evaluation_days", "days", "national practice"),
    (
        "reminder_working_days",
        "working_days",
        "2005 Art 36; 2009 opinion 二(四)",
    ),
    ("supervision_days", "days", "2005 Art 36"),
    ("notice_days", "days", "2005 Art 36"),
    (
        "supervision_max_days",
        "working_days",
        "2005 Art 36: a supervision's respond-by at the latest",
    ),
    ("tick_minutes", "minutes", "office server"),
    (
        "status_failures_per_address",
        "count",
        "public pages: per client address per 10 minutes",
    ),
    (
        "status_failures_per_case",
        "count",
        "public pages: per case per hour",
    ),
    (
        "api_writes_per_minute",
        "count",
        "office server: writes per token per minute",
    ),
    (
        "api_reads_per_minute",
        "count",
        "office server: reads per token per minute",
    ),
    ("attachment_max_mib", "MiB", "case file: the largest file"),
    (
        "case_attachments_max_mib",
        "MiB",
        "case file: all files of one case together",
    ),
];

impl Policy {
    /// The largest file the case file takes, in bytes.
    pub fn attachment_max_bytes(&self) -> u64 {
        u64::from(self.attachment_max_mib) * crate::attachment::MIB
    }
    /// The most the files of one case may hold together, in bytes.
    pub fn case_attachments_max_bytes(&self) -> u64 {
        u64::from(self.case_attachments_max_mib) * crate::attachment::MIB
    }

    fn days_mut(&mut self, key: &str) -> Option<&mut u32> {
        Some(match key {
            "intake_days" => &mut self.intake_days,
            "acceptance_days" => &mut self.acceptance_days,
            "objection_working_days" => &mut self.objection_working_days,
            "handling_days" => &mut self.handling_days,
            "max_extension_days" => &mut self.max_extension_days,
            "assist_lead_days" => &mut self.assist_lead_days,
            "review_request_days" => &mut self.review_request_days,
            "review_days" => &mut self.review_days,
            "rereview_request_days" => &mut self.rereview_request_days,
            "rereview_days" => &mut self.rereview_days,
            "evaluation_days" => &mut self.evaluation_days,
            "reminder_working_days" => &mut self.reminder_working_days,
            "supervision_days" => &mut self.supervision_days,
            "notice_days" => &mut self.notice_days,
            "supervision_max_days" => &mut self.supervision_max_days,
            _ => return None,
        })
    }

    /// The value of `key` as text.
    pub fn get(&self, key: &str) -> Option<String> {
        match key {
            "timezone" => Some(self.timezone.to_string()),
            "roll_over" => Some(self.roll_over.to_string()),
            "tick_minutes" => Some(self.tick_minutes.to_string()),
            "status_failures_per_address" => Some(self.status_failures_per_address.to_string()),
            "status_failures_per_case" => Some(self.status_failures_per_case.to_string()),
            "api_writes_per_minute" => Some(self.api_writes_per_minute.to_string()),
            "api_reads_per_minute" => Some(self.api_reads_per_minute.to_string()),
            "attachment_max_mib" => Some(self.attachment_max_mib.to_string()),
            "case_attachments_max_mib" => Some(self.case_attachments_max_mib.to_string()),
            k if self.office.get(k).is_some() => self.office.get(k),
            k => self.clone().days_mut(k).map(|v| v.to_string()),
        }
    }

    /// Sets `key` to `value`, validating both. Day counts are 0–3650 (0 only for
    /// `assist_lead_days` and `max_extension_days`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let bad = |en: &str, zh: &str| DomainError::from(Refusal::field(key, en, zh));
        if let Some(done) = self.office.set(key, value) {
            return done;
        }
        match key {
            "timezone" => {
                self.timezone = parse_tz(value).ok_or_else(|| {
                    bad(
                        "use an offset such as +08:00",
                        "请使用 +08:00 这样的时区偏移",
                    )
                })?;
            }
            "roll_over" => {
                self.roll_over = match value {
                    "true" | "on" | "yes" => true,
                    "false" | "off" | "no" => false,
                    _ => return Err(bad("use true or false", "请使用 true 或 false")),
                };
            }
            "tick_minutes" => {
                self.tick_minutes = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1440).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "use a whole number of minutes from 1 to 1440",
                            "请填写 1 到 1440 之间的分钟数",
                        )
                    })?;
            }
            "status_failures_per_address" | "status_failures_per_case" => {
                let n = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "use a whole number of failed look-ups from 1 to 100000",
                            "请填写 1 到 100000 之间的失败查询次数",
                        )
                    })?;
                if key == "status_failures_per_address" {
                    self.status_failures_per_address = n;
                } else {
                    self.status_failures_per_case = n;
                }
            }
            "api_writes_per_minute" | "api_reads_per_minute" => {
                let n = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "use a whole number of requests from 1 to 1000000",
                            "请填写 1 到 1000000 之间的请求次数",
                        )
                    })?;
                if key == "api_writes_per_minute" {
                    self.api_writes_per_minute = n;
                } else {
                    self.api_reads_per_minute = n;
                }
            }
            "attachment_max_mib" | "case_attachments_max_mib" => {
                let n = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=102_400).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "use a whole number of MiB from 1 to 102400",
                            "请填写 1 到 102400 之间的 MiB 数",
                        )
                    })?;
                if key == "attachment_max_mib" {
                    self.attachment_max_mib = n;
                } else {
                    self.case_attachments_max_mib = n;
                }
            }
            _ => {
                let zero_ok = matches!(key, "assist_lead_days" | "max_extension_days");
                let slot = self.days_mut(key).ok_or_else(|| {
                    DomainError::from(Refusal::usage_of(key, "unknown policy key", "未知的参数"))
                })?;
                let n: u32 = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 3650 && (zero_ok || *n > 0))
                    .ok_or_else(|| {
                        bad(
                            "use a whole number of days from 1 to 3650",
                            "请填写 1 到 3650 之间的天数",
                        )
                    })?;
                *slot = n;
            }
        }
        Ok(())
    }

    /// Every key with its value, default and source.
    pub fn entries(&self) -> Vec<PolicyEntry> {
        let d = Policy::default();
        let mut out: Vec<PolicyEntry> = KEYS
            .iter()
            .map(|(key, unit, source)| PolicyEntry {
                key: key.to_string(),
                value: self.get(key).unwrap_or_default(),
                default: d.get(key).unwrap_or_default(),
                unit,
                source,
            })
            .collect();
        for (key, default, source) in crate::office::Office::keys() {
            out.push(PolicyEntry {
                value: self.get(&key).unwrap_or_default(),
                key,
                default,
                unit: "text",
                source,
            });
        }
        out
    }
}

/// A policy key's source (`policy show`) in `lang`: citations in words (《信访工作条例》第二十二条,
/// 《民法典》第二百零三条, a paragraph as 第三款), the other notes from one table.
pub fn source_words(source: &str, lang: crate::error::Lang) -> String {
    use crate::error::Lang;
    if lang == Lang::En {
        return source.to_string();
    }
    const NOTES: &[(&str, &str)] = &[
        ("local time", "当地时间"),
        ("local practice", "地方惯例"),
        ("national practice", "全国通行做法"),
        ("office server", "办公服务器"),
        ("printed on notices", "印在文书上"),
        ("cited on notices", "文书引用的条款"),
        ("2009 opinion 二(四)", "2009年意见 二（四）"),
        (
            "public pages: per client address per 10 minutes",
            "公开页面：每个客户端地址每 10 分钟",
        ),
        ("public pages: per case per hour", "公开页面：每件每小时"),
        (
            "office server: writes per token per minute",
            "办公服务器：每个令牌每分钟写入次数",
        ),
        (
            "office server: reads per token per minute",
            "办公服务器：每个令牌每分钟读取次数",
        ),
        (
            "printed on receipts: where to check progress",
            "印在登记回执上：查询进展的网址",
        ),
        ("the notice numbers' prefix (文号)", "文号前缀"),
        ("case file: the largest file", "卷宗：单个文件的上限"),
        (
            "case file: all files of one case together",
            "卷宗：一件的全部文件合计上限",
        ),
        (
            "a supervision's respond-by at the latest",
            "督办反馈期限的上限",
        ),
    ];
    let part = |p: &str| -> String {
        let p = p.trim();
        if let Some(z) = NOTES.iter().find(|(en, _)| *en == p) {
            return z.1.to_string();
        }
        // A citation, with a paragraph: `2022 Art 23 ¶3`, `2005 Art 21 last ¶`.
        let (cite, para) = match (p.strip_suffix(" last ¶"), p.split_once(" ¶")) {
            (Some(c), _) => (c, Some("末款".to_string())),
            (None, Some((c, n))) => match n.parse::<u32>() {
                Ok(n) => (c, Some(format!("第{}款", crate::office::numeral_zh(n)))),
                Err(_) => (p, None),
            },
            (None, None) => (p, None),
        };
        if let Some(n) = cite.strip_prefix("Civil Code Art ") {
            if let Ok(n) = n.parse::<u32>() {
                return format!("《民法典》第{}条", crate::office::numeral_zh(n));
            }
        }
        match crate::office::citation(cite, Lang::Zh) {
            Some(words) => words + para.as_deref().unwrap_or(""),
            None => p.to_string(),
        }
    };
    if let Some(z) = NOTES.iter().find(|(en, _)| *en == source) {
        return z.1.to_string();
    }
    // `2005 Art 36: a supervision's respond-by at the latest`: the citation, then the note.
    let (cites, note) = match source.split_once(": ") {
        Some((c, n)) => (c, Some(n)),
        None => (source, None),
    };
    let mut out = cites.split(';').map(part).collect::<Vec<_>>().join("；");
    if let Some(n) = note {
        out = format!("{out}：{}", part(n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_spec_5_2() {
        let p = Policy::default();
        assert_eq!(p.timezone.to_string(), "+08:00");
        assert!(p.roll_over);
        assert_eq!(
            (p.intake_days, p.acceptance_days, p.objection_working_days),
            (15, 15, 5)
        );
        assert_eq!(
            (p.handling_days, p.max_extension_days, p.assist_lead_days),
            (60, 30, 10)
        );
        assert_eq!((p.review_request_days, p.review_days), (30, 30));
        assert_eq!(
            (p.rereview_request_days, p.rereview_days, p.evaluation_days),
            (30, 30, 30)
        );
        assert_eq!(
            (p.reminder_working_days, p.supervision_days, p.notice_days),
            (5, 15, 10)
        );
        assert_eq!(
            p.entries().len(),
            34,
            "24 limits, 4 office lines, 6 citations"
        );
        assert_eq!(
            (p.api_writes_per_minute, p.api_reads_per_minute),
            (600, 6_000)
        );
        assert_eq!(p.supervision_max_days, 30);
        assert_eq!(p.tick_minutes, 15);
        assert_eq!(
            (p.status_failures_per_address, p.status_failures_per_case),
            (10, 20)
        );
    }

    #[test]
    fn sources_read_in_chinese() {
        use crate::error::Lang::Zh;
        for (source, want) in [
            (
                "2022 Art 22; 2005 Art 21",
                "《信访工作条例》第二十二条；《信访条例》第二十一条",
            ),
            ("2022 Art 23 ¶3", "《信访工作条例》第二十三条第三款"),
            ("2005 Art 21 last ¶", "《信访条例》第二十一条末款"),
            ("Civil Code Art 203", "《民法典》第二百零三条"),
            ("local practice", "地方惯例"),
            (
                "2005 Art 36: a supervision's respond-by at the latest",
                "《信访条例》第三十六条：督办反馈期限的上限",
            ),
        ] {
            assert_eq!(source_words(source, Zh), want, "{source}");
        }
        // Every key's source reads without English words.
        for e in Policy::default().entries() {
            let zh = source_words(e.source, Zh);
            assert!(
                !zh.chars().any(|c| c.is_ascii_alphabetic()),
                "{}: {zh}",
                e.key
            );
        }
    }

    #[test]
    fn set_validates_keys_and_values() {
        let mut p = Policy::default();
        p.set("handling_days", "45").expect("set");
        assert_eq!(p.handling_days, 45);
        p.set("timezone", "+05:30").expect("tz");
        assert_eq!(p.get("timezone").as_deref(), Some("+05:30"));
        p.set("roll_over", "false").expect("bool");
        p.set("status_failures_per_case", "5").expect("limit");
        assert_eq!(p.status_failures_per_case, 5);
        assert!(p.set("status_failures_per_address", "0").is_err());
        p.set("api_writes_per_minute", "30").expect("limit");
        assert_eq!(p.get("api_writes_per_minute").as_deref(), Some("30"));
        assert!(p.set("api_reads_per_minute", "0").is_err());
        assert!(p.set("api_reads_per_minute", "1000001").is_err());
        // A policy stored before these keys existed reads with their defaults.
        let mut old = serde_json::to_value(Policy::default()).expect("json");
        let m = old.as_object_mut().expect("object");
        m.remove("status_failures_per_case");
        m.remove("api_writes_per_minute");
        m.remove("api_reads_per_minute");
        let old: Policy = serde_json::from_value(old).expect("old policy");
        assert_eq!(old.status_failures_per_case, 20);
        assert_eq!(
            (old.api_writes_per_minute, old.api_reads_per_minute),
            (600, 6_000)
        );
        assert!(!p.roll_over);
        assert!(matches!(p.set("nope", "1"), Err(e) if e.code() == "usage"));
        assert!(matches!(
            p.set("handling_days", "0"),
            Err(e) if e.code() == "validation"
        ));
        assert!(matches!(
            p.set("handling_days", "-3"),
            Err(e) if e.code() == "validation"
        ));
        assert!(matches!(
            p.set("timezone", "Beijing"),
            Err(e) if e.code() == "validation"
        ));
        assert!(p.set("max_extension_days", "0").is_ok());
    }
}
