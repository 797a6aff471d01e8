//! The cheap reads behind the live runner's per-second checks (one run by id, the latest
//! sample's time) answer what the whole-list reads answer, on SQLite and on PostgreSQL
//! (`RETROWALK_TEST_PG`, as in suite.rs).

use retrowalk_store::*;
use serde_json::json;

fn sample(t_ms: i64) -> Sample {
    Sample {
        t_ms,
        speed_kmh: 2.0,
        incline_pct: None,
        distance_m: t_ms as f64 / 1800.0,
        heart_rate: Some(100),
        rr_ms: vec![],
    }
}

async fn one_run_by_id(store: Store) {
    let ada = store
        .create_user("ada@x.org", "Ada", None, Role::Person)
        .await
        .unwrap();
    let bob = store
        .create_user("bob@x.org", "Bob", None, Role::Person)
        .await
        .unwrap();
    assert_eq!(
        store.run("0123456789abcdef0123456789abcdef").await.unwrap(),
        None
    );
    store
        .start_run("a1", ada, &json!({"treadmill": "sim"}))
        .await
        .unwrap();
    store
        .start_run("b1", bob, &json!({"treadmill": "none"}))
        .await
        .unwrap();
    let a1 = store.run("a1").await.unwrap().expect("a1 stored");
    assert_eq!(a1.user_id, ada);
    assert_eq!(a1.ended_at, None);
    assert_eq!(a1.plan["treadmill"], "sim");
    // The same row the list read gives.
    assert_eq!(store.runs(ada).await.unwrap(), vec![a1.clone()]);
    assert_eq!(store.run("b1").await.unwrap().unwrap().user_id, bob);

    store
        .end_run("a1", Some("treadmill completed"))
        .await
        .unwrap();
    let ended = store.run("a1").await.unwrap().unwrap();
    assert!(ended.ended_at.is_some());
    assert_eq!(ended.stop_reason.as_deref(), Some("treadmill completed"));
    assert_eq!(store.runs(ada).await.unwrap(), vec![ended]);
}

async fn last_sample_time(store: Store) {
    let ada = store
        .create_user("ada@x.org", "Ada", None, Role::Person)
        .await
        .unwrap();
    store.start_run("r1", ada, &json!({})).await.unwrap();
    store.start_run("r2", ada, &json!({})).await.unwrap();
    assert_eq!(store.last_sample_ms("r1").await.unwrap(), None);
    assert_eq!(store.last_sample_ms("no such run").await.unwrap(), None);
    // Out of order, and a retried batch: the latest time counts, not the last written.
    store
        .append_samples("r1", &[sample(0), sample(3000), sample(1000)])
        .await
        .unwrap();
    store
        .append_samples("r1", &[sample(2000), sample(3000)])
        .await
        .unwrap();
    store
        .append_samples("r2", &[sample(9_000_000)])
        .await
        .unwrap();
    let last = store.last_sample_ms("r1").await.unwrap();
    assert_eq!(last, Some(3000));
    assert_eq!(
        last,
        store.samples("r1").await.unwrap().last().map(|s| s.t_ms)
    );
    assert_eq!(store.last_sample_ms("r2").await.unwrap(), Some(9_000_000));
}

retrowalk_store::both_backends!(one_run_by_id, last_sample_time);
