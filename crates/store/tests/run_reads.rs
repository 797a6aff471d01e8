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

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = retrowalk_store::Store::open(dir.path().join("t.db").to_str().unwrap()).await.unwrap();
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(store) = crate::pg::fresh().await else { return };
                    super::$name(store).await;
                }
            )*
        }
    };
}

both_backends!(one_run_by_id, last_sample_time);

mod pg {
    use sqlx::Executor;
    use std::sync::atomic::{AtomicU32, Ordering};

    static N: AtomicU32 = AtomicU32::new(0);

    /// A new, empty database on the test server; under CI a missing server is a failure.
    pub async fn fresh() -> Option<retrowalk_store::Store> {
        let Ok(admin) = std::env::var("RETROWALK_TEST_PG") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set RETROWALK_TEST_PG so the PostgreSQL suite runs"
            );
            eprintln!("RETROWALK_TEST_PG not set: PostgreSQL half not run");
            return None;
        };
        sqlx::any::install_default_drivers();
        let name = format!(
            "rw_runreads_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let pool = sqlx::AnyPool::connect(&admin)
            .await
            .expect("connect to RETROWALK_TEST_PG");
        pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        pool.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        pool.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        Some(
            retrowalk_store::Store::open(&format!("{base}/{name}"))
                .await
                .expect("open test database"),
        )
    }
}
