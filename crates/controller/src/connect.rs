//! Connecting to the real treadmill (and optional heart-rate strap) a session runs on.
//! The terminal runner and the web runner both call [`connect_bluetooth`], so they find
//! devices, merge a strap's heart rate and report a lost strap the same way.

use retrowalk_ftms::bluetooth::{self, BluetoothError};
use retrowalk_ftms::{
    BoxFuture, Capabilities, ControlRequest, ControlResponse, HeartRateMonitor, Notification,
    TransportError, Treadmill,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Which of the two devices a connection failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRole {
    Treadmill,
    HeartRateStrap,
}

impl DeviceRole {
    pub fn label(&self) -> &'static str {
        match self {
            DeviceRole::Treadmill => "treadmill",
            DeviceRole::HeartRateStrap => "heart-rate strap",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the {} {name:?}: {source}", role.label())]
pub struct ConnectError {
    pub role: DeviceRole,
    /// The name or address that was asked for.
    pub name: String,
    #[source]
    pub source: BluetoothError,
}

/// Called once, with a sentence, when the strap goes away mid-session. The caller turns it
/// into [`crate::Command::Fault`]: without the strap the heart-rate cap cannot be enforced.
pub type StrapLost = Box<dyn FnOnce(String) + Send + 'static>;

/// Finds and connects to the treadmill named `treadmill` (advertised name or address, as a
/// scan lists it) and, if given, the heart-rate strap `hr_strap`, each within
/// `scan_timeout`. With a strap, the returned treadmill's notifications carry the strap's
/// heart rate too, so the controller's cap applies to it.
pub async fn connect_bluetooth(
    treadmill: &str,
    hr_strap: Option<&str>,
    scan_timeout: Duration,
    strap_lost: StrapLost,
) -> Result<Arc<dyn Treadmill>, ConnectError> {
    let machine = bluetooth::connect_treadmill(treadmill, scan_timeout)
        .await
        .map_err(|source| ConnectError {
            role: DeviceRole::Treadmill,
            name: treadmill.to_string(),
            source,
        })?;
    match hr_strap {
        Some(name) => attach_strap(machine, name, scan_timeout, strap_lost).await,
        None => Ok(machine),
    }
}

/// Finds and connects to the heart-rate strap `name` and merges its heart rate into
/// `machine`'s notifications (any treadmill, the simulated one too).
pub async fn attach_strap(
    machine: Arc<dyn Treadmill>,
    name: &str,
    scan_timeout: Duration,
    strap_lost: StrapLost,
) -> Result<Arc<dyn Treadmill>, ConnectError> {
    let strap = bluetooth::connect_heart_rate(name, scan_timeout)
        .await
        .map_err(|source| ConnectError {
            role: DeviceRole::HeartRateStrap,
            name: name.to_string(),
            source,
        })?;
    Ok(Arc::new(WithStrap::new(machine, strap, strap_lost)))
}

/// A treadmill whose notifications also carry a heart-rate strap's readings, so the
/// controller enforces the cap on the strap too. Each source is drained by its own task into
/// one channel, so neither transport's future is ever dropped half-way through.
pub struct WithStrap {
    treadmill: Arc<dyn Treadmill>,
    merged: tokio::sync::Mutex<mpsc::UnboundedReceiver<Notification>>,
    pumps: [tokio::task::JoinHandle<()>; 2],
}

impl WithStrap {
    /// Must be called inside a Tokio runtime (it spawns the two pumps).
    pub fn new(
        treadmill: Arc<dyn Treadmill>,
        strap: Arc<dyn HeartRateMonitor>,
        strap_lost: StrapLost,
    ) -> WithStrap {
        let (tx, rx) = mpsc::unbounded_channel();
        let t = treadmill.clone();
        let to_controller = tx.clone();
        let machine = tokio::spawn(async move {
            while let Some(n) = t.next_notification().await {
                if to_controller.send(n).is_err() {
                    return;
                }
            }
            let _ = to_controller.send(Notification::Disconnected);
        });
        let strap_pump = tokio::spawn(async move {
            loop {
                match strap.next_notification().await {
                    Some(n @ Notification::HeartRate(_)) => {
                        if tx.send(n).is_err() {
                            return;
                        }
                    }
                    Some(Notification::Disconnected) | None => break,
                    Some(_) => {}
                }
            }
            // Without the strap the cap cannot be enforced, and the treadmill is still
            // connected: stop the belt as for an error, not as a lost treadmill.
            strap_lost(format!(
                "lost the heart-rate strap {}: the heart-rate cap can no longer be enforced",
                strap.name()
            ));
        });
        WithStrap {
            treadmill,
            merged: tokio::sync::Mutex::new(rx),
            pumps: [machine, strap_pump],
        }
    }
}

impl Drop for WithStrap {
    fn drop(&mut self) {
        for p in &self.pumps {
            p.abort();
        }
    }
}

impl Treadmill for WithStrap {
    fn name(&self) -> String {
        self.treadmill.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.treadmill.capabilities()
    }
    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>> {
        self.treadmill.control(request)
    }
    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move { self.merged.lock().await.recv().await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_treadmill_that_cannot_be_reached_is_named_and_the_strap_is_not_tried() {
        // Without the Bluetooth backend (the normal build) the reason is the build; with it
        // and no such device in range, "not found"; either way the error is the treadmill's.
        let lost: StrapLost = Box::new(|_| {});
        match connect_bluetooth("FS-6041F1", Some("Polar H10"), Duration::ZERO, lost).await {
            Err(e) => {
                assert_eq!(e.role, DeviceRole::Treadmill);
                assert_eq!(e.name, "FS-6041F1");
                assert!(e.to_string().contains("treadmill \"FS-6041F1\""), "{e}");
            }
            Ok(_) => panic!("connected to a treadmill that is not there"),
        }
    }
}
