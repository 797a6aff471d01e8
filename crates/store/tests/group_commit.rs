//! Many writers at once: every acknowledged write is stored, once and in order, on SQLite
//! (where they share the writer's batches) and on PostgreSQL (`RETROWALK_TEST_PG`).

use retrowalk_core::*;
use retrowalk_store::*;

const PEOPLE: usize = 12;
const EVENTS_EACH: usize = 5;

async fn person(store: &Store, n: usize) -> UserId {
    let p = Profile::new(
        "W",
        Age::new(50).unwrap(),
        BodyMass::from_kg(70.0).unwrap(),
        Goal::Fitness,
    );
    testing::person_with_programme(store, &format!("w{n}@x.org"), &p)
        .await
        .0
}

async fn concurrent_writers_are_all_stored(store: Store) {
    let mut ids = Vec::new();
    for n in 0..PEOPLE {
        ids.push(person(&store, n).await);
    }
    store
        .start_run("shared", ids[0], &serde_json::json!({}))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    // Every person gets several events at once (so writers of one person race and retry),
    // while telemetry for one run arrives from many tasks.
    for &id in &ids {
        for k in 0..EVENTS_EACH {
            let store = store.clone();
            tasks.spawn(async move {
                let caps = ClinicianCaps {
                    max_backward_s: Some(60 * (k as u32 + 1)),
                    ..Default::default()
                };
                store
                    .record(id, &Event::CapsSet { caps }, None)
                    .await
                    .map(|_| ())
            });
        }
    }
    for k in 0..40i64 {
        let store = store.clone();
        tasks.spawn(async move {
            let s = Sample {
                t_ms: k * 1000,
                speed_kmh: 1.5,
                incline_pct: None,
                distance_m: k as f64,
                heart_rate: Some(90),
                rr_ms: vec![],
            };
            store.append_samples("shared", &[s]).await
        });
    }
    let mut acknowledged = 0;
    while let Some(done) = tasks.join_next().await {
        done.unwrap()
            .unwrap_or_else(|e| panic!("a write was refused: {e:?}"));
        acknowledged += 1;
    }
    assert_eq!(acknowledged, PEOPLE * EVENTS_EACH + 40);
    for &id in &ids {
        let events = store.events(id).await.unwrap();
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=EVENTS_EACH as i64).collect::<Vec<_>>());
        let rec = store.programme(id).await.unwrap().unwrap();
        assert_eq!(rec.seq, EVENTS_EACH as i64);
        assert_eq!(store.replay(id).await.unwrap(), rec.state);
        let mut caps: Vec<_> = events
            .iter()
            .map(|e| match &e.event {
                Event::CapsSet { caps } => caps.max_backward_s.unwrap(),
                other => panic!("unexpected event {other:?}"),
            })
            .collect();
        caps.sort();
        assert_eq!(caps, vec![60, 120, 180, 240, 300]);
    }
    let times: Vec<i64> = store
        .samples("shared")
        .await
        .unwrap()
        .iter()
        .map(|s| s.t_ms)
        .collect();
    assert_eq!(times, (0..40).map(|k| k * 1000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_writers_are_all_stored() {
    let (_dir, store) = retrowalk_store::testing::fresh_sqlite().await;
    concurrent_writers_are_all_stored(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_writers_are_all_stored() {
    let Some(store) = retrowalk_store::testing::fresh_postgres("rw_test").await else {
        return;
    };
    concurrent_writers_are_all_stored(store).await;
}
