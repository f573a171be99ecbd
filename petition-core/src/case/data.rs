//! 登记信息: the registration fields (2005 Art 17–18), typed and validated — resident-id check digits
//! (GB 11643-1999), phone formats, representatives (2005 Art 18), headcount.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Lang, Refusal, Result};
use crate::ids::UnitCode;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $s:literal, $en:literal, $zh:literal;)+ }) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $(#[doc = concat!($zh, " (", $en, ").")] $variant),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// snake_case name, as in JSON and on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            /// Parses the snake_case name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            /// The value's label in `lang` (its one label table is this type's definition).
            pub fn label(self, lang: crate::error::Lang) -> &'static str {
                match lang {
                    crate::error::Lang::En => match self { $($name::$variant => $en),+ },
                    crate::error::Lang::Zh => match self { $($name::$variant => $zh),+ },
                }
            }
        }
        impl crate::case::Vocabulary for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn label(self, lang: crate::error::Lang) -> &'static str {
                $name::label(self, lang)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// A closed vocabulary of the rules (states, channels, outcomes, grounds, clocks, roles…): every
/// value, its snake_case name as in JSON, and its label in each language — one table per type,
/// in the type's definition. `parse` reads the name back.
pub trait Vocabulary: Copy + Eq + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// snake_case name, as in JSON and on the command line.
    fn as_str(self) -> &'static str;
    /// The label in `lang`.
    fn label(self, lang: crate::error::Lang) -> &'static str;
    /// Parses the snake_case name.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// Parses a value as a clerk may type it: the snake_case name, the English label (any
    /// case) or the Chinese label (`来访`, `揭发控告`).
    fn parse_word(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.iter().copied().find(|v| {
            v.as_str() == s
                || v.label(crate::error::Lang::Zh) == s
                || v.label(crate::error::Lang::En).eq_ignore_ascii_case(s)
        })
    }
    /// The label of a snake_case name (the name itself when it is none of this vocabulary's).
    fn label_of(name: &str, lang: crate::error::Lang) -> String {
        Self::parse(name).map_or_else(|| name.to_string(), |v| v.label(lang).to_string())
    }
}

text_enum!(
    /// 信访形式.
    Channel {
        Letter => "letter", "letter", "来信";
        Visit => "visit", "visit", "来访";
        Phone => "phone", "phone", "电话";
        Online => "online", "online", "网上";
        Fax => "fax", "fax", "传真";
        Email => "email", "email", "电子邮件";
    }
);
text_enum!(
    /// 信访目的.
    Purpose {
        Request => "request", "request", "求决";
        Suggestion => "suggestion", "suggestion", "意见建议";
        Appeal => "appeal", "appeal", "申诉";
        Accusation => "accusation", "accusation", "揭发控告";
        Other => "other", "other", "其他";
    }
);
text_enum!(
    /// 证件类型.
    IdType {
        ResidentId => "resident_id", "resident id", "居民身份证";
        Passport => "passport", "passport", "护照";
        Other => "other", "other", "其他";
    }
);
text_enum!(
    /// 处理意见 (2005 Art 32).
    Outcome {
        Supported => "supported", "supported", "支持";
        Explained => "explained", "explained", "解释说明";
        NotSupported => "not_supported", "not supported", "不予支持";
    }
);
text_enum!(
    /// 复查/复核意见.
    ReviewOutcome {
        Upheld => "upheld", "upheld", "维持";
        Revised => "revised", "revised", "变更";
        Revoked => "revoked", "revoked", "撤销";
    }
);
text_enum!(
    /// 不予受理理由 (2005 Art 14–16, 22, 35).
    DeclineGround {
        Litigation => "litigation", "for litigation, arbitration or reconsideration", "应通过法定途径";
        LegislatureOrJudiciary => "legislature_or_judiciary", "for a legislature, court or procuratorate", "属人大法院检察院职权";
        Concluded => "concluded", "concluded", "已复核终结";
        InProgress => "in_progress", "in progress", "正在办理";
        SkipLevel => "skip_level", "skip level", "越级走访";
        OutOfScope => "out_of_scope", "out of scope", "不属本机关职权";
        Incomplete => "incomplete", "incomplete", "信息不全";
    }
);
text_enum!(
    /// 满意度.
    Satisfaction {
        Satisfied => "satisfied", "satisfied", "满意";
        BasicallySatisfied => "basically_satisfied", "basically satisfied", "基本满意";
        Dissatisfied => "dissatisfied", "dissatisfied", "不满意";
    }
);

text_enum!(
    /// 更正登记: a registration field `amend` may correct.
    AmendField {
        Summary => "summary", "summary", "概况";
        Content => "content", "content", "内容";
        Category => "category", "category", "问题分类";
        Locality => "locality", "locality", "问题属地";
        ReceivedAt => "received_at", "time of receipt", "收到时间";
        Name => "name", "name", "姓名";
        IdNumber => "id_number", "id number", "证件号码";
        Phone => "phone", "phone", "电话";
        Address => "address", "address", "住址";
        Purpose => "purpose", "purpose", "信访目的";
        AccusedUnit => "accused_unit", "accused unit", "被反映单位";
        Headcount => "headcount", "headcount", "信访人数";
        Channel => "channel", "channel", "信访形式";
        Representatives => "representatives", "representatives", "代表";
    }
);

impl AmendField {
    /// Whether the field may be emptied (an empty value removes it).
    pub fn is_optional(self) -> bool {
        matches!(
            self,
            AmendField::Content
                | AmendField::IdNumber
                | AmendField::Phone
                | AmendField::Address
                | AmendField::AccusedUnit
                | AmendField::Representatives
        )
    }

    /// Whether the field may still be corrected while the case is handled (accepted, before
    /// its written answer): the fields that decide who may know of the case (an accusation's
    /// accused unit, and its purpose), so that a slip at the counter never exposes an accuser
    /// for good. Every other field is corrected before acceptance only.
    pub fn while_handled(self) -> bool {
        matches!(self, AmendField::AccusedUnit | AmendField::Purpose)
    }
}

/// A vocabulary's values as an error lists them: names in English, labels in Chinese.
fn words<T: Vocabulary>(all: &[T], lang: Lang) -> String {
    let each: Vec<&str> = all
        .iter()
        .map(|v| match lang {
            Lang::En => v.as_str(),
            Lang::Zh => v.label(lang),
        })
        .collect();
    each.join(match lang {
        Lang::En => ", ",
        Lang::Zh => "、",
    })
}

/// Representatives (代表) as `amend` takes them: names separated by commas (`,` `，` or `、`).
fn representatives_of(value: &str) -> Vec<String> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One petitioner (信访人). Personal data: masked in views and exports unless allowed (see `access`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Petitioner {
    /// 姓名.
    pub name: String,
    /// 证件类型 (default resident id).
    #[serde(default = "default_id_type")]
    pub id_type: IdType,
    /// 证件号码.
    #[serde(default)]
    pub id_number: Option<String>,
    /// 电话.
    #[serde(default)]
    pub phone: Option<String>,
    /// 住址.
    #[serde(default)]
    pub address: Option<String>,
}

fn default_id_type() -> IdType {
    IdType::ResidentId
}

/// Everything a clerk records at registration (2005 Art 17–18).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// 信访形式.
    pub channel: Channel,
    /// 信访目的.
    pub purpose: Purpose,
    /// 信访人 (one or more).
    pub petitioners: Vec<Petitioner>,
    /// 信访人数 (≥ number of petitioners).
    pub headcount: u32,
    /// 代表 (at most 5, 2005 Art 18).
    #[serde(default)]
    pub representatives: Vec<String>,
    /// 问题属地.
    pub locality: UnitCode,
    /// 内容分类, a dotted code.
    pub category: String,
    /// 概况 (≤ 300 characters).
    pub summary: String,
    /// 投诉内容.
    #[serde(default)]
    pub content: Option<String>,
    /// When the letter arrived or the visitor came.
    pub received_at: DateTime<FixedOffset>,
    /// 涉法涉诉.
    #[serde(default)]
    pub litigation: bool,
    /// 被反映单位 (accusations).
    #[serde(default)]
    pub accused_unit: Option<UnitCode>,
    /// 重大紧急.
    #[serde(default)]
    pub major: bool,
    /// Another system's id of the same matter (a hotline's ticket number): unique per system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<super::ExternalRef>,
}

/// Checks the GB 11643-1999 check digit (ISO 7064 MOD 11-2) of an 18-character resident id.
pub fn resident_id_valid(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// Phones: 7–15 digits with an optional leading `+`.
pub fn phone_valid(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p);
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn v(field: &str, en: &str, zh: &str) -> DomainError {
    DomainError::from(Refusal::field(field, en, zh))
}

fn short_text(field: &str, s: &str, max: usize) -> Result<()> {
    if s.trim().is_empty() {
        return Err(v(field, "is required", "不能为空"));
    }
    if s.chars().count() > max {
        return Err(v(
            field,
            &format!("must be at most {max} characters"),
            &format!("不得超过 {max} 个字符"),
        ));
    }
    crate::input::check_line(field, s)
}

impl Petitioner {
    /// A petitioner known by name only (a resident id, phone and address may follow).
    ///
    /// ```
    /// use petition_core::case::Petitioner;
    /// let p = Petitioner::named("王某").id_number("11010519491231002X").phone("13812345678");
    /// assert!(p.validate(0).is_ok());
    /// ```
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            id_type: IdType::ResidentId,
            id_number: None,
            phone: None,
            address: None,
        }
    }
    /// With an id number (a resident id unless [`Petitioner::id_type`] says otherwise).
    pub fn id_number(mut self, id: impl Into<String>) -> Self {
        self.id_number = Some(id.into());
        self
    }
    /// With the kind of the id number.
    pub fn id_type(mut self, t: IdType) -> Self {
        self.id_type = t;
        self
    }
    /// With a phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// With an address.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// Validates one petitioner (name, id number, phone, address).
    pub fn validate(&self, i: usize) -> Result<()> {
        let f = |x: &str| format!("petitioners[{i}].{x}");
        short_text(&f("name"), &self.name, 100)?;
        if let Some(id) = &self.id_number {
            match self.id_type {
                IdType::ResidentId => {
                    if !resident_id_valid(id) {
                        return Err(v(
                            &f("id_number"),
                            "is not a valid resident id: 18 characters with a correct GB 11643 check digit",
                            "不是有效的居民身份证号码：应为 18 位且校验码正确（GB 11643）",
                        ));
                    }
                }
                IdType::Passport | IdType::Other => {
                    if id.is_empty()
                        || id.len() > 32
                        || !id.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Err(v(
                            &f("id_number"),
                            "must be 1–32 letters and digits",
                            "应为 1–32 位字母或数字",
                        ));
                    }
                }
            }
        }
        if let Some(p) = &self.phone {
            if !phone_valid(p) {
                return Err(v(
                    &f("phone"),
                    "must be 7–15 digits with an optional leading +",
                    "应为 7–15 位数字，可带前导 +",
                ));
            }
        }
        if let Some(a) = &self.address {
            short_text(&f("address"), a, 200)?;
        }
        Ok(())
    }
}

/// Builds a [`Registration`]: the required fields first, the rest by name, checked by
/// [`RegistrationBuilder::build`].
#[derive(Clone, Debug)]
pub struct RegistrationBuilder {
    reg: Registration,
    headcount: Option<u32>,
}

impl RegistrationBuilder {
    /// Adds a petitioner (at least one is required).
    pub fn petitioner(mut self, p: Petitioner) -> Self {
        self.reg.petitioners.push(p);
        self
    }
    /// 信访人数, when more people came than are named (default: the number of petitioners).
    pub fn headcount(mut self, n: u32) -> Self {
        self.headcount = Some(n);
        self
    }
    /// Adds a representative (代表, at most 5).
    pub fn representative(mut self, name: impl Into<String>) -> Self {
        self.reg.representatives.push(name.into());
        self
    }
    /// 投诉内容: the full text.
    pub fn content(mut self, text: impl Into<String>) -> Self {
        self.reg.content = Some(text.into());
        self
    }
    /// 涉法涉诉: a litigation matter.
    pub fn litigation(mut self) -> Self {
        self.reg.litigation = true;
        self
    }
    /// 被反映单位: the unit an accusation is about.
    pub fn accused_unit(mut self, unit: UnitCode) -> Self {
        self.reg.accused_unit = Some(unit);
        self
    }
    /// 重大紧急.
    pub fn major(mut self) -> Self {
        self.reg.major = true;
        self
    }
    /// Another system's id of the matter ([`super::ExternalRef`]).
    pub fn external_ref(mut self, r: super::ExternalRef) -> Self {
        self.reg.external_ref = Some(r);
        self
    }
    /// The registration, or the first field rule it breaks (`validation`).
    pub fn build(mut self) -> Result<Registration> {
        self.reg.headcount = self.headcount.unwrap_or(self.reg.petitioners.len() as u32);
        self.reg.validate()?;
        Ok(self.reg)
    }
}

impl Registration {
    /// The identity keys of a registration's petitioners (2005 Art 16, 35): `id:<number>` and `np:<name>|<phone>`.
    pub(crate) fn identity_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for p in &self.petitioners {
            if let Some(id) = &p.id_number {
                keys.push(format!("id:{}", id.to_ascii_uppercase()));
            }
            if let Some(phone) = &p.phone {
                keys.push(format!("np:{}|{}", p.name.trim(), phone));
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Starts a registration with its required fields: how the matter came in, what it asks
    /// for, where it is (the locality's unit code), its category, a summary of at most 300
    /// characters, and when it was received.
    ///
    /// ```
    /// use petition_core::case::{Channel, Petitioner, Purpose, Registration};
    /// use petition_core::{DateTime, UnitCode};
    ///
    /// let received = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").unwrap();
    /// let reg = Registration::builder(
    ///     Channel::Visit,
    ///     Purpose::Request,
    ///     UnitCode::parse("town-a").unwrap(),
    ///     "land.requisition",
    ///     "征地补偿款未发放",
    ///     received,
    /// )
    /// .petitioner(Petitioner::named("王某").phone("13812345678"))
    /// .build()
    /// .unwrap();
    /// assert_eq!(reg.headcount, 1);
    /// ```
    pub fn builder(
        channel: Channel,
        purpose: Purpose,
        locality: UnitCode,
        category: impl Into<String>,
        summary: impl Into<String>,
        received_at: DateTime<FixedOffset>,
    ) -> RegistrationBuilder {
        RegistrationBuilder {
            reg: Registration {
                channel,
                purpose,
                petitioners: Vec::new(),
                headcount: 0,
                representatives: Vec::new(),
                locality,
                category: category.into(),
                summary: summary.into(),
                content: None,
                received_at,
                litigation: false,
                accused_unit: None,
                major: false,
                external_ref: None,
            },
            headcount: None,
        }
    }

    /// A field's value as text (`received_at` in RFC 3339), `None` when absent.
    pub fn field(&self, field: AmendField) -> Option<String> {
        let first = self.petitioners.first();
        match field {
            AmendField::Summary => Some(self.summary.clone()),
            AmendField::Content => self.content.clone(),
            AmendField::Category => Some(self.category.clone()),
            AmendField::Locality => Some(self.locality.as_str().to_string()),
            AmendField::ReceivedAt => Some(self.received_at.to_rfc3339()),
            AmendField::Name => first.map(|p| p.name.clone()),
            AmendField::IdNumber => first.and_then(|p| p.id_number.clone()),
            AmendField::Phone => first.and_then(|p| p.phone.clone()),
            AmendField::Address => first.and_then(|p| p.address.clone()),
            AmendField::Purpose => Some(self.purpose.as_str().to_string()),
            AmendField::AccusedUnit => self.accused_unit.as_ref().map(|u| u.as_str().to_string()),
            AmendField::Headcount => Some(self.headcount.to_string()),
            AmendField::Channel => Some(self.channel.as_str().to_string()),
            AmendField::Representatives => {
                (!self.representatives.is_empty()).then(|| self.representatives.join(","))
            }
        }
    }

    /// The registration with one field corrected (`amend`), checked by the same rules as at
    /// registration. `value` is trimmed; empty removes an optional field (`content`, and the
    /// first petitioner's `id_number`, `phone`, `address`); `received_at` is RFC 3339.
    pub fn amended(&self, field: AmendField, value: &str) -> Result<Registration> {
        let value = value.trim();
        let name = field.as_str();
        if value.is_empty() && !field.is_optional() {
            return Err(v(
                name,
                "cannot be empty: give the corrected value",
                "不能为空：请填写更正后的内容",
            ));
        }
        // Enumerated values as a clerk types them (`来访`), recorded by their names.
        let word = match field {
            AmendField::Purpose => Some(
                Purpose::parse_word(value)
                    .map(Purpose::as_str)
                    .ok_or_else(|| {
                        v(
                            name,
                            &format!("must be one of: {}", words(Purpose::ALL, Lang::En)),
                            &format!("应为以下之一：{}", words(Purpose::ALL, Lang::Zh)),
                        )
                    })?,
            ),
            AmendField::Channel => Some(
                Channel::parse_word(value)
                    .map(Channel::as_str)
                    .ok_or_else(|| {
                        v(
                            name,
                            &format!("must be one of: {}", words(Channel::ALL, Lang::En)),
                            &format!("应为以下之一：{}", words(Channel::ALL, Lang::Zh)),
                        )
                    })?,
            ),
            _ => None,
        };
        let value = word.unwrap_or(value);
        match field {
            AmendField::Locality => {
                UnitCode::parse(value)?;
            }
            AmendField::AccusedUnit if !value.is_empty() => {
                UnitCode::parse(value)?;
            }
            AmendField::Headcount => {
                value.parse::<u32>().map_err(|_| {
                    v(
                        name,
                        "must be a whole number of people, such as 12",
                        "应为人数（整数），如 12",
                    )
                })?;
            }
            AmendField::ReceivedAt => {
                DateTime::parse_from_rfc3339(value).map_err(|_| {
                    v(
                        name,
                        "must be a time such as 2026-03-02T09:00:00+08:00",
                        "应为时间，如 2026-03-02T09:00:00+08:00",
                    )
                })?;
            }
            _ => {}
        }
        if self.petitioners.is_empty() {
            return Err(v(
                "petitioners",
                "at least one petitioner is required",
                "至少需要一名信访人",
            ));
        }
        let mut reg = self.clone();
        reg.set(field, (!value.is_empty()).then_some(value));
        reg.validate()?;
        if reg.field(field) == self.field(field) {
            return Err(v(
                name,
                "is already this value: nothing to correct",
                "已是该值，无需更正",
            ));
        }
        Ok(reg)
    }

    /// Sets a field as [`Registration::amended`] checked it (a value that does not parse, which
    /// `amended` refuses, leaves the field as it was).
    pub(crate) fn set(&mut self, field: AmendField, value: Option<&str>) {
        let text = || value.unwrap_or_default().to_string();
        let opt = || value.map(str::to_string);
        match field {
            AmendField::Summary => self.summary = text(),
            AmendField::Content => self.content = opt(),
            AmendField::Category => self.category = text(),
            AmendField::Locality => {
                if let Ok(u) = UnitCode::parse(&text()) {
                    self.locality = u;
                }
            }
            AmendField::ReceivedAt => {
                if let Ok(t) = DateTime::parse_from_rfc3339(&text()) {
                    self.received_at = t;
                }
            }
            AmendField::Purpose => {
                if let Some(p) = Purpose::parse(&text()) {
                    self.purpose = p;
                }
            }
            AmendField::Channel => {
                if let Some(c) = Channel::parse(&text()) {
                    self.channel = c;
                }
            }
            AmendField::AccusedUnit => match value {
                None => self.accused_unit = None,
                Some(v) => {
                    if let Ok(u) = UnitCode::parse(v) {
                        self.accused_unit = Some(u);
                    }
                }
            },
            AmendField::Headcount => {
                if let Ok(n) = text().parse() {
                    self.headcount = n;
                }
            }
            AmendField::Representatives => {
                self.representatives = value.map(representatives_of).unwrap_or_default()
            }
            _ => {
                if let Some(first) = self.petitioners.first_mut() {
                    match field {
                        AmendField::Name => first.name = text(),
                        AmendField::IdNumber => {
                            first.id_number = opt().map(|s| s.to_ascii_uppercase())
                        }
                        AmendField::Phone => first.phone = opt(),
                        _ => first.address = opt(),
                    }
                }
            }
        }
    }

    /// Validates every field rule that needs no organisation.
    pub fn validate(&self) -> Result<()> {
        crate::input::check_time("received_at", self.received_at)?;
        if self.petitioners.is_empty() {
            return Err(v(
                "petitioners",
                "at least one petitioner is required",
                "至少需要一名信访人",
            ));
        }
        if self.petitioners.len() > 1000 {
            return Err(v(
                "petitioners",
                "at most 1000 petitioners",
                "信访人不得超过 1000 名",
            ));
        }
        if let Some(r) = &self.external_ref {
            r.validate()?;
        }
        for (i, p) in self.petitioners.iter().enumerate() {
            p.validate(i)?;
        }
        if (self.headcount as usize) < self.petitioners.len() {
            return Err(v(
                "headcount",
                "must be at least the number of petitioners",
                "信访人数不得少于登记的信访人数量",
            ));
        }
        if self.headcount > 100_000 {
            return Err(v("headcount", "is implausibly large", "数值过大"));
        }
        if self.representatives.len() > 5 {
            return Err(v(
                "representatives",
                "at most 5 representatives (2005 Art 18)",
                "代表人数不得超过 5 人（条例第十八条）",
            ));
        }
        for r in &self.representatives {
            short_text("representatives", r, 100)?;
        }
        let cat_ok = !self.category.is_empty()
            && self.category.chars().count() <= 100
            && !self.category.starts_with('.')
            && !self.category.ends_with('.')
            && !self.category.contains("..")
            && self
                .category
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control());
        if !cat_ok {
            return Err(v(
                "category",
                "must be a dotted code such as land.requisition (no spaces)",
                "应为以点分隔的分类代码，如 land.requisition（不含空格）",
            ));
        }
        short_text("summary", &self.summary, 300)?;
        if let Some(c) = &self.content {
            if c.len() > 1_000_000 {
                return Err(v("content", "must be at most 1 MB", "不得超过 1 MB"));
            }
            crate::input::check_lines("content", c)?;
        }
        Ok(())
    }

    /// 集体访: a headcount of five or more.
    pub fn collective(&self) -> bool {
        self.headcount >= 5
    }
}

#[cfg(test)]
mod tests;
