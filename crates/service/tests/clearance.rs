//! A clinician's clearance always leaves an entry in the patient's history (who, when, the
//! note), whatever else it changes; and a patient waiting for clearance is flagged on the
//! patient list, with or without a programme, also when the list is remembered.

mod common;

use common::knee_profile;
use retrowalk_core::*;
use retrowalk_service::*;
use retrowalk_store::{both_backends, Role, Store, UserId};
use time::macros::date;
use time::{Date, Duration};

const MON: Date = date!(2026 - 01 - 05);

/// The same person's answers after a change that calls for clearance (SCR-13).
fn needs_clearance(age: u8) -> Profile {
    let mut p = knee_profile(age);
    p.flags.vestibular_or_dizziness = true;
    p.flags.poor_balance_or_falls = true;
    p.flags.neurological = true;
    p
}

async fn clinician(svc: &Service) -> UserId {
    let id = svc
        .store
        .create_user("c@x.org", "Dr Okafor", None, Role::Clinician)
        .await
        .unwrap();
    // Clinicians act once an administrator approves them (issue 14).
    svc.store.set_clinician_approved(id, true).await.unwrap();
    id
}

async fn patient_of(svc: &Service, doc: UserId, i: u32) -> UserId {
    let me = svc
        .store
        .create_user(&format!("p{i}@x.org"), "Pat", None, Role::Person)
        .await
        .unwrap();
    let code = format!("INV{i}");
    svc.store.create_invite(&code, doc, 3600).await.unwrap();
    svc.store.accept_invite(&code, me).await.unwrap();
    me
}

fn clearances(audit: &[AuditEntry]) -> Vec<&AuditEntry> {
    audit
        .iter()
        .filter(|a| a.what == "Recorded clearance")
        .collect()
}

/// A patient whose programme is running and whose tier clearance does not change: the
/// clearance is in the history (the patient's audit trail and history, the clinician's
/// page read the same), with the clinician's name and note, and the programme is as it was.
async fn clearance_of_a_running_programme_is_recorded(store: Store) {
    let svc = Service::new(store);
    let doc = clinician(&svc).await;
    let me = patient_of(&svc, doc, 0).await;
    assert!(
        svc.onboard(me, knee_profile(58), MON)
            .await
            .unwrap()
            .programme_started
    );
    let before = svc.store.programme(me).await.unwrap().unwrap();
    let t0 = retrowalk_store::now();
    assert!(svc
        .record_clearance_noted(doc, me, MON, Some("  Knee reviewed in clinic; carry on  "))
        .await
        .unwrap());

    let after = svc.store.programme(me).await.unwrap().unwrap();
    assert_eq!(
        after.state, before.state,
        "the programme itself is unchanged"
    );
    assert_eq!(after.seq, before.seq + 1, "one entry in its history");
    assert_eq!(svc.store.replay(me).await.unwrap(), after.state);

    let audit = svc.audit(me).await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].who, "Dr Okafor");
    assert_eq!(audit[0].what, "Recorded clearance");
    assert_eq!(
        audit[0].note.as_deref(),
        Some("Knee reviewed in clinic; carry on")
    );
    assert!(
        (t0..=retrowalk_store::now()).contains(&audit[0].at),
        "{audit:?}"
    );
    let last = svc.history(me).await.unwrap().pop().unwrap();
    assert_eq!(last.event, Event::ClearanceRecorded { date: MON });
    assert_eq!(last.actor_id, Some(doc));
    assert_eq!(last.actor_name.as_deref(), Some("Dr Okafor"));
    assert_eq!(last.decision, None);
    assert_eq!(svc.today(me, MON).await.unwrap().status, Status::Active);

    // Each clearance is its own act: a second one, without a note, is a second entry.
    svc.record_clearance(doc, me, MON + Duration::days(2))
        .await
        .unwrap();
    let audit = svc.audit(me).await.unwrap();
    let cleared = clearances(&audit);
    assert_eq!(cleared.len(), 2, "{audit:?}");
    assert_eq!(cleared[0].note, None, "newest first");
    assert!(cleared.iter().all(|a| a.who == "Dr Okafor"));
}

/// A re-screening into the clearance tier, cleared: the tier clearance brings and the
/// clearance itself are both the clinician's, with the note. For someone already
/// supervised (at 80) clearance brings no new tier, and the clearance is recorded all the
/// same.
async fn clearance_after_a_rescreen_is_recorded_with_or_without_a_new_tier(store: Store) {
    let svc = Service::new(store);
    let doc = clinician(&svc).await;
    for (i, age) in [(0, 58), (1, 80)] {
        let me = patient_of(&svc, doc, i).await;
        svc.onboard(me, knee_profile(age), MON).await.unwrap();
        let tier = svc.store.programme(me).await.unwrap().unwrap().state.tier;
        let o = svc.onboard(me, needs_clearance(age), MON).await.unwrap();
        assert_eq!(o.screening.tier, Tier::ClearanceRequired);
        svc.record_clearance_noted(doc, me, MON, Some("Vestibular review normal"))
            .await
            .unwrap();
        let state = svc.store.programme(me).await.unwrap().unwrap().state;
        assert_eq!(state.tier, Tier::Supervised);
        let audit = svc.audit(me).await.unwrap();
        let cleared = clearances(&audit);
        assert_eq!(cleared.len(), 1, "age {age}: {audit:?}");
        assert_eq!(cleared[0].who, "Dr Okafor");
        assert_eq!(cleared[0].note.as_deref(), Some("Vestibular review normal"));
        let retiered = audit.iter().any(|a| a.what.starts_with("Changed tier"));
        assert_eq!(retiered, tier != Tier::Supervised, "age {age}: {audit:?}");
        assert_eq!(svc.store.replay(me).await.unwrap(), state);
    }
}

/// The clearance that starts a programme is recorded as a clearance, not as limits set.
async fn clearance_that_starts_the_programme_is_recorded(store: Store) {
    let svc = Service::new(store);
    let doc = clinician(&svc).await;
    let me = patient_of(&svc, doc, 0).await;
    assert!(
        !svc.onboard(me, needs_clearance(58), MON)
            .await
            .unwrap()
            .programme_started
    );
    assert!(svc
        .record_clearance_noted(doc, me, MON, Some("Seen in clinic"))
        .await
        .unwrap());
    let history = svc.history(me).await.unwrap();
    let kinds: Vec<&Event> = history.iter().map(|h| &h.event).collect();
    assert_eq!(kinds, [&Event::ClearanceRecorded { date: MON }]);
    let audit = svc.audit(me).await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].note.as_deref(), Some("Seen in clinic"));
    let t = svc.today(me, MON).await.unwrap();
    assert_eq!(t.status, Status::Active);
    assert_eq!(
        t.last_reason, None,
        "no 'your clinician changed your limits'"
    );
}

/// A backup carries the clearance, and restoring it keeps who, when and the note.
async fn backup_and_restore_keep_the_clearance(store: Store) {
    let svc = Service::new(store);
    let doc = clinician(&svc).await;
    let me = patient_of(&svc, doc, 0).await;
    svc.onboard(me, knee_profile(58), MON).await.unwrap();
    svc.record_clearance_noted(doc, me, MON, Some("Cleared by phone"))
        .await
        .unwrap();
    let audit = svc.audit(me).await.unwrap();
    let b = svc.store.backup(me).await.unwrap();
    let e = b.events.last().unwrap();
    assert_eq!(e.data["kind"], "clearance_recorded");
    assert_eq!(e.actor.as_deref(), Some("c@x.org"));
    assert_eq!(e.note.as_deref(), Some("Cleared by phone"));

    let file = serde_json::to_vec(&b).unwrap();
    let read = parse_backup(&file).unwrap();
    svc.restore_backup(me, &read, true).await.unwrap();
    assert_eq!(svc.audit(me).await.unwrap(), audit);
    assert_eq!(
        svc.store.replay(me).await.unwrap(),
        svc.store.programme(me).await.unwrap().unwrap().state
    );
}

fn waiting(flags: &[Flag]) -> bool {
    flags.contains(&Flag::NeedsClearance)
}

/// The list, remembered between requests, must equal one made from scratch and agree with
/// the patient's own page.
async fn list_agrees(
    svc: &Service,
    store: &Store,
    doc: UserId,
    today: Date,
) -> Vec<PatientSummary> {
    let remembered = svc.patients(doc, today).await.unwrap();
    let fresh = Service::new(store.clone())
        .patients(doc, today)
        .await
        .unwrap();
    assert_eq!(remembered, fresh);
    for s in &remembered {
        let page = svc.today(s.id, today).await.unwrap();
        assert_eq!(
            waiting(&s.flags),
            page.status == Status::NeedsClearance,
            "{s:?} against {page:?}"
        );
        assert_eq!(svc.patient_flags(s.id, today).await.unwrap(), s.flags);
    }
    remembered
}

/// A patient who re-screens into the clearance tier while their programme runs is shown
/// waiting for clearance on the list, as on their page; answers corrected back, or
/// clearance recorded, take the flag away. All within a second or so, so the remembered
/// summaries are only right if each profile save moves the programme's version.
async fn a_rescreen_into_clearance_flags_the_patient_list(store: Store) {
    let svc = Service::new(store.clone());
    let doc = clinician(&svc).await;
    let me = patient_of(&svc, doc, 0).await;
    svc.onboard(me, knee_profile(58), MON).await.unwrap();
    let list = list_agrees(&svc, &store, doc, MON).await;
    assert!(!waiting(&list[0].flags), "{list:?}");

    svc.onboard(me, needs_clearance(58), MON).await.unwrap();
    let list = list_agrees(&svc, &store, doc, MON).await;
    assert_eq!(list[0].flags[0], Flag::NeedsClearance, "{list:?}");
    assert_eq!(list[0].flags[0].describe(), "Waiting for clearance");

    // The answers corrected: no clearance needed after all.
    svc.onboard(me, knee_profile(58), MON).await.unwrap();
    let list = list_agrees(&svc, &store, doc, MON).await;
    assert!(!waiting(&list[0].flags), "{list:?}");

    svc.onboard(me, needs_clearance(58), MON).await.unwrap();
    assert!(waiting(&list_agrees(&svc, &store, doc, MON).await[0].flags));
    svc.record_clearance(doc, me, MON).await.unwrap();
    assert!(!waiting(
        &list_agrees(&svc, &store, doc, MON).await[0].flags
    ));
}

/// More patients changed than the list rebuilds one by one (12): the whole list is made
/// in a few queries, and flags every one waiting for clearance, with a programme or
/// without.
async fn the_whole_list_flags_everyone_waiting_for_clearance(store: Store) {
    let svc = Service::new(store.clone());
    let doc = clinician(&svc).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let me = patient_of(&svc, doc, i).await;
        // Every fourth never had a programme; the others had one before re-screening.
        if i % 4 != 0 {
            svc.onboard(me, knee_profile(58), MON).await.unwrap();
        }
        ids.push(me);
    }
    let list = list_agrees(&svc, &store, doc, MON).await;
    assert_eq!(list.len(), 20);
    assert!(!list.iter().any(|s| waiting(&s.flags)), "{list:?}");
    // 15 re-screen (10 of them with a remembered summary), so the list is made whole.
    let rescreened = |i: usize| i % 4 != 1;
    for (i, &me) in ids.iter().enumerate() {
        if rescreened(i) {
            svc.onboard(me, needs_clearance(58), MON).await.unwrap();
        }
    }
    let list = list_agrees(&svc, &store, doc, MON).await;
    for (i, s) in list.iter().enumerate() {
        assert_eq!(waiting(&s.flags), rescreened(i), "patient {i}: {s:?}");
    }
}

both_backends!(
    clearance_of_a_running_programme_is_recorded,
    clearance_after_a_rescreen_is_recorded_with_or_without_a_new_tier,
    clearance_that_starts_the_programme_is_recorded,
    backup_and_restore_keep_the_clearance,
    a_rescreen_into_clearance_flags_the_patient_list,
    the_whole_list_flags_everyone_waiting_for_clearance,
);
