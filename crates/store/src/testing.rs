//! Test support shared by every crate's tests (feature `testing`): throwaway stores on
//! SQLite and PostgreSQL, and `both_backends!` to run one test body on each.

use crate::{Role, Store, UserId};
use retrowalk_core::{screen, Profile, Progression, Schedule};
use std::sync::atomic::{AtomicU32, Ordering};
use time::macros::date;
use time::Date;

/// The Monday the test programmes of [`person_with_programme`] start on.
pub const TEST_START: Date = date!(2026 - 01 - 05);

/// A person (`email`, named as `profile` is) with `profile` saved and a programme started
/// on [`TEST_START`], training Monday, Wednesday and Friday.
pub async fn person_with_programme(
    store: &Store,
    email: &str,
    profile: &Profile,
) -> (UserId, Progression) {
    let id = store
        .create_user(email, &profile.name, None, Role::Person)
        .await
        .expect("create the test person");
    store
        .save_profile(id, profile)
        .await
        .expect("save the test profile");
    let schedule = Schedule::parse("mon,wed,fri").expect("a valid schedule");
    let prog = Progression::new(profile, &screen(profile), schedule, TEST_START)
        .expect("the test profile may start a programme");
    store
        .start_programme(id, &prog, TEST_START, false)
        .await
        .expect("start the test programme");
    (id, prog)
}

/// The PostgreSQL test server's admin URL (`RETROWALK_TEST_PG`). Without one the
/// PostgreSQL half of a test is reported as not run; under CI that is a failure, never a
/// silent pass.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("RETROWALK_TEST_PG") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set RETROWALK_TEST_PG so the PostgreSQL tests run"
            );
            eprintln!("RETROWALK_TEST_PG not set: PostgreSQL half not run");
            None
        }
    }
}

/// The URL of a new, empty database on the test server, named after `prefix`, the process
/// and a counter so parallel tests and test binaries never share one.
pub async fn fresh_postgres_url(prefix: &str) -> Option<String> {
    use sqlx::Executor;
    static N: AtomicU32 = AtomicU32::new(0);
    let admin = postgres_admin_url()?;
    sqlx::any::install_default_drivers();
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("connect to RETROWALK_TEST_PG");
    pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .expect("drop a leftover test database");
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create the test database");
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Some(format!("{base}/{name}"))
}

/// A store on a new, empty PostgreSQL database (see [`fresh_postgres_url`]).
pub async fn fresh_postgres(prefix: &str) -> Option<Store> {
    let url = fresh_postgres_url(prefix).await?;
    Some(Store::open(&url).await.expect("open the test database"))
}

/// A store on a new SQLite file; keep the directory alive as long as the store.
pub async fn fresh_sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("t.db");
    let store = Store::open(path.to_str().expect("temporary paths are UTF-8"))
        .await
        .expect("open the SQLite test database");
    (dir, store)
}

/// Runs each named `async fn(Store)` on SQLite and on PostgreSQL, as `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (_dir, store) = $crate::testing::fresh_sqlite().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = $crate::testing::fresh_postgres("rw_test").await {
                        super::$name(store).await;
                    }
                }
            )*
        }
    };
}
