//! Faults, each a test: a full disk, and a database that goes away and comes back.
//! Both need powers a developer's machine may lack (mounting a filesystem, PostgreSQL's
//! server binaries); under CI they must run, anywhere else they say why they did not.

use retrowalk_core::*;
use retrowalk_store::*;
use std::process::Command;

fn under_ci() -> bool {
    std::env::var("CI").is_ok()
}

fn profile() -> Profile {
    Profile::new(
        "Fay",
        Age::new(44).unwrap(),
        BodyMass::from_kg(66.0).unwrap(),
        Goal::Fitness,
    )
}

async fn seed(store: &Store) -> UserId {
    testing::person_with_programme(store, "fay@x.org", &profile())
        .await
        .0
}

struct Tmpfs(std::path::PathBuf);
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn small_filesystem(kib: u32) -> Option<Tmpfs> {
    let dir = std::env::temp_dir().join(format!("rw-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(Tmpfs(dir))
    } else {
        let _ = std::fs::remove_dir(&dir);
        None
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_loses_nothing() {
    let Some(fs) = small_filesystem(1024) else {
        assert!(
            !under_ci(),
            "CI runs as root and must be able to mount a small tmpfs"
        );
        eprintln!("cannot mount a small filesystem here (needs root): full-disk test not run");
        return;
    };
    let db = fs.0.join("rw.db");
    let store = Store::open(db.to_str().unwrap()).await.unwrap();
    let id = seed(&store).await;
    // Fill the disk with telemetry until the database says it is full.
    store
        .start_run("r", id, &serde_json::json!({}))
        .await
        .unwrap();
    let mut acknowledged = Vec::new();
    let mut t = 0i64;
    let err = loop {
        let batch: Vec<Sample> = (0..50)
            .map(|i| Sample {
                t_ms: (t + i) * 1000,
                speed_kmh: 1.6,
                incline_pct: None,
                distance_m: (t + i) as f64,
                heart_rate: Some(100),
                rr_ms: vec![600; 8],
            })
            .collect();
        match store.append_samples("r", &batch).await {
            Ok(()) => acknowledged.extend(batch),
            Err(e) => break e,
        }
        t += 50;
        assert!(t < 1_000_000, "the disk never filled");
    };
    assert!(matches!(err, StoreError::DiskFull), "{err:?}");
    assert!(
        err.to_string().contains("disk is full")
            && err.to_string().contains("nothing already stored was lost")
    );
    // Every acknowledged sample and the programme are still there and readable.
    assert_eq!(store.samples("r").await.unwrap(), acknowledged);
    assert!(store.programme(id).await.unwrap().is_some());
    // Other writes are refused the same way, not half-done.
    let caps = ClinicianCaps {
        max_backward_s: Some(600),
        ..Default::default()
    };
    let before = store.programme(id).await.unwrap().unwrap();
    if let Err(e) = store.record(id, &Event::CapsSet { caps }, None).await {
        assert!(matches!(e, StoreError::DiskFull), "{e:?}");
        assert_eq!(store.programme(id).await.unwrap().unwrap(), before);
        assert_eq!(store.events(id).await.unwrap().len(), 0);
    }
    // Writes queued together (on SQLite one batch of the writer, one COMMIT): every one
    // is refused as a full disk, and none of them is stored.
    let queued = |k: i64| -> Vec<Sample> {
        (0..50)
            .map(|i| Sample {
                t_ms: (2_000_000 + k * 50 + i) * 1000,
                speed_kmh: 1.6,
                incline_pct: None,
                distance_m: 0.0,
                heart_rate: None,
                rr_ms: vec![600; 8],
            })
            .collect()
    };
    let batch: Vec<Vec<Sample>> = (0..6).map(queued).collect();
    let refused = tokio::join!(
        store.append_samples("r", &batch[0]),
        store.append_samples("r", &batch[1]),
        store.append_samples("r", &batch[2]),
        store.append_samples("r", &batch[3]),
        store.append_samples("r", &batch[4]),
        store.append_samples("r", &batch[5]),
    );
    for (k, r) in <[_; 6]>::from(refused).into_iter().enumerate() {
        assert!(
            matches!(r, Err(StoreError::DiskFull)),
            "queued write {k}: {r:?}"
        );
    }
    assert_eq!(store.samples("r").await.unwrap(), acknowledged);
    // Space comes back: the same Store writes again, on every pooled connection (a failed
    // COMMIT must not leave a connection that thinks it is still inside a transaction).
    let grown = Command::new("mount")
        .args(["-o", "remount,size=8192k"])
        .arg(&fs.0)
        .status()
        .is_ok_and(|s| s.success());
    assert!(grown, "remount the small filesystem larger");
    for round in 0..8 {
        store
            .record(id, &Event::CapsSet { caps }, None)
            .await
            .unwrap_or_else(|e| panic!("write {round} after space came back: {e:?}"));
    }
    assert_eq!(store.events(id).await.unwrap().len(), 8);
    assert_eq!(store.samples("r").await.unwrap(), acknowledged);
    // And a batch queued together is stored whole.
    let stored = tokio::join!(
        store.append_samples("r", &batch[0]),
        store.append_samples("r", &batch[1]),
        store.append_samples("r", &batch[2]),
        store.append_samples("r", &batch[3]),
        store.append_samples("r", &batch[4]),
        store.append_samples("r", &batch[5]),
    );
    for (k, r) in <[_; 6]>::from(stored).into_iter().enumerate() {
        r.unwrap_or_else(|e| panic!("queued write {k} after space came back: {e:?}"));
    }
    acknowledged.extend(batch.into_iter().flatten());
    assert_eq!(store.samples("r").await.unwrap(), acknowledged);
}

struct PgServer {
    dir: String,
    port: u16,
}

impl PgServer {
    fn script(&self, action: &str) -> Option<String> {
        let out = Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../scripts/pg-test-server.sh"
            ))
            .arg(action)
            .env("RW_PG_DIR", &self.dir)
            .env("RW_PG_PORT", self.port.to_string())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self.script("stop");
    }
}

#[tokio::test]
async fn postgres_going_away_gives_clear_errors_then_recovers_without_restart() {
    let server = PgServer {
        dir: format!("/tmp/rw-pg-fault-{}", std::process::id()),
        // A port nobody holds now, so two runs of this test (or a stray server) never
        // answer each other's connections while one of them is "away".
        port: std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port"),
    };
    let Some(admin) = server.script("start") else {
        assert!(
            !under_ci(),
            "CI installs PostgreSQL; the fault test must run"
        );
        eprintln!("no PostgreSQL server binaries: database-away test not run");
        return;
    };
    let store = Store::open(&admin).await.unwrap();
    let id = seed(&store).await;
    let caps = ClinicianCaps {
        max_backward_s: Some(600),
        ..Default::default()
    };
    store
        .record(id, &Event::CapsSet { caps }, None)
        .await
        .unwrap();

    server
        .script("pause")
        .expect("stop the server, keeping its data");

    let err = store.programme(id).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("database is unavailable"), "{err}");
    let err = store
        .record(id, &Event::CapsSet { caps }, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");

    // Back up: the same Store works again, and nothing acknowledged was lost.
    server.script("resume").expect("start the server again");
    let mut recovered = None;
    for _ in 0..50 {
        match store.programme(id).await {
            Ok(p) => {
                recovered = p;
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let rec = recovered.expect("the store reconnects by itself");
    assert_eq!(rec.seq, 1);
    assert_eq!(rec.state.caps, caps);
    store
        .record(
            id,
            &Event::CapsSet {
                caps: ClinicianCaps::default(),
            },
            None,
        )
        .await
        .unwrap();
}
