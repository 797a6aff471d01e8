//! `retrowalk devices`: the Bluetooth treadmills and heart-rate straps in range.

use super::print_json;
use anyhow::Result;
use clap::Args;
use retrowalk_ftms::bluetooth::{self, BluetoothError};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct DevicesArgs {
    /// How long to listen for advertisements, in seconds.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    seconds: u64,
    /// Also list devices that advertise neither service (some treadmills only show their
    /// Fitness Machine Service after connecting).
    #[arg(long)]
    all: bool,
}

/// What to tell someone whose build cannot scan.
const NO_BLUETOOTH: &str = "this build of retrowalk has no Bluetooth support, so it cannot scan for treadmills or heart-rate straps.\n\
    Build it with Bluetooth: `cargo build --release --features bluetooth` \
    (on Linux this needs BlueZ running, and libdbus-1-dev and pkg-config to build).\n\
    Without Bluetooth, `retrowalk run --treadmill sim` runs a session on the simulated treadmill.";

pub async fn devices(a: DevicesArgs, json: bool) -> Result<()> {
    let timeout = Duration::from_secs(a.seconds);
    let found = if a.all {
        bluetooth::scan_all(timeout).await
    } else {
        bluetooth::scan(timeout).await
    };
    let devices = match found {
        Ok(d) => d,
        // Not an error in the scan but in the build: say how to get a build that can.
        Err(BluetoothError::NotCompiledIn) => anyhow::bail!(NO_BLUETOOTH),
        Err(e) => return Err(e.into()),
    };
    if json {
        return print_json(&devices);
    }
    if devices.is_empty() {
        println!(
            "No treadmill or heart-rate strap seen in {} s. Wake the treadmill (press a key on its console), \
             make sure no other app is connected to it, and try again{}.",
            a.seconds,
            if a.all { "" } else { ", or with --all" }
        );
        return Ok(());
    }
    println!("{:<17} {:<24} {:<20} signal", "kind", "name", "address");
    for d in &devices {
        println!(
            "{:<17} {:<24} {:<20} {}",
            d.kind.label(),
            d.name.as_deref().unwrap_or("(no name)"),
            d.address,
            d.rssi.map(|r| format!("{r} dBm")).unwrap_or_default()
        );
    }
    println!("\nRun a session on one: retrowalk run --treadmill \"<name or address>\"");
    Ok(())
}
