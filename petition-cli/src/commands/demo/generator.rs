//! Benchmark data: `--cases N` realistic cases registered in time order, in batches.

use super::*;

pub(super) fn generate(
    svc: &mut Service<crate::app::Db>,
    now: Tz,
    n: u64,
    seed: u64,
    mut codes: Option<&mut dyn std::io::Write>,
) -> Result<(), DomainError> {
    use std::io::Write as _;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let offices = [
        ("cty-a-xfj", ["town-a1", "town-a2", "street-a3", "cty-a"]),
        ("cty-b-xfj", ["town-b1", "street-b2", "cty-b", "town-b1"]),
    ];
    let depts = [
        ["cty-a-zjj", "cty-a-rsj", "cty-a-gtj"],
        ["cty-b-zjj", "cty-b-rsj", "cty-b-zjj"],
    ];
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Who petitions: most registrations come from someone new; about one in twelve comes back
    // from the petitioner of a recent case on the same matter (重复信访), and one in a hundred
    // from a pool of frequent petitioners sized so each comes back about twenty times whatever
    // N is. So the related list of a registration (repeat detection records them all) does not grow
    // with N, as it would not in a real office.
    let frequent = (n / 2000).max(20);
    let mut recent: Vec<(u64, usize, usize, usize)> = Vec::with_capacity(1024);
    // 5,000 cases per transaction and a 16 MiB page cache: measured at 100k cases, 15.4 s with
    // SQLite's defaults and 1,000 per transaction, 12.2 s with these, at 31 MiB peak memory (flat
    // in N: the cache and the batch are bounded). A kill loses at most the open batch.
    let batch = 5000u64;
    if let Some(s) = svc.store().as_sqlite() {
        s.set_cache_kib(16 * 1024)?;
    }
    crate::app::for_bulk_work(svc)?;
    let mut done = 0u64;
    while done < n {
        let take = batch.min(n - done);
        // `work` runs its closure again when the database was busy: each run starts from the
        // generator's state before the batch and hands its own state on only once it committed,
        // so a retried batch generates exactly the same cases.
        let (before_rng, before_recent) = (rng.clone(), recent.clone());
        let mut after = None;
        svc.work(|w| {
            let mut rng = before_rng.clone();
            let mut recent = before_recent.clone();
            let mut drawn = Vec::new();
            for i in 0..take {
                let k = done + i;
                let roll = rng.gen_range(0..100u32);
                let (who, side, loc, cat) = if roll == 0 {
                    let f = rng.gen_range(0..frequent);
                    (
                        500_000 + f,
                        (f % 2) as usize,
                        (f / 2 % 4) as usize,
                        (f / 8 % 8) as usize,
                    )
                } else if roll < 9 && !recent.is_empty() {
                    recent[rng.gen_range(0..recent.len())]
                } else {
                    let fresh = (
                        1_000_000 + k * 7919 % 9_000_000,
                        rng.gen_range(0..2usize),
                        rng.gen_range(0..4usize),
                        rng.gen_range(0..8usize),
                    );
                    if recent.len() < 1024 {
                        recent.push(fresh);
                    } else {
                        recent[(k % 1024) as usize] = fresh;
                    }
                    fresh
                };
                let (office, localities) = offices[side];
                let locality = localities[loc];
                // Registered in time order over the past year, as an office registers them.
                let minutes_ago = ((n - k) as u128 * 525_600 / n as u128) as i64;
                let reg_at = now - Duration::minutes(minutes_ago + rng.gen_range(0..10));
                let step = |d: i64| (reg_at + Duration::days(d)).min(now);
                let channel = [
                    Channel::Letter,
                    Channel::Visit,
                    Channel::Phone,
                    Channel::Online,
                ][rng.gen_range(0..4usize)];
                let mut r = reg(who, channel, locality, cat, reg_at);
                if rng.gen_bool(0.05) {
                    r.headcount = rng.gen_range(5..30);
                }
                let p = w.principal(&clerk(office))?;
                let new = w.register(&p, reg_at, r)?;
                let id = new.case.case.id;
                if codes.is_some() {
                    drawn.push((id.clone(), new.query_code));
                }
                let path = rng.gen_range(0..100u32);
                let dept = depts[side][rng.gen_range(0..3usize)];
                let x = |w: &mut Work<'_, _>,
                         who: StaffId,
                         d: i64,
                         cmd: Command|
                 -> Result<bool, DomainError> {
                    if reg_at + Duration::days(d) > now {
                        return Ok(false);
                    }
                    match w.execute_by_id(&who, step(d), &id, cmd) {
                        Ok(_) => Ok(true),
                        // Generated paths may meet a rule (a lapsed window); the case just stops there.
                        Err(e)
                            if matches!(
                                e.refusal(),
                                Some(
                                    petition_core::Refusal::WindowLapsed { .. }
                                        | petition_core::Refusal::SkipLevel { .. }
                                        | petition_core::Refusal::Litigation
                                )
                            ) =>
                        {
                            Ok(false)
                        }
                        Err(e) => Err(e),
                    }
                };
                if path < 8 {
                    x(
                        w,
                        clerk(office),
                        1,
                        Command::Decline {
                            ground: DeclineGround::LegislatureOrJudiciary,
                            notice: "请向有关机关反映".into(),
                        },
                    )?;
                    continue;
                }
                if path < 12 {
                    x(
                        w,
                        clerk(office),
                        2,
                        Command::Withdraw {
                            reason: "信访人撤回".into(),
                        },
                    )?;
                    continue;
                }
                if !x(
                    w,
                    clerk(office),
                    rng.gen_range(0..4),
                    Command::Transfer {
                        to: c(dept),
                        note: None,
                    },
                )? || path < 25
                {
                    continue;
                }
                if !x(
                    w,
                    clerk(dept),
                    rng.gen_range(4..16),
                    Command::Accept { assist: vec![] },
                )? || path < 50
                {
                    continue;
                }
                let late = rng.gen_range(20..80);
                let outcome = [
                    Outcome::Supported,
                    Outcome::Explained,
                    Outcome::NotSupported,
                ][rng.gen_range(0..3usize)];
                if !x(
                    w,
                    clerk(dept),
                    late,
                    Command::Opinion {
                        outcome,
                        text: "已答复".into(),
                        without_assist: None,
                    },
                )? || path < 62
                {
                    continue;
                }
                if path < 85 {
                    x(
                        w,
                        clerk(dept),
                        late + 2,
                        Command::Close {
                            reason: petition_core::case::CloseReason::Accepted,
                        },
                    )?;
                    if rng.gen_bool(0.7) {
                        let sat = [
                            Satisfaction::Satisfied,
                            Satisfaction::BasicallySatisfied,
                            Satisfaction::Dissatisfied,
                        ][rng.gen_range(0..3usize)];
                        x(
                            w,
                            clerk(office),
                            late + 5,
                            Command::Evaluate {
                                handling: sat,
                                office: None,
                            },
                        )?;
                    }
                    continue;
                }
                let side_gov = if side == 0 { "cty-a" } else { "cty-b" };
                if !x(
                    w,
                    clerk(side_gov),
                    late + 10,
                    Command::ReviewRequest { reason: None },
                )? {
                    continue;
                }
                x(
                    w,
                    clerk(side_gov),
                    late + 30,
                    Command::ReviewOpinion {
                        outcome: ReviewOutcome::Upheld,
                        text: "维持".into(),
                    },
                )?;
            }
            after = Some((rng, recent, drawn));
            Ok(())
        })?;
        if let Some((r, v, drawn)) = after {
            rng = r;
            recent = v;
            if let Some(f) = codes.as_mut() {
                for (id, code) in drawn {
                    writeln!(f, "{id}\t{code}").map_err(|e| {
                        DomainError::from(petition_core::StorageError::io(
                            "write the codes file",
                            e,
                        ))
                    })?;
                }
            }
        }
        done += take;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    Ok(())
}
