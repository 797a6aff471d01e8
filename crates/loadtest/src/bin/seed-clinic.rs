//! `seed-clinic`: fills a database with a generated clinic for the load benchmarks.
//!
//! cargo run --release -p retrowalk-loadtest --bin seed-clinic -- --db postgres://… \
//!     --clinicians 100 --patients 10000 --days 365

use anyhow::{Context, Result};
use argon2::password_hash::{PasswordHasher, SaltString};
use clap::Parser;
use retrowalk_loadtest::*;
use retrowalk_service::Service;
use retrowalk_store::{BackupPerson, Role, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Generate a clinic: clinicians, linked patients and a history of sessions")]
struct Args {
    /// Database URL or SQLite path (must be empty or new).
    #[arg(long)]
    db: String,
    #[arg(long, default_value_t = 100)]
    clinicians: usize,
    #[arg(long, default_value_t = 10_000)]
    patients: usize,
    /// Days of history before today.
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Password for every generated account (hashed once with argon2id).
    #[arg(long, default_value = "load-test-password")]
    password: String,
    /// Patients written at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let store = Store::open(&args.db)
        .await
        .with_context(|| format!("opening {}", args.db))?;
    let salt = SaltString::encode_b64(b"retrowalk-loadtest-salt")
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    // The web app's own parameters (retrowalk_web::Settings: argon2id, 12 MiB, 3 passes),
    // so signing in to a generated account costs what it costs for a real one.
    let params = argon2::Params::new(12 * 1024, 3, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let hash = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(args.password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string();

    let started = Instant::now();
    let mut clinicians = Vec::with_capacity(args.clinicians);
    for i in 0..args.clinicians {
        let id = store
            .create_user(
                &clinician_email(i),
                &format!("Clinician {i}"),
                Some(&hash),
                Role::Clinician,
            )
            .await?;
        // A generated clinic's clinicians are approved, as a real one's would be.
        store.set_clinician_approved(id, true).await?;
        clinicians.push(id);
    }
    let clinicians = Arc::new(clinicians);
    let svc = Arc::new(Service::new(store.clone()));
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - Duration::days(args.days);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let events_written = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (svc, clinicians, next, done, events_written, hash) = (
            svc.clone(),
            clinicians.clone(),
            next.clone(),
            done.clone(),
            events_written.clone(),
            hash.clone(),
        );
        let (patients, days, seed) = (args.patients, args.days, args.seed);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= patients {
                    return Ok::<(), anyhow::Error>(());
                }
                let mut rng = SplitMix::new(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
                let email = patient_email(i);
                let name = format!("Patient {i}");
                let user = svc
                    .store
                    .create_user(&email, &name, Some(&hash), Role::Person)
                    .await?;
                let mut profile = patient_profile(i, &mut rng)?;
                profile.clearance = true; // a clinic's patients have been seen
                svc.onboard(user, profile.clone(), start).await?;
                if !clinicians.is_empty() {
                    let c = clinicians[i % clinicians.len()];
                    let code = format!("seed-{i}");
                    svc.store.create_invite(&code, c, 3600).await?;
                    svc.store.accept_invite(&code, user).await?;
                }
                if let Some(rec) = svc.store.programme(user).await? {
                    let initial = svc.store.initial_state(user).await?;
                    let history = simulate(&initial, rec.start_date, days, &mut rng)?;
                    events_written.fetch_add(history.events.len(), Ordering::Relaxed);
                    let person = BackupPerson {
                        email,
                        display_name: name,
                    };
                    write_history(&svc.store, user, person, profile, history).await?;
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % 500 == 0 || n == patients {
                    eprintln!(
                        "{n}/{patients} patients, {} events, {:.0} s",
                        events_written.load(Ordering::Relaxed),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for w in workers {
        w.await??;
    }
    println!(
        "seeded {} clinicians, {} patients, {} session events in {:.0} s",
        args.clinicians,
        args.patients,
        events_written.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
