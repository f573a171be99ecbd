//! The command line's error: a library error with its stable code, shown in the chosen language
//! with what to do next (in the command line's terms, or an API answer's).

use petition_core::{DomainError, Lang, StorageError};

/// The CLI's error: a domain error (with its stable code), shown in the chosen language, with
/// the hint for its code unless the message already says what to run.
#[derive(Debug)]
pub struct CliError {
    /// The error.
    pub error: DomainError,
    /// The message names the command to run already: no hint by code.
    pub hinted: bool,
    /// The error as a server showed it (`--server`): shown as it came.
    pub remote: Option<Box<Shown>>,
}

/// An error as it is shown: its stable code, the message in the chosen language with what to do,
/// and a rule's data (`details`). The command line prints it, the server answers with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Shown {
    /// The stable error code.
    pub code: String,
    /// The message.
    pub message: String,
    /// The refusal's data, when a rule refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl From<DomainError> for CliError {
    fn from(error: DomainError) -> Self {
        CliError {
            error,
            hinted: false,
            remote: None,
        }
    }
}

impl CliError {
    /// An error whose message says what to do already.
    pub fn hinted(error: DomainError) -> Self {
        CliError {
            error,
            hinted: true,
            remote: None,
        }
    }

    /// An error a server answered with.
    pub fn remote(shown: Shown) -> Self {
        CliError {
            error: DomainError::from(StorageError::internal(&shown.message)),
            hinted: true,
            remote: Some(Box::new(shown)),
        }
    }

    /// The stable error code.
    pub fn code(&self) -> &str {
        match &self.remote {
            Some(s) => &s.code,
            None => self.error.code(),
        }
    }

    /// The stable error code, typed (a server's code this binary does not know is `internal`).
    pub fn error_code(&self) -> petition_core::ErrorCode {
        match &self.remote {
            Some(s) => petition_core::ErrorCode::parse(&s.code)
                .unwrap_or(petition_core::ErrorCode::Internal),
            None => self.error.error_code(),
        }
    }

    /// The error as shown in `lang`: the library says what happened, the command line adds what
    /// to run, by error code, unless the message says it already.
    pub fn shown(&self, lang: Lang) -> Shown {
        self.shown_with(lang, crate::i18n::hint)
    }

    /// The error as an API answer shows it: what to do next in the API's terms.
    pub fn shown_to_api(&self, lang: Lang) -> Shown {
        self.shown_with(lang, crate::i18n::api_hint)
    }

    fn shown_with(
        &self,
        lang: Lang,
        hint: fn(Lang, petition_core::ErrorCode) -> Option<&'static str>,
    ) -> Shown {
        if let Some(s) = &self.remote {
            return (**s).clone();
        }
        let e = &self.error;
        let message = match hint(lang, e.error_code()) {
            Some(h) if !self.hinted => {
                format!(
                    "{}{}{h}",
                    e.message(lang),
                    crate::i18n::tr(lang, "hint_sep")
                )
            }
            _ => e.message(lang).to_string(),
        };
        Shown {
            code: e.code().to_string(),
            message,
            details: e.refusal().and_then(|r| serde_json::to_value(r).ok()),
        }
    }
}

/// Shorthand.
pub type CliResult<T = ()> = Result<T, CliError>;
