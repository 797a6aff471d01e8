//! Whole-person JSON backup and restore.

use anyhow::{Context, Result};
use clap::Args;
use retrowalk_service::{parse_backup, Service};
use retrowalk_store::UserId;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the backup; `-` or nothing for standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `retrowalk backup`.
    file: PathBuf,
    /// Overwrite the programme that is already here.
    #[arg(long)]
    replace: bool,
}

pub async fn backup(svc: &Service, me: UserId, a: BackupArgs) -> Result<()> {
    let b = svc.store.backup(me).await?;
    let text = serde_json::to_string_pretty(&b)?;
    match a.out.as_deref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            // Write beside the target and rename, so a crash never leaves half a backup.
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, &text)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "Backed up {} event(s) and {} run(s) to {}",
                b.events.len(),
                b.runs.len(),
                path.display()
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// Restores the file into this person (see `retrowalk_service`'s restore module for what
/// that replaces); the web app's upload does exactly the same.
pub async fn restore(svc: &Service, me: UserId, a: RestoreArgs) -> Result<()> {
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let b =
        parse_backup(&bytes).with_context(|| format!("{} cannot be restored", a.file.display()))?;
    let done = svc.restore_backup(me, &b, a.replace).await?;
    println!(
        "Restored {} event(s) and {} run(s) from {}",
        done.events,
        done.runs,
        a.file.display()
    );
    Ok(())
}
