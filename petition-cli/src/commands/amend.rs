//! `amend`: correct a registration mistake (更正登记).

use petition_core::case::AmendField;
use petition_core::Command;

use crate::app::{parse_time, App, CliResult, Reply};

/// Correct a registration mistake (更正登记) while the case is registered or routed, as the
/// unit that registered it: one field at a time, with the reason. The old and new values are
/// kept in the case's history; repeat detection, the skip-level and collective flags and (for
/// received_at) the intake limit are worked out again from the corrected registration. An empty
/// --value removes content, id_number, phone, address, accused_unit or representatives. Name,
/// id number, phone and address are the first petitioner's; representatives are names separated
/// by commas; purpose and channel may be typed in Chinese (揭发控告, 来访).
///
/// The accused unit (被反映单位) and the purpose may also be corrected after acceptance, until the
/// written answer: naming an accused unit hides the case from it at once, and when that unit
/// holds, leads or assists the case its part ends (收回, recalled) and a case it held or led
/// comes back to you, with a new intake limit, to be routed elsewhere.
///
/// Examples:
///   petition --as li amend XF2026-000001 --field phone --value 13900001111 --reason "登记时录错一位"
///   petition --as li amend XF2026-000001 --field locality --value town-b --reason "属地填错"
///   petition --as li amend XF2026-000001 --field received_at --value 2026-03-01 --reason "来信实际收到日期"
///   petition --as li amend XF2026-000001 --field accused_unit --value cty-a-zjj --reason "来信实为反映该局"
///   petition --as li amend XF2026-000001 --field headcount --value 12 --reason "集体来访，实到12人"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// The field to correct
    #[arg(long, value_parser = crate::app::word::<AmendField>())]
    pub field: String,
    /// The corrected value (received_at: a date, or a date and time; representatives: names separated by commas)
    #[arg(long, allow_hyphen_values = true)]
    pub value: String,
    /// Why it is corrected
    #[arg(long)]
    pub reason: String,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let field = AmendField::parse(&a.field).ok_or_else(|| {
        crate::app::usage(
            &format!("--field: no field {:?}", a.field),
            &format!("--field：没有“{}”这一项", a.field),
        )
    })?;
    // A unit may be named (`--value 住建局`): its code is what the history records.
    let named = match field {
        AmendField::Locality | AmendField::AccusedUnit if !a.value.trim().is_empty() => {
            Some(super::unit(app, &a.value)?.to_string())
        }
        _ => None,
    };
    super::run_case_command_at(app, &a.case, |now| {
        let value = match (field, named) {
            (_, Some(code)) => code,
            (AmendField::ReceivedAt, None) if !a.value.trim().is_empty() => {
                parse_time(a.value.trim(), *now.offset())?.to_rfc3339()
            }
            _ => a.value.clone(),
        };
        Ok(Command::Amend {
            field,
            value,
            reason: a.reason.clone(),
        })
    })
}

super::case_commands!(Args => exec);
