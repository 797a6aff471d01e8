//! The reads behind today's page and the patient list return exactly what the whole event
//! log says, on SQLite and on PostgreSQL (`RETROWALK_TEST_PG`, as in suite.rs).

use retrowalk_core::*;
use retrowalk_store::*;
use time::macros::date;
use time::{Date, Duration};

const START: Date = date!(2026 - 01 - 05);

fn profile() -> Profile {
    Profile {
        knee: KneeCondition::Osteoarthritis,
        knee_pain: Pain::new(2).unwrap(),
        ..Profile::new(
            "Ada",
            Age::new(58).unwrap(),
            BodyMass::from_kg(72.0).unwrap(),
            Goal::KneeRehab,
        )
    }
}

/// A patient with sessions logged out of date order (late entries, back-dated ones) and
/// some morning checks, from a small deterministic generator.
async fn patient(store: &Store, i: u64, clinician: UserId) -> UserId {
    let id = store
        .create_user(&format!("p{i}@x.org"), "P", None, Role::Person)
        .await
        .unwrap();
    let p = profile();
    store.save_profile(id, &p).await.unwrap();
    let prog = Progression::new(
        &p,
        &screen(&p),
        Schedule::parse("mon,wed,fri").unwrap(),
        START,
    )
    .unwrap();
    store
        .start_programme(id, &prog, START, false)
        .await
        .unwrap();
    let code = format!("c{i}");
    store.create_invite(&code, clinician, 3600).await.unwrap();
    store.accept_invite(&code, id).await.unwrap();
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let sessions = next(12) as i64; // some patients have fewer than three
    let mut day = 0;
    for _ in 0..sessions {
        day += 1 + next(4) as i64;
        // One in four is entered late, dated up to three weeks earlier.
        let date = START + Duration::days(day - if next(4) == 0 { next(21) as i64 } else { 0 });
        let log = SessionLog {
            pain_during: Pain::new(next(5) as u8).unwrap(),
            ..SessionLog::clean(date, &prog.start)
        };
        store
            .record(id, &Event::Session(log), Some(id))
            .await
            .unwrap();
        if next(3) == 0 {
            let ev = Event::MorningPain {
                session_date: date,
                pain: Pain::new(1).unwrap(),
            };
            store.record(id, &ev, Some(id)).await.unwrap();
        }
    }
    id
}

fn sessions(events: &[StoredEvent]) -> Vec<(i64, SessionLog)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Session(l) => Some((e.seq, *l)),
            _ => None,
        })
        .collect()
}

async fn recent_reads_agree_with_the_whole_log(store: Store) {
    let clinician = store
        .create_user("c@x.org", "C", None, Role::Clinician)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(patient(&store, i, clinician).await);
    }
    let mut compared = 0;
    for since in (0..60).step_by(6).map(|d| START + Duration::days(d)) {
        let mut all = Vec::new();
        for &id in &ids {
            let whole = sessions(&store.events(id).await.unwrap());
            let n = whole.len();
            let expected: Vec<(i64, SessionLog)> = whole
                .iter()
                .enumerate()
                .filter(|(k, (_, l))| *k + LAST_SESSIONS >= n || l.date >= since)
                .map(|(_, s)| *s)
                .collect();
            let got: Vec<(i64, SessionLog)> = store
                .recent_sessions(id, since)
                .await
                .unwrap()
                .into_iter()
                .map(|r| {
                    assert_eq!(r.user_id, id);
                    (r.seq, r.log)
                })
                .collect();
            assert_eq!(got, expected, "patient {id}, since {since}");
            compared += got.len();
            all.extend(expected.into_iter().map(|(seq, log)| (id, seq, log)));

            let last = whole.iter().map(|(_, l)| l.date).max();
            assert_eq!(store.last_session_day(id).await.unwrap(), last);

            let mut dated: Vec<Dated> = store
                .events(id)
                .await
                .unwrap()
                .iter()
                .filter_map(|e| match &e.event {
                    Event::Session(l) if l.date >= since => Some(Dated::Session(l.date)),
                    Event::MorningPain { session_date, .. } if *session_date >= since => {
                        Some(Dated::MorningCheck(*session_date))
                    }
                    _ => None,
                })
                .collect();
            let mut got = store.dated_since(id, since).await.unwrap();
            let key = |d: &Dated| match d {
                Dated::Session(d) => (*d, 0),
                Dated::MorningCheck(d) => (*d, 1),
            };
            dated.sort_by_key(key);
            got.sort_by_key(key);
            assert_eq!(got, dated, "patient {id}, since {since}");

            // Today's one query: the same profile, programme and dated rows.
            let (profile, programme, mut got) = store.today_reads(id, since).await.unwrap();
            got.sort_by_key(key);
            assert_eq!(got, dated, "today's reads, patient {id}, since {since}");
            assert_eq!(
                (profile, programme),
                store.profile_and_programme(id).await.unwrap()
            );
        }
        let got: Vec<_> = store
            .recent_sessions_of_patients(clinician, Among::All, since)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.user_id, r.seq, r.log))
            .collect();
        assert_eq!(got, all, "the clinician's patients, since {since}");
    }
    assert!(
        compared > 100,
        "the histories exercise the reads ({compared})"
    );

    let rows = store.patient_rows(clinician, Among::All).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    // Some of the patients: the same rows as the whole list's, for lists of every length
    // the store pads (3 of them is padded to 4 with the last id repeated), and none.
    let since = START + Duration::days(30);
    let all_recent = store
        .recent_sessions_of_patients(clinician, Among::All, since)
        .await
        .unwrap();
    for n in 0..=ids.len() {
        let some: Vec<UserId> = ids.iter().rev().step_by(2).take(n).copied().collect();
        let got = store
            .patient_rows(clinician, Among::Only(&some))
            .await
            .unwrap();
        let want: Vec<_> = rows
            .iter()
            .filter(|r| some.contains(&r.id))
            .cloned()
            .collect();
        assert_eq!(got, want, "patient rows among {some:?}");
        let got = store
            .recent_sessions_of_patients(clinician, Among::Only(&some), since)
            .await
            .unwrap();
        let want: Vec<_> = all_recent
            .iter()
            .filter(|r| some.contains(&r.user_id))
            .cloned()
            .collect();
        assert_eq!(got, want, "recent sessions among {some:?}");
    }
    for r in rows {
        assert_eq!(r.profile, store.profile(r.id).await.unwrap());
        assert_eq!(r.programme, store.programme(r.id).await.unwrap());
        assert_eq!(
            r.last_session_day,
            store.last_session_day(r.id).await.unwrap()
        );
        assert_eq!(r.email, store.user(r.id).await.unwrap().unwrap().email);
    }
    for &id in &ids {
        assert_eq!(
            store.profile_and_programme(id).await.unwrap(),
            (
                store.profile(id).await.unwrap(),
                store.programme(id).await.unwrap()
            )
        );
        assert!(store.profile(id).await.unwrap().is_some());
    }
    assert_eq!(
        store.profile_and_programme(clinician).await.unwrap(),
        (None, None)
    );
    assert_eq!(
        store.today_reads(clinician, START).await.unwrap(),
        (None, None, Vec::new())
    );
    let versions = store.patient_versions(clinician).await.unwrap();
    assert_eq!(versions.len(), ids.len());
    for ((id, v), want) in versions.iter().zip(&ids) {
        assert_eq!(id, want);
        let rec = store.programme(*id).await.unwrap().unwrap();
        assert_eq!(*v, Some(ProgrammeVersion::of(&rec)));
    }
    let fresh = store
        .create_user("new@x.org", "New", None, Role::Person)
        .await
        .unwrap();
    store.create_invite("new", clinician, 3600).await.unwrap();
    store.accept_invite("new", fresh).await.unwrap();
    let versions = store.patient_versions(clinician).await.unwrap();
    assert_eq!(versions.last(), Some(&(fresh, None)), "no programme yet");
    let other = store
        .create_user("d@x.org", "D", None, Role::Clinician)
        .await
        .unwrap();
    assert!(store
        .patient_rows(other, Among::All)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .recent_sessions_of_patients(other, Among::All, START)
        .await
        .unwrap()
        .is_empty());
}

async fn a_restored_history_is_found_by_day(store: Store) {
    let clinician = store
        .create_user("c@x.org", "C", None, Role::Clinician)
        .await
        .unwrap();
    let id = patient(&store, 7, clinician).await;
    let before = store.recent_sessions(id, START).await.unwrap();
    assert!(!before.is_empty());
    let backup = store.backup(id).await.unwrap();
    let copy = store
        .create_user("copy@x.org", "Copy", None, Role::Person)
        .await
        .unwrap();
    store.restore(copy, &backup, false).await.unwrap();
    let after = store.recent_sessions(copy, START).await.unwrap();
    let logs = |v: Vec<RecentSession>| v.into_iter().map(|r| (r.seq, r.log)).collect::<Vec<_>>();
    assert_eq!(logs(after), logs(before));
    assert_eq!(
        store.last_session_day(copy).await.unwrap(),
        store.last_session_day(id).await.unwrap()
    );
}

#[tokio::test]
async fn sqlite_recent_reads_agree_with_the_whole_log() {
    let (_dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    recent_reads_agree_with_the_whole_log(store).await;
}

#[tokio::test]
async fn sqlite_a_restored_history_is_found_by_day() {
    let (_dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    a_restored_history_is_found_by_day(store).await;
}

#[tokio::test]
async fn postgres_recent_reads_agree_with_the_whole_log() {
    let Some(store) = retrowalk_store::testing::fresh_postgres("rw_test").await else {
        return;
    };
    recent_reads_agree_with_the_whole_log(store).await;
}

#[tokio::test]
async fn postgres_a_restored_history_is_found_by_day() {
    let Some(store) = retrowalk_store::testing::fresh_postgres("rw_test").await else {
        return;
    };
    a_restored_history_is_found_by_day(store).await;
}
