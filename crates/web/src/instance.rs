//! This server process in the database: registered at start, alive every few seconds,
//! ended on a clean shutdown. At start it also closes what processes that died left
//! behind: runs they drove would otherwise answer "driven by another process" and block
//! restores for hours.

use crate::auth::new_token;
use retrowalk_store::{Store, INSTANCE_BEAT_S};
use std::sync::Arc;
use std::time::Duration;

/// The machine's name, to tell this host's processes (whose pids can be checked) from
/// other hosts' (known dead only by their silence).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether process `pid` exists on this machine; `None` where that cannot be told.
fn process_exists(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(std::path::Path::new(&format!("/proc/{pid}")).exists())
    } else {
        None
    }
}

/// Registers this process, ends the records of this host's processes that no longer
/// exist, and closes the runs every dead process left open. Returns this process's id.
pub async fn register(store: &Store) -> anyhow::Result<Arc<str>> {
    let id: Arc<str> = new_token()[..16].into();
    let host = host_name();
    let me = std::process::id();
    for (other, pid) in store.running_instances_on(&host).await? {
        // A restarted container often gets the same pid as the process it replaces.
        if pid == me || process_exists(pid) == Some(false) {
            store.end_instance(&other).await?;
        }
    }
    store.register_instance(&id, &host, me).await?;
    let closed = store.close_orphaned_runs().await?;
    if !closed.is_empty() {
        tracing::warn!(runs = ?closed, "closed runs whose server process died");
    }
    Ok(id)
}

/// Says this process is alive, and closes runs of processes that went silent, every few
/// seconds, until the runtime shuts down.
pub fn keep_alive(store: Store, id: Arc<str>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(INSTANCE_BEAT_S));
        loop {
            tick.tick().await;
            if let Err(e) = store.instance_seen(&id).await {
                tracing::warn!(error = %e, "could not record that this process is alive");
                continue;
            }
            match store.close_orphaned_runs().await {
                Ok(closed) if !closed.is_empty() => {
                    tracing::warn!(runs = ?closed, "closed runs whose server process died");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not close orphaned runs"),
            }
        }
    });
}
