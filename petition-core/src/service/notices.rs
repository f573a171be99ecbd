//! The written notices (文书) of a case as a reader may print them, with their numbers (文号).

use super::*;

impl<T: Txn> Work<'_, T> {
    /// A written notice of a case (see [`crate::notice::render`]) as `p` may read it: the
    /// petitioner's name in full only for a unit that may see it, and then recorded in the access
    /// log; a receipt carries the query code only when `code` gives it (at registration or a
    /// reset: the database keeps only its hash).
    #[allow(clippy::too_many_arguments)]
    pub fn notice(
        &mut self,
        p: &Principal,
        id: &CaseId,
        kind: &str,
        lang: crate::error::Lang,
        supervision: Option<u32>,
        code: Option<&QueryCode>,
    ) -> Result<Disclosed<crate::notice::Notice>> {
        let d = self.show_for(p, id, Reveal::AsAllowed, "notice")?;
        let (sealed, pending) = d.into_parts();
        let shown = sealed.open(pending.recorded())?;
        let mut n = crate::notice::render(
            &shown.case,
            &shown.events,
            &self.org,
            &self.policy,
            kind,
            lang,
            shown.privacy,
            supervision,
            code,
        )?;
        n.number = self.notice_number(id, kind, &shown.events, supervision)?;
        Ok(Disclosed::new(n, pending.entries))
    }

    /// A notice's number (文号) when the office numbers its notices: the prefix, the year of the
    /// event the notice records, and its place among that year's events of the same type in the
    /// chain (转送单 and 交办单, 处理意见书, … each numbered on their own). The same notice
    /// printed again has the same number.
    fn notice_number(
        &mut self,
        id: &CaseId,
        kind: &str,
        events: &[Event],
        supervision: Option<u32>,
    ) -> Result<Option<String>> {
        let prefix = self.policy.office.notice_number_prefix.clone();
        if prefix.is_empty() {
            return Ok(None);
        }
        let Some(e) = crate::notice::numbered_event(kind, events, supervision) else {
            return Ok(None);
        };
        let (seq, type_name) = (e.seq, e.kind.type_name());
        let Some(tables) = self.txn.derived() else {
            return Ok(None);
        };
        let Some((gseq, stored)) = tables
            .events_at(id)?
            .into_iter()
            .find(|(_, x)| x.seq == seq)
        else {
            return Ok(None);
        };
        let year = chrono::Datelike::year(&stored.at);
        let before = self.txn.events_in_year(type_name, year, gseq)?;
        Ok(Some(format!("{prefix}〔{year}〕{}号", before + 1)))
    }
}
