mod common;

use common::knee_profile;
use retrowalk_core::*;
use retrowalk_service::*;
use retrowalk_store::Role;
use time::macros::date;

async fn service() -> (Service, tempfile::TempDir) {
    let (dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    (Service::new(store), dir)
}

/// Pat, a person with an account and nothing else yet.
async fn pat(svc: &Service) -> retrowalk_store::UserId {
    svc.store
        .create_user("p@x.org", "Pat", None, Role::Person)
        .await
        .unwrap()
}

const MON: time::Date = date!(2026 - 01 - 05);

#[tokio::test]
async fn onboarding_logging_and_the_next_session() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    assert_eq!(svc.today(me, MON).await.unwrap().status, Status::NoProfile);
    let o = svc.onboard(me, knee_profile(50), MON).await.unwrap();
    assert!(o.programme_started);
    assert_eq!(o.screening.tier, Tier::Caution);

    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(t.status, Status::Active);
    assert_eq!(t.next_date, Some(MON));
    assert_eq!(
        t.adherence,
        Adherence {
            done: 0,
            planned: 3,
            extra: 0
        }
    );
    let plan = t.plan.unwrap();
    assert_eq!(plan.backward_s(), 240);

    let log = SessionLog {
        pain_during: Pain::new(6).unwrap(),
        ..SessionLog::clean(MON, &plan.load)
    };
    let (d, why) = svc.log_session(me, log, me, MON).await.unwrap();
    assert_eq!(d.outcome, Outcome::StepBack);
    assert!(why.contains("6/10"), "{why}");

    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(
        t.next_date,
        Some(date!(2026 - 01 - 07)),
        "today's session is done"
    );
    assert_eq!(t.adherence.done, 1);
    assert_eq!(t.last_reason.as_deref(), Some(why.as_str()));
    assert_eq!(t.plan.unwrap().backward_s(), 120);
    let t2 = svc.today(me, date!(2026 - 01 - 06)).await.unwrap();
    assert_eq!(t2.morning_check_due, Some(MON));

    let future = SessionLog::clean(date!(2026 - 02 - 01), &plan.load);
    assert!(matches!(
        svc.log_session(me, future, me, MON).await,
        Err(ServiceError::Invalid(_))
    ));

    let p = svc.progress(me).await.unwrap();
    assert_eq!(p.sessions.len(), 1);
    assert_eq!(p.weeks.len(), 1);
    assert!((p.weeks[0].backward_min - 4.0).abs() < 1e-9);
    assert!(p.sessions[0].kcal > 0.0);
    let up = svc.upcoming(me, MON, 2).await.unwrap();
    assert_eq!(
        up[0].date,
        date!(2026 - 01 - 07),
        "starts after the logged session"
    );
    assert_eq!(up[0].load.backward_s, 120);
    assert!(up
        .windows(2)
        .all(|w| w[1].load.backward_s <= w[0].load.backward_s + 120));
}

#[tokio::test]
async fn clearance_clinician_caps_flags_and_audit() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    let other = svc
        .store
        .create_user("q@x.org", "Q", None, Role::Person)
        .await
        .unwrap();
    let doc = svc
        .store
        .create_user("c@x.org", "Dr Who", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store.set_clinician_approved(doc, true).await.unwrap();
    let mut p = knee_profile(70);
    p.flags.poor_balance_or_falls = true;
    let o = svc.onboard(me, p, MON).await.unwrap();
    assert!(!o.programme_started);
    assert_eq!(
        svc.today(me, MON).await.unwrap().status,
        Status::NeedsClearance
    );

    // Not linked yet: refused.
    assert!(matches!(
        svc.record_clearance(doc, me, MON).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(!svc.can_access(doc, me).await.unwrap());
    assert!(!svc.can_access(other, me).await.unwrap());
    svc.store.create_invite("INV", doc, 3600).await.unwrap();
    svc.store.accept_invite("INV", me).await.unwrap();
    assert!(svc.can_access(doc, me).await.unwrap());
    assert!(svc.record_clearance(doc, me, MON).await.unwrap());
    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(t.status, Status::Active);
    assert_eq!(t.tier, Some(Tier::Supervised));
    assert!(t.plan.unwrap().checklist.iter().any(|i| i.id == "spotter"));

    let caps = ClinicianCaps {
        max_backward_s: Some(120),
        ..Default::default()
    };
    let stale = Some(0);
    assert!(
        svc.set_caps(doc, me, caps, stale).await.is_err(),
        "stale version refused"
    );
    svc.set_caps(doc, me, caps, Some(t.seq)).await.unwrap();
    assert_eq!(
        svc.today(me, MON).await.unwrap().plan.unwrap().backward_s(),
        120
    );
    assert!(svc.set_caps(other, me, caps, None).await.is_err());

    let audit = svc.audit(me).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.who == "Dr Who" && a.what.contains("max backward time 2 min")),
        "{audit:?}"
    );

    // A dizzy stop and then silence raise flags.
    let plan = svc.today(me, MON).await.unwrap().plan.unwrap();
    let log = SessionLog {
        stopped_early: Some(StopReason::Dizziness),
        ..SessionLog::clean(MON, &plan.load)
    };
    svc.log_session(me, log, me, MON).await.unwrap();
    let flags = svc.patient_flags(me, date!(2026 - 01 - 16)).await.unwrap();
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::SafetyEvent { what, .. } if what == "Dizziness")),
        "{flags:?}"
    );
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::NoLogFor { days: 11 })),
        "{flags:?}"
    );
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::MissedSessions { .. })),
        "{flags:?}"
    );
    let list = svc.patients(doc, date!(2026 - 01 - 16)).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Pat");
}

/// What people write is kept: session notes in the history, and a clinician's clearance
/// note and pause reason in the audit trail and on the patient's paused status.
#[tokio::test]
async fn notes_reasons_and_clearance_notes_are_kept_and_shown() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    let doc = svc
        .store
        .create_user("c@x.org", "Dr Who", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store.set_clinician_approved(doc, true).await.unwrap();
    let mut p = knee_profile(70);
    p.flags.poor_balance_or_falls = true;
    svc.onboard(me, p, MON).await.unwrap();
    svc.store.create_invite("INV", doc, 3600).await.unwrap();
    svc.store.accept_invite("INV", me).await.unwrap();
    assert!(svc
        .record_clearance_noted(doc, me, MON, Some(" Assessed in clinic on 2 Jan "))
        .await
        .unwrap());

    let plan = svc.today(me, MON).await.unwrap().plan.unwrap();
    let log = SessionLog::clean(MON, &plan.load);
    svc.log_session_noted(me, log, me, MON, Some("Right knee stiff at the start"))
        .await
        .unwrap();
    let wed = date!(2026 - 01 - 07);
    let plan = svc.today(me, wed).await.unwrap().plan.unwrap();
    // Blank notes are not kept as notes.
    svc.log_session_noted(me, SessionLog::clean(wed, &plan.load), me, wed, Some("  "))
        .await
        .unwrap();
    svc.pause_with_reason(doc, me, wed, Some("swelling reported by phone"))
        .await
        .unwrap();

    let history = svc.history(me).await.unwrap();
    let sessions: Vec<_> = history
        .iter()
        .filter(|h| matches!(h.event, Event::Session(_)))
        .collect();
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[0].note.as_deref(),
        Some("Right knee stiff at the start")
    );
    assert_eq!(sessions[1].note, None);

    let audit = svc.audit(me).await.unwrap();
    let paused = audit.iter().find(|a| a.what.contains("Paused")).unwrap();
    assert_eq!(paused.who, "Dr Who");
    assert_eq!(paused.note.as_deref(), Some("swelling reported by phone"));
    let cleared = audit.iter().find(|a| a.what.contains("clearance")).unwrap();
    assert_eq!(cleared.note.as_deref(), Some("Assessed in clinic on 2 Jan"));

    match svc.today(me, wed).await.unwrap().status {
        Status::Paused { reason } => {
            assert_eq!(reason, "by your clinician: swelling reported by phone")
        }
        other => panic!("expected paused, got {other:?}"),
    }
}

/// Re-screening that now calls for clearance stops the sessions until a clinician records
/// it; the retier that clearance brings is the clinician's act, with their note.
#[tokio::test]
async fn a_rescreen_that_needs_clearance_holds_the_programme() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    let doc = svc
        .store
        .create_user("c@x.org", "Dr Who", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store.set_clinician_approved(doc, true).await.unwrap();
    assert!(
        svc.onboard(me, knee_profile(50), MON)
            .await
            .unwrap()
            .programme_started
    );
    assert_eq!(svc.today(me, MON).await.unwrap().status, Status::Active);

    let mut p = knee_profile(50);
    p.flags.vestibular_or_dizziness = true;
    p.flags.poor_balance_or_falls = true;
    p.flags.neurological = true;
    let o = svc.onboard(me, p, MON).await.unwrap();
    assert_eq!(o.screening.tier, Tier::ClearanceRequired);
    assert!(!o.programme_started);
    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(t.status, Status::NeedsClearance);
    assert_eq!(t.tier, Some(Tier::ClearanceRequired));
    assert!(t.plan.is_none());
    assert!(matches!(
        svc.plan_for(me, MON).await,
        Err(ServiceError::NeedsClearance)
    ));
    assert!(svc.upcoming(me, MON, 4).await.unwrap().is_empty());

    svc.store.create_invite("INV", doc, 3600).await.unwrap();
    svc.store.accept_invite("INV", me).await.unwrap();
    assert!(svc
        .record_clearance_noted(doc, me, MON, Some("Vestibular review normal"))
        .await
        .unwrap());
    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(t.status, Status::Active);
    assert_eq!(t.tier, Some(Tier::Supervised));
    let audit = svc.audit(me).await.unwrap();
    let retier = audit
        .iter()
        .find(|a| a.what.contains("tier"))
        .expect("the retier shows in the patient's audit trail");
    assert_eq!(retier.who, "Dr Who");
    assert_eq!(retier.note.as_deref(), Some("Vestibular review normal"));
}

/// Two sessions logged at the same instant: the writer appends one and sends the other
/// back to retry on the newer programme. Each answer's Today is the week its own write
/// left, and the later one is what a fresh read gives (both sessions done).
#[tokio::test]
async fn two_logs_at_once_each_answer_with_the_week_they_left() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    svc.onboard(me, knee_profile(50), MON).await.unwrap();
    let load = svc.today(me, MON).await.unwrap().planned.unwrap().load;
    let wed = MON + time::Duration::days(2);
    let (a, b) = tokio::join!(
        svc.log_session_today(me, SessionLog::clean(MON, &load), me, wed, None, wed, None),
        svc.log_session_today(me, SessionLog::clean(wed, &load), me, wed, None, wed, None),
    );
    let (a, b) = (a.unwrap().2, b.unwrap().2);
    let (first, last) = if a.seq < b.seq { (a, b) } else { (b, a) };
    assert_eq!(first.seq + 1, last.seq);
    assert_eq!(first.adherence.done, 1, "{first:?}");
    assert_eq!(last, svc.today(me, wed).await.unwrap());
    assert_eq!(last.adherence.done, 2, "{last:?}");
}

/// A session logged late, for an earlier week, joins its own week: progress never shows a
/// week twice or out of order (issue 11; it once tripped the ordering check).
#[tokio::test]
async fn a_back_dated_log_joins_its_own_week_in_progress() {
    let (svc, _d) = service().await;
    let me = pat(&svc).await;
    svc.onboard(me, knee_profile(50), MON).await.unwrap();
    let later = date!(2026 - 01 - 14);
    let load = svc.today(me, later).await.unwrap().plan.unwrap().load;
    svc.log_session(me, SessionLog::clean(later, &load), me, later)
        .await
        .unwrap();
    svc.log_session(me, SessionLog::clean(MON, &load), me, later)
        .await
        .unwrap();

    let p = svc.progress(me).await.unwrap();
    let starts: Vec<_> = p.weeks.iter().map(|w| w.week_start).collect();
    assert_eq!(
        starts,
        vec![MON, date!(2026 - 01 - 12)],
        "one row per week, in order"
    );
    assert_eq!(
        p.weeks.iter().map(|w| w.sessions).collect::<Vec<_>>(),
        vec![1, 1]
    );
    let dates: Vec<_> = p.sessions.iter().map(|s| s.date).collect();
    assert_eq!(dates, vec![MON, later], "sessions in date order");
}
