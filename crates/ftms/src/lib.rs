//! Bluetooth Fitness Machine Service (FTMS) and Heart Rate Service (HRS) for treadmills:
//! typed messages, byte codecs, the transport seam, a simulated treadmill and (with the
//! `bluetooth` feature) a btleplug backend.

#[cfg(feature = "bluetooth")]
pub mod ble;
pub mod bluetooth;
pub mod codec;
pub mod model;
pub mod sim;
pub mod transport;

pub use bluetooth::{BluetoothError, DeviceInfo, DeviceKind};
pub use codec::{DecodeError, EncodeError};
pub use model::*;
pub use sim::{SimConfig, SimHeartRate, SimLogEntry, SimOutcome, SimSnapshot, SimTreadmill};
pub use transport::{BoxFuture, HeartRateMonitor, Notification, TransportError, Treadmill};
