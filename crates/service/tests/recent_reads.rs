//! Today's page and the patient list read only recent rows; their answers must equal what
//! the whole event log gives, for histories with late and back-dated entries, safety
//! events, rising pain and gaps, seen from many days.

use retrowalk_core::prescription::week_index;
mod common;

use retrowalk_core::*;
use retrowalk_service::*;
use retrowalk_store::{Role, UserId};
use time::macros::date;
use time::{Date, Duration};

const START: Date = date!(2026 - 01 - 05);

fn profile() -> Profile {
    Profile {
        clearance: true,
        ..common::knee_profile(50)
    }
}

async fn patient(svc: &Service, i: u64, clinician: UserId) -> UserId {
    let me = svc
        .store
        .create_user(&format!("p{i}@x.org"), "Pat", None, Role::Person)
        .await
        .unwrap();
    svc.onboard(me, profile(), START).await.unwrap();
    let code = format!("c{i}");
    svc.store
        .create_invite(&code, clinician, 3600)
        .await
        .unwrap();
    svc.store.accept_invite(&code, me).await.unwrap();
    let mut x = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let load = svc.store.programme(me).await.unwrap().unwrap().state.start;
    let mut day = 0;
    for _ in 0..next(16) {
        day += 1 + next(5) as i64;
        let late = if next(5) == 0 { next(10) as i64 } else { 0 };
        let date = START + Duration::days(day - late);
        let pain = next(6) as u8;
        let log = SessionLog {
            pain_during: Pain::new(pain).unwrap(),
            pain_after: Pain::new(pain).unwrap(),
            near_fall: next(9) == 0,
            ..SessionLog::clean(date, &load)
        };
        // Logged on the day (or late); a paused programme may refuse, which is fine.
        let _ = svc
            .log_session(me, log, me, START + Duration::days(day))
            .await;
        if next(3) == 0 {
            let _ = svc
                .log_morning_pain(me, date, Pain::new(1).unwrap(), date + Duration::days(1))
                .await;
        }
    }
    me
}

/// What today's adherence and morning check were computed from before: every event.
async fn reference_today(svc: &Service, me: UserId, today: Date) -> (Adherence, Option<Date>) {
    let events = svc.store.events(me).await.unwrap();
    let rec = svc.store.programme(me).await.unwrap().unwrap();
    let logged: Vec<Date> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Session(l) => Some(l.date),
            _ => None,
        })
        .collect();
    let in_week: Vec<Date> = logged
        .iter()
        .copied()
        .filter(|d| week_index(*d) == week_index(today))
        .collect();
    // This week's planned sessions (PRG-08 slots): its training days from the start on.
    let slots: Vec<Date> = (0..7)
        .map(|k| retrowalk_core::dates::monday_of(today) + Duration::days(k))
        .filter(|d| rec.state.schedule.is_training_day(*d) && *d >= rec.start_date)
        .collect();
    let done = slots.iter().filter(|d| in_week.contains(d)).count() as u32;
    let adherence = Adherence {
        done,
        planned: slots.len() as u32,
        extra: in_week.len() as u32 - done,
    };
    let due = logged.iter().max().copied().filter(|last| {
        (1..=2).contains(&(today - *last).whole_days())
            && !events.iter().any(|e| {
                matches!(&e.event, Event::MorningPain { session_date, .. } if session_date == last)
            })
    });
    (adherence, due)
}

#[tokio::test]
async fn recent_reads_give_what_the_whole_log_gives() {
    let (_dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    let svc = Service::new(store);
    let clinician = svc
        .store
        .create_user("c@x.org", "C", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store
        .set_clinician_approved(clinician, true)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(patient(&svc, i, clinician).await);
    }
    let mut seen = std::collections::BTreeSet::new();
    for today in (0..90).step_by(2).map(|d| START + Duration::days(d)) {
        let list = svc.patients(clinician, today).await.unwrap();
        assert_eq!(list.len(), ids.len());
        for (summary, &id) in list.iter().zip(&ids) {
            assert_eq!(summary.id, id);
            let rec = svc.store.programme(id).await.unwrap().unwrap();
            let logs: Vec<SessionLog> = svc
                .store
                .events(id)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|e| match e.event {
                    Event::Session(l) => Some(l),
                    _ => None,
                })
                .collect();
            let last = logs.iter().map(|l| l.date).max();
            let whole = Service::flags_from(&rec, &logs, last, today);
            assert_eq!(summary.flags, whole, "patient {id} on {today}");
            assert_eq!(svc.patient_flags(id, today).await.unwrap(), whole);
            for f in &whole {
                seen.insert(
                    format!("{f:?}")
                        .split([' ', '{'])
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }

            let t = svc.today(id, today).await.unwrap();
            let (adherence, due) = reference_today(&svc, id, today).await;
            assert_eq!(t.adherence, adherence, "patient {id} on {today}");
            assert!(t.adherence.done <= t.adherence.planned, "never \"2 of 1\"");
            assert_eq!(t.morning_check_due, due, "patient {id} on {today}");
        }
    }
    for kind in ["PainRising", "SafetyEvent", "MissedSessions", "NoLogFor"] {
        assert!(
            seen.contains(kind),
            "the histories raise {kind} somewhere: {seen:?}"
        );
    }
}

/// The patient list remembers summaries between requests; after any write, by this
/// process or another one (another `Service` on the same database), it must still equal a
/// list made from scratch.
#[tokio::test]
async fn a_remembered_patient_list_follows_every_change() {
    let (_dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    let svc = Service::new(store.clone());
    let other_process = Service::new(store.clone());
    let clinician = svc
        .store
        .create_user("c@x.org", "C", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store
        .set_clinician_approved(clinician, true)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(patient(&svc, i, clinician).await);
    }
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut today = START + Duration::days(60);
    let mut changed = 0;
    for round in 0..60 {
        // Between two reads: nothing, one change, or more than the list rebuilds patient by
        // patient (so both ways of refreshing are exercised).
        let writes = [0, 1, 2, 30][next(4) as usize];
        for _ in 0..writes {
            let id = ids[next(ids.len() as u64) as usize];
            let writer = if next(2) == 0 { &svc } else { &other_process };
            let load = svc.store.programme(id).await.unwrap().unwrap().state.start;
            let pain = next(7) as u8;
            let log = SessionLog {
                pain_during: Pain::new(pain).unwrap(),
                pain_after: Pain::new(pain).unwrap(),
                dizziness: next(8) == 0,
                ..SessionLog::clean(today - Duration::days(next(20) as i64), &load)
            };
            if writer.log_session(id, log, id, today).await.is_ok() {
                changed += 1;
            }
            if next(6) == 0 {
                let _ = writer.pause(clinician, id, today).await;
            }
        }
        if round % 10 == 9 {
            today += Duration::days(1);
        }
        let remembered = svc.patients(clinician, today).await.unwrap();
        let fresh = Service::new(store.clone())
            .patients(clinician, today)
            .await
            .unwrap();
        assert_eq!(remembered, fresh, "round {round}, {today}");
    }
    assert!(
        changed > 100,
        "the rounds change the programmes ({changed})"
    );
}
