//! Issue 12. Clearance: only a linked person's clinician records their clearance; an
//! unlinked person's own word is kept as self-attested (supervised start, said so), and a
//! clinician who clears someone chooses the tier they start in. Red flags: they pause the
//! programme, tell the person to contact their clinician and flag the patient.

mod common;

use common::knee_profile;
use retrowalk_core::*;
use retrowalk_service::*;
use retrowalk_store::{both_backends, Role, Store, UserId};
use time::macros::date;
use time::Date;

const MON: Date = date!(2026 - 01 - 05);

/// Answers that call for clearance (SCR-03), with the person saying they were cleared.
fn cleared_by_own_word() -> Profile {
    let mut p = knee_profile(58);
    p.flags.poor_balance_or_falls = true;
    p.clearance = true;
    p
}

async fn person(svc: &Service, email: &str) -> UserId {
    svc.store
        .create_user(email, "Pat", None, Role::Person)
        .await
        .unwrap()
}

async fn linked_pair(svc: &Service) -> (UserId, UserId) {
    let doc = svc
        .store
        .create_user("doc@x.org", "Dr Okafor", None, Role::Clinician)
        .await
        .unwrap();
    svc.store.set_clinician_approved(doc, true).await.unwrap();
    let me = person(svc, "p@x.org").await;
    svc.store.create_invite("INV", doc, 3600).await.unwrap();
    svc.store.accept_invite("INV", me).await.unwrap();
    (doc, me)
}

async fn a_linked_person_cannot_clear_themselves(store: Store) {
    let svc = Service::new(store);
    let (_doc, me) = linked_pair(&svc).await;
    let mut claimed = cleared_by_own_word();
    // Whatever the answers claim about who cleared them.
    claimed.clearance_by = Some(ClearedBy::Clinician {
        tier: Tier::Standard,
    });
    let err = svc.onboard(me, claimed, MON).await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::Forbidden(m) if m.contains("clinician records your clearance")),
        "{err:?}"
    );
    assert!(svc.store.programme(me).await.unwrap().is_none());
    assert!(svc
        .store
        .profile(me)
        .await
        .unwrap()
        .is_none_or(|p| !p.clearance));
}

async fn an_unlinked_person_self_attests_and_starts_supervised(store: Store) {
    let svc = Service::new(store);
    let me = person(&svc, "solo@x.org").await;
    let mut claimed = cleared_by_own_word();
    claimed.clearance_by = Some(ClearedBy::Clinician {
        tier: Tier::Standard,
    });
    let on = svc.onboard(me, claimed, MON).await.unwrap();
    assert!(on.programme_started);
    assert_eq!(on.screening.tier, Tier::Supervised);
    assert!(on.screening.clearance_self_attested);
    let stored = svc.store.profile(me).await.unwrap().unwrap();
    assert_eq!(stored.clearance_by, Some(ClearedBy::SelfAttested));
    let prog = svc.store.programme(me).await.unwrap().unwrap();
    assert_eq!(prog.state.tier, Tier::Supervised);
    let today = svc.today(me, MON).await.unwrap();
    assert!(today.clearance_self_attested);
    assert!(on
        .screening
        .reasons
        .iter()
        .any(|r| r.rule == Rule::Scr14SelfAttestedClearance && r.text.contains("self-attested")));
    // Sending the same answers again keeps it self-attested.
    let again = svc.onboard(me, cleared_by_own_word(), MON).await.unwrap();
    assert!(again.screening.clearance_self_attested);
}

async fn the_clinician_chooses_the_tier_when_clearing(store: Store) {
    let svc = Service::new(store);
    let (doc, me) = linked_pair(&svc).await;
    let mut waiting = cleared_by_own_word();
    waiting.clearance = false;
    assert!(
        !svc.onboard(me, waiting, MON)
            .await
            .unwrap()
            .programme_started
    );
    assert!(svc
        .record_clearance_in_tier(doc, me, MON, Some("seen in clinic"), Tier::Caution)
        .await
        .unwrap());
    let prog = svc.store.programme(me).await.unwrap().unwrap();
    assert_eq!(prog.state.tier, Tier::Caution);
    let s = svc.screening(me).await.unwrap();
    assert_eq!(s.tier, Tier::Caution);
    assert!(!s.clearance_self_attested);
    // The patient re-sending their answers (clearance ticked, as the form shows it)
    // neither loses the clinician's clearance nor is refused.
    let on = svc.onboard(me, cleared_by_own_word(), MON).await.unwrap();
    assert_eq!(on.screening.tier, Tier::Caution);
    assert!(!on.screening.clearance_self_attested);
    // A clearance never starts anyone in the clearance tier.
    assert!(matches!(
        svc.record_clearance_in_tier(doc, me, MON, None, Tier::ClearanceRequired)
            .await,
        Err(ServiceError::Invalid(_))
    ));
}

async fn red_flags_pause_and_flag_the_patient(store: Store) {
    let svc = Service::new(store);
    let (doc, me) = linked_pair(&svc).await;
    assert!(
        svc.onboard(me, knee_profile(58), MON)
            .await
            .unwrap()
            .programme_started
    );
    // One STOP for discomfort is flagged, no longer "nothing".
    let load = svc.today(me, MON).await.unwrap().planned.unwrap().load;
    let log = SessionLog {
        stopped_early: Some(StopReason::Discomfort),
        backward_s: 60,
        ..SessionLog::clean(MON, &load)
    };
    svc.log_session(me, log, me, MON).await.unwrap();
    let flags = svc.patients(doc, MON).await.unwrap()[0].flags.clone();
    assert!(
        flags.iter().any(
            |f| matches!(f, Flag::SafetyEvent { what, .. } if what == "Stopped for discomfort")
        ),
        "{flags:?}"
    );
    // Dizziness with a near-fall pauses and says who to contact.
    let wed = MON + time::Duration::days(2);
    let load = svc.today(me, wed).await.unwrap().planned.unwrap().load;
    let log = SessionLog {
        dizziness: true,
        near_fall: true,
        ..SessionLog::clean(wed, &load)
    };
    let (d, _) = svc.log_session(me, log, me, wed).await.unwrap();
    assert_eq!(d.outcome, Outcome::Paused, "{d:?}");
    let today = svc.today(me, wed).await.unwrap();
    match &today.status {
        Status::Paused { reason } => {
            assert!(reason.contains("contact your clinician"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let flags = svc.patients(doc, wed).await.unwrap()[0].flags.clone();
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::RedFlag { what } if what.contains("near-fall"))),
        "{flags:?}"
    );
    assert!(
        !flags.contains(&Flag::Paused),
        "one flag says it: {flags:?}"
    );
}

/// Issue 14's rule for tiers holds for clearance: a second clinician cannot clear the
/// patient into a lower tier than the one the first chose.
async fn a_second_clinician_cannot_clear_into_a_lower_tier(store: Store) {
    let svc = Service::new(store);
    let (doc, me) = linked_pair(&svc).await;
    let other = svc
        .store
        .create_user("doc2@x.org", "Dr Lin", None, Role::Clinician)
        .await
        .unwrap();
    svc.store.set_clinician_approved(other, true).await.unwrap();
    svc.store.create_invite("INV2", other, 3600).await.unwrap();
    svc.store.accept_invite("INV2", me).await.unwrap();
    let mut waiting = cleared_by_own_word();
    waiting.clearance = false;
    svc.onboard(me, waiting, MON).await.unwrap();
    assert!(svc
        .record_clearance_in_tier(doc, me, MON, None, Tier::Supervised)
        .await
        .unwrap());
    let err = svc
        .record_clearance_in_tier(other, me, MON, None, Tier::Standard)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::SetByAnother(_)), "{err:?}");
    assert_eq!(
        svc.store.programme(me).await.unwrap().unwrap().state.tier,
        Tier::Supervised
    );
    // The clinician who chose it may change their mind.
    svc.record_clearance_in_tier(doc, me, MON, None, Tier::Caution)
        .await
        .unwrap();
    assert_eq!(
        svc.store.programme(me).await.unwrap().unwrap().state.tier,
        Tier::Caution
    );
}

both_backends!(
    a_second_clinician_cannot_clear_into_a_lower_tier,
    red_flags_pause_and_flag_the_patient,
    a_linked_person_cannot_clear_themselves,
    an_unlinked_person_self_attests_and_starts_supervised,
    the_clinician_chooses_the_tier_when_clearing,
);
