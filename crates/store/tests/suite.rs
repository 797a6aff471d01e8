//! One store test suite, run against SQLite and against PostgreSQL.
//! PostgreSQL comes from `RETROWALK_TEST_PG` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`); `.ci/run` starts a server and sets it.
//! Each test gets a database of its own.

use retrowalk_core::*;
use retrowalk_store::*;
use time::macros::date;

fn profile() -> Profile {
    Profile {
        sex: Some(Sex::Female),
        units: Units::Kmh,
        knee: KneeCondition::Osteoarthritis,
        knee_pain: Pain::new(3).unwrap(),
        backward_walk_test_s: Some(3.2),
        ..Profile::new(
            "Ada",
            Age::new(58).unwrap(),
            BodyMass::from_kg(72.0).unwrap(),
            Goal::KneeRehab,
        )
    }
}

async fn person_with_programme(store: &Store, email: &str) -> (UserId, Progression) {
    testing::person_with_programme(store, email, &profile()).await
}

async fn profiles_and_users(store: Store) {
    let id = store
        .create_user("Ada@Example.org ", "Ada", Some("hash"), Role::Person)
        .await
        .unwrap();
    let u = store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.id, id);
    assert_eq!(u.role, Role::Person);
    assert_eq!(u.password_hash.as_deref(), Some("hash"));
    let dup = store
        .create_user("ada@example.org", "Other", None, Role::Person)
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("already exists")),
        "{dup:?}"
    );

    assert_eq!(store.profile(id).await.unwrap(), None);
    store.save_profile(id, &profile()).await.unwrap();
    assert_eq!(store.profile(id).await.unwrap(), Some(profile()));
    let mut bad = profile();
    bad.name = " ".into();
    let err = store.save_profile(id, &bad).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("name must be between 1 and 80 characters"),
        "{err}"
    );
    // The refused write changed nothing.
    assert_eq!(store.profile(id).await.unwrap(), Some(profile()));

    let a = store.local_user().await.unwrap();
    assert_eq!(store.local_user().await.unwrap(), a);
}

async fn events_fold_into_state(store: Store) {
    let (id, mut expected) = person_with_programme(&store, "p@x.org").await;
    let again = store
        .start_programme(id, &expected, date!(2026 - 01 - 05), false)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    let clinician = store
        .create_user("c@x.org", "Dr C", None, Role::Clinician)
        .await
        .unwrap();
    let dates = expected.schedule.dates(date!(2026 - 01 - 05), 3);
    for (i, d) in dates.iter().enumerate() {
        let load = expected.plan_for(*d).unwrap().load;
        let ev = Event::Session(SessionLog::clean(*d, &load));
        let want = expected.apply(&ev);
        let rec = store.record(id, &ev, Some(id)).await.unwrap();
        assert_eq!(rec.seq, i as i64 + 1);
        assert_eq!(rec.decision, want);
        assert_eq!(rec.state, expected);
    }
    let caps = ClinicianCaps {
        max_speed: Some(Speed::from_kmh(1.5).unwrap()),
        ..Default::default()
    };
    store
        .record(id, &Event::CapsSet { caps }, Some(clinician))
        .await
        .unwrap();
    expected.apply(&Event::CapsSet { caps });

    let stored = store.programme(id).await.unwrap().unwrap();
    assert_eq!(stored.state, expected);
    assert_eq!(stored.seq, dates.len() as i64 + 1);
    assert_eq!(store.replay(id).await.unwrap(), expected);
    let evs = store.events(id).await.unwrap();
    assert_eq!(evs.len(), dates.len() + 1);
    let last = evs.last().unwrap();
    assert_eq!(last.actor_id, Some(clinician));
    assert_eq!(last.actor_name.as_deref(), Some("Dr C"));
    assert!(matches!(last.event, Event::CapsSet { .. }));
    assert!(last.decision.is_some());
}

async fn stale_edits_are_refused_not_lost(store: Store) {
    let (id, _) = person_with_programme(&store, "p@x.org").await;
    let seq = store.programme(id).await.unwrap().unwrap().seq;
    let caps_a = ClinicianCaps {
        max_backward_s: Some(600),
        ..Default::default()
    };
    let caps_b = ClinicianCaps {
        max_backward_s: Some(300),
        ..Default::default()
    };
    store
        .record_if(id, &Event::CapsSet { caps: caps_a }, None, Some(seq))
        .await
        .unwrap();
    // A second clinician saving from the same, now stale, screen is told so.
    let err = store
        .record_if(id, &Event::CapsSet { caps: caps_b }, None, Some(seq))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("changed since you loaded it")),
        "{err}"
    );
    assert_eq!(
        store.programme(id).await.unwrap().unwrap().state.caps,
        caps_a
    );
}

async fn concurrent_writers_apply_every_event_once(store: Store) {
    let (id, _) = person_with_programme(&store, "p@x.org").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let caps = ClinicianCaps {
                max_backward_s: Some(300 + i * 30),
                ..Default::default()
            };
            s.record(id, &Event::CapsSet { caps }, None).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let evs = store.events(id).await.unwrap();
    let seqs: Vec<i64> = evs.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert_eq!(
        store.replay(id).await.unwrap(),
        store.programme(id).await.unwrap().unwrap().state
    );
}

async fn auth_sessions_throttling_and_links(store: Store) {
    let p = store
        .create_user("p@x.org", "P", None, Role::Person)
        .await
        .unwrap();
    let q = store
        .create_user("q@x.org", "Q", None, Role::Person)
        .await
        .unwrap();
    let c = store
        .create_user("c@x.org", "C", None, Role::Clinician)
        .await
        .unwrap();
    store
        .create_auth_session("h1", p, "csrf1", 3600, None)
        .await
        .unwrap();
    store
        .create_auth_session("h2", p, "csrf2", -1, None)
        .await
        .unwrap();
    assert_eq!(store.auth_session("h1").await.unwrap().unwrap().user_id, p);
    assert_eq!(store.auth_session("h2").await.unwrap(), None, "expired");
    store.revoke_auth_session("h1").await.unwrap();
    assert_eq!(store.auth_session("h1").await.unwrap(), None, "revoked");

    for n in 1..=3 {
        assert_eq!(store.note_login_failure("ip:1", 60).await.unwrap(), n);
    }
    assert_eq!(store.login_failures("ip:2", 60).await.unwrap(), 0);
    store.clear_login_failures("ip:1").await.unwrap();
    assert_eq!(store.login_failures("ip:1", 60).await.unwrap(), 0);

    store.create_invite("CODE1", c, 3600).await.unwrap();
    store.create_invite("OLD", c, -1).await.unwrap();
    assert!(!store.is_linked(c, p).await.unwrap());
    assert_eq!(store.accept_invite("CODE1", p).await.unwrap(), c);
    assert!(store.is_linked(c, p).await.unwrap());
    assert!(store.accept_invite("CODE1", q).await.is_err(), "used once");
    assert!(store.accept_invite("OLD", q).await.is_err(), "expired");
    assert!(!store.is_linked(c, q).await.unwrap());
    assert_eq!(store.patients_of(c).await.unwrap(), vec![p]);
    assert_eq!(store.clinicians_of(p).await.unwrap(), vec![c]);
}

async fn telemetry_is_kept_in_order_and_idempotent(store: Store) {
    let p = store
        .create_user("p@x.org", "P", None, Role::Person)
        .await
        .unwrap();
    store
        .start_run("run-1", p, &serde_json::json!({"segments": 3}))
        .await
        .unwrap();
    let samples: Vec<Sample> = (0..5)
        .map(|i| Sample {
            t_ms: i * 1000,
            speed_kmh: 1.6,
            incline_pct: if i % 2 == 0 { Some(0.0) } else { None },
            distance_m: i as f64 * 0.44,
            heart_rate: Some(90 + i as u8),
            rr_ms: if i == 3 { vec![650, 655] } else { vec![] },
        })
        .collect();
    store.append_samples("run-1", &samples[..3]).await.unwrap();
    store.append_samples("run-1", &samples[2..]).await.unwrap();
    assert_eq!(store.samples("run-1").await.unwrap(), samples);

    store.end_run("run-1", Some("user_stop")).await.unwrap();
    let runs = store.runs(p).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].stop_reason.as_deref(), Some("user_stop"));
    assert!(runs[0].ended_at.is_some());

    // A long batch (a restore, an import) goes in several statements; overlapping
    // batches still keep each second once.
    store
        .start_run("run-2", p, &serde_json::json!({}))
        .await
        .unwrap();
    let long: Vec<Sample> = (0..301)
        .map(|i| Sample {
            t_ms: i * 1000,
            speed_kmh: 1.0 + i as f64 / 1000.0,
            incline_pct: (i % 3 != 0).then_some(i as f64 / 100.0),
            distance_m: i as f64 * 0.3,
            heart_rate: (i % 5 != 0).then_some(80 + (i % 60) as u8),
            rr_ms: if i % 7 == 0 {
                vec![600 + i as u16]
            } else {
                vec![]
            },
        })
        .collect();
    store.append_samples("run-2", &long[..250]).await.unwrap();
    store.append_samples("run-2", &long[100..]).await.unwrap();
    assert_eq!(store.samples("run-2").await.unwrap(), long);
}

/// Notes travel with their event, absent notes stay absent, and a stale edit with a note
/// leaves no trace of it.
async fn notes_are_kept_with_their_events(store: Store) {
    let (id, prog) = person_with_programme(&store, "notes@x.org").await;
    let date = date!(2026 - 01 - 05);
    let log = SessionLog::clean(date, &prog.plan_for(date).unwrap().load);
    let text = "Left knee ached on the stairs after; O'Brien's rail was loose";
    store
        .record_noted(id, &Event::Session(log), Some(id), None, Some(text))
        .await
        .unwrap();
    store
        .record(id, &Event::Resumed { date }, Some(id))
        .await
        .unwrap();
    let stale = store
        .record_noted(
            id,
            &Event::Paused {
                date,
                by_clinician: true,
            },
            None,
            Some(0),
            Some("never stored"),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    let ev = store.events(id).await.unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].note.as_deref(), Some(text));
    assert_eq!(ev[1].note, None);
}

/// A varied history: sessions with every kind of outcome, morning checks, a clinician's
/// caps, a pause and resume, and a treadmill run with telemetry.
async fn generate_history(store: &Store) -> UserId {
    let (id, _) = person_with_programme(store, "hist@x.org").await;
    let doc = match store.user_by_email("doc@x.org").await.unwrap() {
        Some(u) => u.id,
        None => store
            .create_user("doc@x.org", "Dr D", None, Role::Clinician)
            .await
            .unwrap(),
    };
    let mut rng = 0x2545F4914F6CDD1Du64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut date = date!(2026 - 01 - 05);
    for i in 0..40 {
        date += time::Duration::days(1 + next(3) as i64);
        let state = store.programme(id).await.unwrap().unwrap().state;
        let Ok(planned) = state.plan_for(date) else {
            store
                .record(id, &Event::Resumed { date }, Some(doc))
                .await
                .unwrap();
            continue;
        };
        let mut log = SessionLog::clean(date, &planned.load);
        log.effort = Effort::new(next(9) as u8).unwrap();
        log.pain_during = Pain::new(next(7) as u8).unwrap();
        log.dizziness = next(15) == 0;
        log.stopped_early = if next(12) == 0 {
            Some(StopReason::Discomfort)
        } else {
            None
        };
        // Some sessions carry the person's notes, which a backup must keep.
        let note = (next(4) == 0).then(|| format!("session {i}: knee “fine”, rails ok"));
        store
            .record_noted(id, &Event::Session(log), Some(id), None, note.as_deref())
            .await
            .unwrap();
        if next(3) == 0 {
            store
                .record(
                    id,
                    &Event::MorningPain {
                        session_date: date,
                        pain: Pain::new(next(6) as u8).unwrap(),
                    },
                    Some(id),
                )
                .await
                .unwrap();
        }
        if i == 10 {
            let caps = ClinicianCaps {
                max_speed: Some(Speed::from_kmh(2.4).unwrap()),
                max_incline: Some(Incline::FLAT),
                max_backward_s: Some(900),
            };
            store
                .record(id, &Event::CapsSet { caps }, Some(doc))
                .await
                .unwrap();
        }
        if i == 20 {
            store
                .record_noted(
                    id,
                    &Event::Paused {
                        date,
                        by_clinician: true,
                    },
                    Some(doc),
                    None,
                    Some("review the left knee in clinic first"),
                )
                .await
                .unwrap();
        }
    }
    store
        .start_run("hist-run-1", id, &serde_json::json!({"load": "x"}))
        .await
        .unwrap();
    let samples: Vec<Sample> = (0..120)
        .map(|t| Sample {
            t_ms: t * 1000,
            speed_kmh: 1.6 + (t % 7) as f64 * 0.01,
            incline_pct: Some(0.5),
            distance_m: t as f64 * 0.45,
            heart_rate: Some(95 + (t % 20) as u8),
            rr_ms: vec![600 + t as u16],
        })
        .collect();
    store.append_samples("hist-run-1", &samples).await.unwrap();
    store
        .end_run("hist-run-1", Some("completed"))
        .await
        .unwrap();
    id
}

/// The first place two JSON values differ, for a readable failure.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value::*;
    match (a, b) {
        (Object(x), Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (va, vb) = (x.get(k).unwrap_or(&Null), y.get(k).unwrap_or(&Null));
                if let Some(d) = first_difference(va, vb, format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Array(x), Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(va, vb, format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

fn assert_same(a: &Backup, b: &Backup) {
    let (ja, jb) = (
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap(),
    );
    if let Some(d) = first_difference(&ja, &jb, String::new()) {
        panic!("backups differ at {d}");
    }
}

fn comparable(mut b: Backup) -> Backup {
    b.created_at = 0;
    for r in &mut b.runs {
        r.run.user_id = 0;
    }
    b
}

async fn backup_round_trip(from: Store, to: Store) {
    let id = generate_history(&from).await;
    let original = from.backup(id).await.unwrap();
    assert!(original.events.len() > 40);
    assert!(
        original.events.iter().filter(|e| e.note.is_some()).count() >= 2,
        "the history should carry notes for the round trip to prove anything"
    );
    // Through text, as it would travel in a file.
    let text = serde_json::to_string_pretty(&original).unwrap();
    let parsed: Backup = serde_json::from_str(&text).unwrap();
    let target = to
        .create_user("hist@x.org", "Ada", None, Role::Person)
        .await
        .unwrap();
    // The clinician has no account here, so nothing here can vouch for their changes:
    // they come back as history without an author (issue 14), everything else as it was.
    let mut original = original;
    for e in &mut original.events {
        if e.actor.as_deref() == Some("doc@x.org") {
            e.actor = None;
        }
    }
    to.restore(target, &parsed, false).await.unwrap();
    let restored = to.backup(target).await.unwrap();
    assert_same(&comparable(restored.clone()), &comparable(original.clone()));
    // Nor does a clinician who signs up here later become their author by a restore.
    let doc = to
        .create_user("doc@x.org", "Dr D", None, Role::Clinician)
        .await
        .unwrap();
    to.create_invite("DOCLINK1", doc, 3600).await.unwrap();
    to.accept_invite("DOCLINK1", target).await.unwrap();
    let err = to.restore(target, &parsed, true).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("doc@x.org")),
        "{err}"
    );
    assert_same(
        &comparable(to.backup(target).await.unwrap()),
        &comparable(original.clone()),
    );
    // The restored log still folds into the restored state.
    assert_eq!(
        to.replay(target).await.unwrap(),
        restored.programme.as_ref().unwrap().state
    );
    // A second restore without replace is refused and changes nothing.
    assert!(matches!(
        to.restore(target, &parsed, false).await,
        Err(StoreError::Conflict(_))
    ));
    to.restore(target, &restored, true).await.unwrap();
    assert_same(
        &comparable(to.backup(target).await.unwrap()),
        &comparable(original),
    );
}

#[tokio::test]
async fn backup_restores_losslessly_sqlite_to_sqlite() {
    let (_a, from) = retrowalk_store::testing::fresh_sqlite().await;
    let (_b, to) = retrowalk_store::testing::fresh_sqlite().await;
    backup_round_trip(from, to).await;
}

#[tokio::test]
async fn backup_moves_a_person_from_sqlite_to_postgres() {
    let Some(to) = retrowalk_store::testing::fresh_postgres("rw_test").await else {
        return;
    };
    let (_a, from) = retrowalk_store::testing::fresh_sqlite().await;
    backup_round_trip(from, to).await;
}

#[tokio::test]
async fn damaged_backups_are_refused_whole() {
    let (_a, s) = retrowalk_store::testing::fresh_sqlite().await;
    let id = generate_history(&s).await;
    let good = s.backup(id).await.unwrap();
    let other = s
        .create_user("new@x.org", "N", None, Role::Person)
        .await
        .unwrap();
    let mut bad = good.clone();
    bad.events[5].data = serde_json::json!({"kind": "teleport"});
    let err = s.restore(other, &bad, false).await.unwrap_err();
    assert!(err.to_string().contains("event 6 cannot be read"), "{err}");
    let mut gap = good.clone();
    gap.events.remove(3);
    assert!(s.restore(other, &gap, false).await.is_err());
    assert!(
        s.programme(other).await.unwrap().is_none(),
        "nothing half-restored"
    );
}

/// A backup restored into another account on the same database: the copy is the target's
/// alone. The original keeps its runs (the copy's get new ids, the same every time), and a
/// clinician who made no change to the target is never named as the author of the copy's
/// events: a file naming them is refused, one without their name restores unattributed.
async fn a_restore_belongs_to_its_target(s: Store) {
    let id = generate_history(&s).await;
    let mut b = s.backup(id).await.unwrap();
    let other = s
        .create_user("copy@x.org", "C", None, Role::Person)
        .await
        .unwrap();
    let err = s.restore(other, &b, false).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("doc@x.org")),
        "{err}"
    );
    assert!(s.programme(other).await.unwrap().is_none());
    for e in &mut b.events {
        if e.actor.as_deref() == Some("doc@x.org") {
            e.actor = None;
        }
    }
    s.restore(other, &b, false).await.unwrap();
    let mine = s.runs(id).await.unwrap();
    let theirs = s.runs(other).await.unwrap();
    assert!(!mine.is_empty());
    assert_eq!(mine.len(), theirs.len());
    for (a, c) in mine.iter().zip(&theirs) {
        assert_ne!(a.id, c.id);
        assert_eq!((a.user_id, c.user_id), (id, other));
        assert_eq!(
            s.samples(&a.id).await.unwrap(),
            s.samples(&c.id).await.unwrap()
        );
    }
    let original = s.events(id).await.unwrap();
    assert!(original.iter().any(|e| e.actor_id.is_some_and(|a| a != id)));
    let copy = s.events(other).await.unwrap();
    assert_eq!(copy.len(), original.len());
    assert!(copy
        .iter()
        .all(|e| e.actor_id.is_none() || e.actor_id == Some(other)));
    // Again, replacing: the same ids, nothing doubled.
    s.restore(other, &b, true).await.unwrap();
    let again = s.runs(other).await.unwrap();
    assert_eq!(
        again.iter().map(|r| &r.id).collect::<Vec<_>>(),
        theirs.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    // A file whose programme version disagrees with its events is refused, by field.
    let mut off = b.clone();
    off.programme.as_mut().unwrap().seq += 3;
    let err = s.restore(other, &off, true).await.unwrap_err();
    assert!(
        err.to_string().starts_with("programme.seq: expected"),
        "{err}"
    );
    let mut edited = b.clone();
    edited.programme.as_mut().unwrap().state = edited.programme.as_ref().unwrap().initial.clone();
    let err = s.restore(other, &edited, true).await.unwrap_err();
    assert!(
        err.to_string().starts_with("programme.state: expected"),
        "{err}"
    );
    let mut odd = b.clone();
    odd.runs[0].run.id = "../etc".into();
    let err = s.restore(other, &odd, true).await.unwrap_err();
    assert!(err.to_string().starts_with("runs[0].id"), "{err}");
}

/// An imported walk is one transaction: a fault in the middle of its telemetry leaves no
/// session, no run and no samples; without the fault it all lands, once; the same run or
/// another walk on the same day is then refused without writing anything.
async fn a_session_and_its_run_land_together_or_not_at_all(s: Store) {
    use sqlx::Executor;
    let (id, prog) = person_with_programme(&s, "imp@x.org").await;
    let day = date!(2026 - 01 - 05);
    let load = prog.plan_for(day).unwrap().load;
    let ev = Event::Session(SessionLog::clean(day, &load));
    let samples: Vec<Sample> = (0..50)
        .map(|i| Sample {
            t_ms: i * 1000,
            speed_kmh: 2.0,
            incline_pct: None,
            distance_m: i as f64,
            heart_rate: Some(100),
            rr_ms: Vec::new(),
        })
        .collect();
    let plan = serde_json::json!({"imported_from": "a.fit"});
    let run = NewRun {
        id: "fit-a",
        plan: &plan,
        stop_reason: Some("imported"),
        samples: &samples,
    };
    // The database refuses the 31st sample.
    let fault: &[&str] = match s.backend() {
        Backend::Sqlite => &[
            "CREATE TRIGGER fault BEFORE INSERT ON telemetry WHEN NEW.t_ms = 30000 \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION fault() RETURNS trigger AS $$ BEGIN IF NEW.t_ms = 30000 THEN \
             RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fault BEFORE INSERT ON telemetry FOR EACH ROW EXECUTE FUNCTION fault()",
        ],
    };
    for sql in fault {
        s.pool().execute(*sql).await.unwrap();
    }
    let err = s
        .record_with_run(id, &ev, Some(id), &run)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("injected fault"), "{err}");
    assert!(
        s.events(id).await.unwrap().is_empty(),
        "no session without its run"
    );
    assert_eq!(s.programme(id).await.unwrap().unwrap().seq, 0);
    assert!(s.runs(id).await.unwrap().is_empty());
    assert!(s.samples("fit-a").await.unwrap().is_empty());

    let unfault = match s.backend() {
        Backend::Sqlite => "DROP TRIGGER fault",
        Backend::Postgres => "DROP TRIGGER fault ON telemetry",
    };
    s.pool().execute(unfault).await.unwrap();
    let rec = s.record_with_run(id, &ev, Some(id), &run).await.unwrap();
    assert_eq!(rec.seq, 1);
    assert_eq!(s.events(id).await.unwrap().len(), 1);
    assert_eq!(s.runs(id).await.unwrap().len(), 1);
    assert_eq!(s.samples("fit-a").await.unwrap(), samples);

    let again = s
        .record_with_run(id, &ev, Some(id), &run)
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Conflict(m) if m.starts_with("already imported")),
        "{again}"
    );
    let other = NewRun { id: "fit-b", ..run };
    let same_day = s
        .record_with_run(id, &ev, Some(id), &other)
        .await
        .unwrap_err();
    assert!(
        matches!(&same_day, StoreError::Conflict(m) if m == "a session is already logged on 2026-01-05"),
        "{same_day}"
    );
    assert_eq!(s.events(id).await.unwrap().len(), 1);
    assert_eq!(s.runs(id).await.unwrap().len(), 1);
    assert!(s.samples("fit-b").await.unwrap().is_empty());
}

/// Many people starting programmes, logging and restoring at once: on SQLite a transaction
/// that read before writing used to fail with "database is locked" instead of waiting.
async fn simultaneous_writers_wait_instead_of_failing(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let (id, prog) = person_with_programme(&store, &format!("p{i}@example.org")).await;
            let load = prog.plan_for(date!(2026 - 01 - 05)).unwrap().load;
            let ev = Event::Session(SessionLog::clean(date!(2026 - 01 - 05), &load));
            store.record(id, &ev, Some(id)).await.unwrap();
            let b = store.backup(id).await.unwrap();
            store.restore(id, &b, true).await.unwrap();
            store.accept_invite("nope", id).await.unwrap_err();
            id
        }));
    }
    for t in tasks {
        let id = t.await.unwrap();
        assert_eq!(store.programme(id).await.unwrap().unwrap().seq, 1);
        assert_eq!(store.events(id).await.unwrap().len(), 1);
    }
}

/// A write that starts from a programme read earlier, now out of date, is applied to the
/// newer programme (after a fresh read), not over it.
async fn a_write_from_a_stale_read_lands_on_the_newer_programme(store: Store) {
    let (id, _) = person_with_programme(&store, "p@x.org").await;
    let stale = store.programme(id).await.unwrap().unwrap();
    let caps_a = ClinicianCaps {
        max_backward_s: Some(600),
        ..Default::default()
    };
    store
        .record(id, &Event::CapsSet { caps: caps_a }, None)
        .await
        .unwrap();
    let caps_b = ClinicianCaps {
        max_speed: Some(Speed::from_kmh(1.5).unwrap()),
        ..Default::default()
    };
    let rec = store
        .record_noted_from(
            id,
            &Event::CapsSet { caps: caps_b },
            None,
            Some("n"),
            stale.clone(),
        )
        .await
        .unwrap();
    assert_eq!(rec.seq, stale.seq + 2);
    let mut expected = stale.state;
    expected.apply(&Event::CapsSet { caps: caps_a });
    expected.apply(&Event::CapsSet { caps: caps_b });
    assert_eq!(rec.state, expected);
    let stored = store.programme(id).await.unwrap().unwrap();
    assert_eq!((stored.seq, &stored.state), (rec.seq, &expected));
    assert_eq!(store.replay(id).await.unwrap(), expected);
    let evs = store.events(id).await.unwrap();
    assert_eq!(evs.last().unwrap().note.as_deref(), Some("n"));
}

/// The backup with `ev` appended as `actor`'s change, its programme replayed to match,
/// as an edited file would be.
fn appended(b: &Backup, ev: &Event, actor: &str) -> Backup {
    let mut b = b.clone();
    b.events.push(BackupEvent {
        seq: b.events.len() as i64 + 1,
        data: serde_json::to_value(ev).unwrap(),
        decision: None,
        actor: Some(actor.into()),
        created_at: 1_767_900_000,
        note: None,
    });
    let p = b.programme.as_mut().unwrap();
    let mut state = p.initial.clone();
    for e in &b.events {
        state.apply(&serde_json::from_value(e.data.clone()).unwrap());
    }
    p.state = state;
    p.seq = b.events.len() as i64;
    b
}

/// Issue 14: whatever the events of a restored file say, and whoever they name, the
/// programme is never left looser than a clinician left it: no cap removed or raised,
/// no tier below theirs. Stricter is fine.
async fn a_restore_keeps_a_clinicians_caps_and_tier(s: Store) {
    let (id, _) = person_with_programme(&s, "pat@x.org").await;
    let doc = s
        .create_user("doc@x.org", "Dr D", None, Role::Clinician)
        .await
        .unwrap();
    let mut supervised = screen(&profile());
    supervised.tier = Tier::Supervised;
    let retier = Progression::retier_event(&profile(), &supervised).unwrap();
    s.record(id, &retier, Some(doc)).await.unwrap();
    let caps = |kmh: f64, min: u32| ClinicianCaps {
        max_speed: Some(Speed::from_kmh(kmh).unwrap()),
        max_incline: None,
        max_backward_s: Some(min * 60),
    };
    s.record(
        id,
        &Event::CapsSet {
            caps: caps(2.0, 10),
        },
        Some(doc),
    )
    .await
    .unwrap();
    let b = s.backup(id).await.unwrap();
    let me = "pat@x.org";

    let mut standard = screen(&profile());
    standard.tier = Tier::Standard;
    let lower = Progression::retier_event(&profile(), &standard).unwrap();
    let looser = [
        (
            appended(
                &b,
                &Event::CapsSet {
                    caps: caps(5.0, 10),
                },
                me,
            ),
            "maximum speed",
        ),
        (
            appended(
                &b,
                &Event::CapsSet {
                    caps: caps(2.0, 20),
                },
                me,
            ),
            "maximum backward time",
        ),
        (
            appended(
                &b,
                &Event::CapsSet {
                    caps: ClinicianCaps::default(),
                },
                "someone@elsewhere.example",
            ),
            "maximum speed",
        ),
        (appended(&b, &lower, me), "tier"),
        (
            appended(
                &b,
                &match retier.clone() {
                    Event::Retiered {
                        tier,
                        mut limits,
                        start,
                    } => {
                        limits.target_speed = Speed::from_kmh(9.0).unwrap();
                        Event::Retiered {
                            tier,
                            limits,
                            start,
                        }
                    }
                    other => other,
                },
                me,
            ),
            "limits",
        ),
    ];
    for (file, what) in looser {
        let err = s.restore(id, &file, true).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains(what) && m.contains("clinician")),
            "{what}: {err}"
        );
        assert_same(
            &comparable(s.backup(id).await.unwrap()),
            &comparable(b.clone()),
        );
    }
    // Stricter than the clinician's limits restores.
    let stricter = appended(&b, &Event::CapsSet { caps: caps(1.5, 5) }, me);
    s.restore(id, &stricter, true).await.unwrap();
    let state = s.programme(id).await.unwrap().unwrap().state;
    assert_eq!(state.caps, caps(1.5, 5));
    assert_eq!(state.tier, Tier::Supervised);
}

/// Issue 14: of sign-ups racing on an empty server exactly one becomes its administrator
/// (approved, if a clinician); the CLI's local person never does; other clinicians start
/// unapproved until an administrator approves them, and a withdrawal takes effect.
async fn exactly_one_first_account_administers_the_server(store: Store) {
    store.local_user().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        let role = if i % 2 == 0 {
            Role::Clinician
        } else {
            Role::Person
        };
        tasks.push(tokio::spawn(async move {
            s.create_user(&format!("u{i}@x.org"), "U", Some("hash"), role)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let admins = store.admins().await.unwrap();
    assert_eq!(admins.len(), 1, "{admins:?}");
    let first = &admins[0];
    let clinicians = store.clinicians().await.unwrap();
    assert_eq!(clinicians.len(), 4);
    for c in &clinicians {
        assert_eq!(c.approved_clinician(), c.id == first.id, "{c:?}");
    }
    let later = store
        .create_user("late@x.org", "Late", Some("hash"), Role::Clinician)
        .await
        .unwrap();
    let u = store.user(later).await.unwrap().unwrap();
    assert!(!u.is_admin() && !u.approved_clinician());
    assert!(store
        .set_clinician_approved(later, true)
        .await
        .unwrap()
        .approved_clinician());
    assert!(!store
        .set_clinician_approved(later, false)
        .await
        .unwrap()
        .approved_clinician());
    let walker = admins
        .iter()
        .chain(&clinicians)
        .find(|u| u.role == Role::Person);
    if let Some(w) = walker {
        assert!(store.set_clinician_approved(w.id, true).await.is_err());
    }
}

/// Issue 11 (PRG-08): two different logs for one day that race both read "nothing logged
/// today" and were both stored as the planned session, each advancing the programme. The
/// write that lands second is the day's extra walk, whatever its caller classified.
async fn two_racing_logs_for_one_day_make_one_decision(store: Store) {
    let (id, prog) = person_with_programme(&store, "race@x.org").await;
    let day = prog.schedule.next_on_or_after(date!(2026 - 01 - 05));
    let load = prog.plan_for(day).unwrap().load;
    // Both writers read the programme before either wrote.
    let stale = store.programme(id).await.unwrap().unwrap();
    let first = store
        .record(id, &Event::Session(SessionLog::clean(day, &load)), Some(id))
        .await
        .unwrap();
    assert_ne!(first.decision.unwrap().why, Why::Extra);
    let second_log = SessionLog {
        effort: Effort::new(3).unwrap(),
        ..SessionLog::clean(day, &load)
    };
    let second = store
        .record_keyed_from(id, &Event::Session(second_log), Some(id), None, stale, None)
        .await
        .unwrap();
    assert_eq!(second.decision.unwrap().why, Why::Extra);
    let sessions: Vec<SessionLog> = store
        .events(id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Session(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|l| !l.extra).count(), 1);
    // The stored state is the fold of what was stored.
    assert_eq!(store.replay(id).await.unwrap(), second.state);
    // A write whose caller read the programme after the day was taken keeps the caller's
    // classification: nothing is checked twice on the usual path.
    let fresh = store.programme(id).await.unwrap().unwrap();
    let third = store
        .record_keyed_from(
            id,
            &Event::Session(SessionLog {
                extra: true,
                ..SessionLog::clean(day, &load)
            }),
            Some(id),
            None,
            fresh,
            None,
        )
        .await
        .unwrap();
    assert_eq!(third.decision.unwrap().why, Why::Extra);
}

retrowalk_store::both_backends!(
    exactly_one_first_account_administers_the_server,
    profiles_and_users,
    events_fold_into_state,
    stale_edits_are_refused_not_lost,
    a_write_from_a_stale_read_lands_on_the_newer_programme,
    concurrent_writers_apply_every_event_once,
    auth_sessions_throttling_and_links,
    telemetry_is_kept_in_order_and_idempotent,
    simultaneous_writers_wait_instead_of_failing,
    notes_are_kept_with_their_events,
    a_restore_belongs_to_its_target,
    a_restore_keeps_a_clinicians_caps_and_tier,
    a_session_and_its_run_land_together_or_not_at_all,
    two_racing_logs_for_one_day_make_one_decision,
);

#[tokio::test]
async fn sqlite_survives_reopen_and_refuses_unknown_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/rw.db");
    let path = path.to_str().unwrap();
    let id = {
        let s = Store::open(path).await.unwrap();
        let (id, _) = person_with_programme(&s, "p@x.org").await;
        s.close().await;
        id
    };
    let s = Store::open(path).await.unwrap();
    assert!(s.programme(id).await.unwrap().is_some());
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
}
