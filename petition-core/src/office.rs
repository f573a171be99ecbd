//! The office's own settings printed on its notices (文书): its name, telephone, the address of
//! the public status page, the prefix of its notice numbers (文号: prefix〔year〕N号, numbered per
//! kind of notice and year), and the articles of the regulation each notice cites — one table an office can correct (`policy set
//! legal_basis.review "2022 Art 35"`).
//!
//! Notices cite the regulation in force: the 2022 信访工作条例 (in force 2022-05-01); a case
//! registered before then keeps the 2005 信访条例 it was handled under.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Lang, Refusal, Result};

/// The office's settings (part of the policy, kept in the chain like every policy value).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Office {
    /// 机构名称, e.g. 某某县信访局.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// 联系电话.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// The public status page's address, printed on receipts (e.g. `https://xf.example.gov.cn`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_url: String,
    /// 文号 prefix, e.g. 甲信复: notices are numbered 甲信复〔2026〕12号 (none without a prefix).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notice_number_prefix: String,
    /// Corrections of the articles the notices cite, by topic; absent topics use the defaults.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub legal_basis: std::collections::BTreeMap<String, String>,
}

/// The topics a notice cites, with the 2022 regulation's article (the default) and the 2005
/// regulation's (for cases registered before 2022-05-01).
pub const TOPICS: &[(&str, &str, &str)] = &[
    ("intake", "2022 Art 22", "2005 Art 21, 22"),
    ("objection", "2022 Art 23", "2005 Art 21"),
    ("handling", "2022 Art 34", "2005 Art 33"),
    ("review", "2022 Art 35", "2005 Art 34"),
    ("rereview", "2022 Art 36", "2005 Art 35"),
    ("supervision", "2022 Art 40", "2005 Art 36"),
];

/// The day the 2022 信访工作条例 came into force.
pub fn in_force_2022() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 5, 1).unwrap_or(NaiveDate::MIN)
}

/// The office's policy keys: (key, source).
pub const KEYS: &[(&str, &str)] = &[
    ("office_name", "printed on notices"),
    ("office_phone", "printed on notices"),
    ("status_url", "printed on receipts: where to check progress"),
    ("notice_number_prefix", "the notice numbers' prefix (文号)"),
];

impl Office {
    /// Nothing set (older databases, new ones until an office sets a line).
    pub fn is_unset(&self) -> bool {
        *self == Office::default()
    }

    /// The citation of `topic` for a case registered on `registered`: the office's correction,
    /// else the default of the regulation in force.
    pub fn basis(&self, topic: &str, registered: NaiveDate) -> String {
        let row = TOPICS.iter().find(|(t, _, _)| *t == topic);
        if registered < in_force_2022() {
            return row.map(|r| r.2.to_string()).unwrap_or_default();
        }
        self.legal_basis
            .get(topic)
            .cloned()
            .or_else(|| row.map(|r| r.1.to_string()))
            .unwrap_or_default()
    }

    /// The value of an office key (`office_name`, …, `legal_basis.TOPIC`).
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "office_name" => self.name.clone(),
            "office_phone" => self.phone.clone(),
            "status_url" => self.status_url.clone(),
            "notice_number_prefix" => self.notice_number_prefix.clone(),
            k => {
                let topic = k.strip_prefix("legal_basis.")?;
                let row = TOPICS.iter().find(|(t, _, _)| *t == topic)?;
                self.legal_basis
                    .get(topic)
                    .cloned()
                    .unwrap_or_else(|| row.1.to_string())
            }
        })
    }

    /// Sets an office key; `None` when `key` is not one.
    pub fn set(&mut self, key: &str, value: &str) -> Option<Result<()>> {
        let bad = |en: &str, zh: &str| Err(DomainError::from(Refusal::field(key, en, zh)));
        let v = value.trim();
        let text_ok = v.chars().count() <= 100 && !v.chars().any(char::is_control);
        let checked = |slot: &mut String| {
            if !text_ok {
                return bad(
                    "use at most 100 characters, without line breaks",
                    "请填写不超过 100 个字符的一行文字",
                );
            }
            *slot = v.to_string();
            Ok(())
        };
        Some(match key {
            "office_name" => checked(&mut self.name),
            "office_phone" => checked(&mut self.phone),
            "notice_number_prefix" => checked(&mut self.notice_number_prefix),
            "status_url" => {
                if !(v.is_empty() || v.starts_with("https://") || v.starts_with("http://"))
                    || v.contains(char::is_whitespace)
                {
                    return Some(bad(
                        "use the page's address, such as https://xf.example.gov.cn",
                        "请填写网址，如 https://xf.example.gov.cn",
                    ));
                }
                checked(&mut self.status_url)
            }
            k => {
                let topic = k.strip_prefix("legal_basis.")?;
                if !TOPICS.iter().any(|(t, _, _)| *t == topic) {
                    return None;
                }
                if citation(v, Lang::Zh).is_none() {
                    return Some(bad(
                        "use the form \"2022 Art 35\" (several articles: \"2022 Art 22, 23\")",
                        "请按“2022 Art 35”的格式填写（多条：“2022 Art 22, 23”）",
                    ));
                }
                self.legal_basis.insert(topic.to_string(), v.to_string());
                Ok(())
            }
        })
    }

    /// Every office key with its value and default, for `policy show`.
    pub fn keys() -> Vec<(String, String, &'static str)> {
        let mut out: Vec<(String, String, &'static str)> = KEYS
            .iter()
            .map(|(k, s)| (k.to_string(), String::new(), *s))
            .collect();
        for (t, now, _) in TOPICS {
            out.push((
                format!("legal_basis.{t}"),
                now.to_string(),
                "cited on notices",
            ));
        }
        out
    }
}

/// A citation such as `2022 Art 35` or `2005 Art 21, 22` in words: 《信访工作条例》第三十五条 /
/// "Regulations on Petition Work (2022) Art 35". `None` when it is not of that form.
pub fn citation(basis: &str, lang: Lang) -> Option<String> {
    let (year, arts) = basis.trim().split_once(" Art ")?;
    let arts: Vec<u32> = arts
        .split(',')
        .map(|a| a.trim().parse().ok().filter(|n| (1..=200).contains(n)))
        .collect::<Option<_>>()?;
    let (zh_title, en_title) = match year.trim() {
        "2022" => ("《信访工作条例》", "Regulations on Petition Work (2022)"),
        "2005" => ("《信访条例》", "Regulations on Letters and Visits (2005)"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => {
            let list: Vec<String> = arts
                .iter()
                .map(|n| format!("第{}条", numeral(*n)))
                .collect();
            format!("{zh_title}{}", list.join("、"))
        }
        Lang::En => {
            let list: Vec<String> = arts.iter().map(u32::to_string).collect();
            format!("{en_title} Art {}", list.join(", "))
        }
    })
}

/// 1..=999 in Chinese numerals as articles are numbered (第二十一条, 第一百零三条).
pub(crate) fn numeral_zh(n: u32) -> String {
    numeral(n)
}

fn numeral(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (h, t, u) = (n / 100, n / 10 % 10, n % 10);
    let mut s = String::new();
    if h > 0 {
        s.push_str(D[h as usize]);
        s.push('百');
    }
    match (h > 0, t, u) {
        (_, 0, 0) | (false, 0, _) => {}
        (true, 0, u) => {
            s.push('零');
            s.push_str(D[u as usize]);
        }
        (false, 1, _) => s.push('十'),
        (_, t, _) => {
            s.push_str(D[t as usize]);
            s.push('十');
        }
    }
    if (t > 0 && u > 0) || (h == 0 && t == 0) {
        s.push_str(D[u as usize]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_read_as_the_regulation_numbers_them() {
        for (n, want) in [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (21, "二十一"),
            (40, "四十"),
            (100, "一百"),
            (103, "一百零三"),
            (110, "一百一十"),
        ] {
            assert_eq!(numeral(n), want, "{n}");
        }
        assert_eq!(
            citation("2022 Art 22, 23", Lang::Zh).as_deref(),
            Some("《信访工作条例》第二十二条、第二十三条")
        );
        assert_eq!(
            citation("2005 Art 34", Lang::En).as_deref(),
            Some("Regulations on Letters and Visits (2005) Art 34")
        );
        for bad in [
            "Art 35",
            "2022 Art",
            "2022 Art x",
            "2019 Art 3",
            "2022 Art 0",
        ] {
            assert_eq!(citation(bad, Lang::Zh), None, "{bad}");
        }
    }

    #[test]
    fn the_regulation_in_force_on_the_registration_day_is_cited_and_corrections_apply_to_it() {
        let mut o = Office::default();
        let new = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        let old = NaiveDate::from_ymd_opt(2022, 4, 30).expect("date");
        assert_eq!(o.basis("review", new), "2022 Art 35");
        assert_eq!(o.basis("review", old), "2005 Art 34");
        o.set("legal_basis.review", "2022 Art 35, 36")
            .expect("a key")
            .expect("valid");
        assert_eq!(o.basis("review", new), "2022 Art 35, 36");
        assert_eq!(o.basis("review", old), "2005 Art 34");
        assert!(o
            .set("legal_basis.review", "第35条")
            .expect("a key")
            .is_err());
        assert!(o.set("legal_basis.nothing", "2022 Art 1").is_none());
        assert!(o.set("status_url", "xf.gov.cn").expect("a key").is_err());
        o.set("status_url", "https://xf.example.gov.cn")
            .expect("a key")
            .expect("valid");
        assert_eq!(
            o.get("status_url").as_deref(),
            Some("https://xf.example.gov.cn")
        );
    }
}
