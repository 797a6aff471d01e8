//! Upgrading a database made before clinician approval existed (migration 0008, issue
//! 14): its clinicians stay approved so a running clinic keeps working, and it gets no
//! administrator by accident: its first account was made long ago, so the next sign-up
//! is an ordinary one. Run on SQLite and PostgreSQL.

use retrowalk_store::{Role, Store};
use sqlx::Executor;
use std::path::Path;

/// Applies the backend's migrations before 0008 to `url`, as an older retrowalk did.
async fn migrate_to_0007(url: &str, backend: &str) {
    sqlx::any::install_default_drivers();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0008" {
            std::fs::copy(&path, old.path().join(&name)).unwrap();
        }
    }
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    // A clinic at work: the CLI's local person, a walker and a clinician with passwords.
    pool.execute(
        "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES \
         ('local@retrowalk.invalid', 'Me', NULL, 'person', 1), \
         ('ada@x.org', 'Ada', 'h', 'person', 2), \
         ('lin@x.org', 'Dr Lin', 'h', 'clinician', 3)",
    )
    .await
    .unwrap();
    pool.close().await;
}

/// `url` for sqlx, `store_url` for `Store::open` (a plain path for SQLite).
async fn upgraded_clinicians_stay_approved_and_nobody_becomes_admin(
    url: &str,
    store_url: &str,
    backend: &str,
) {
    migrate_to_0007(url, backend).await;
    let store = Store::open(store_url).await.unwrap();
    let lin = store.user_by_email("lin@x.org").await.unwrap().unwrap();
    assert!(lin.approved_clinician(), "{lin:?}");
    assert!(store.admins().await.unwrap().is_empty());
    let new = store
        .create_user("new@x.org", "Dr New", Some("h"), Role::Clinician)
        .await
        .unwrap();
    let new = store.user(new).await.unwrap().unwrap();
    assert!(!new.is_admin() && !new.approved_clinician(), "{new:?}");
    assert!(store.admins().await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test]
async fn sqlite_upgrade_keeps_clinicians_approved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    upgraded_clinicians_stay_approved_and_nobody_becomes_admin(
        &url,
        path.to_str().unwrap(),
        "sqlite",
    )
    .await;
}

#[tokio::test]
async fn postgres_upgrade_keeps_clinicians_approved() {
    let Some(url) = retrowalk_store::testing::fresh_postgres_url("rw_upgrade").await else {
        return;
    };
    upgraded_clinicians_stay_approved_and_nobody_becomes_admin(&url, &url, "postgres").await;
}
