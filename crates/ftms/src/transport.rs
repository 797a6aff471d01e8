//! The seam between the session controller and a treadmill: the simulated machine, the
//! Bluetooth backend and test doubles all implement [`Treadmill`].

use crate::model::{
    Capabilities, ControlRequest, ControlResponse, HeartRate, MachineStatus, TreadmillData,
};
use std::future::Future;
use std::pin::Pin;

/// Something the treadmill (or a strap paired with the session) told us.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    Data(TreadmillData),
    Status(MachineStatus),
    HeartRate(HeartRate),
    /// The link is gone; no more notifications will come.
    Disconnected,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum TransportError {
    #[error("the treadmill is not connected")]
    Disconnected,
    #[error("the treadmill refused {request:?}: {response:?}")]
    Refused {
        request: ControlRequest,
        response: ControlResponse,
    },
    #[error("no response from the treadmill within {0} ms")]
    Timeout(u64),
    #[error("bluetooth: {0}")]
    Bluetooth(String),
    #[error("bad data from the treadmill: {0}")]
    Decode(String),
    /// The request cannot be put on the wire (e.g. a NaN or negative speed); nothing was sent.
    #[error("request not sent: {0}")]
    InvalidRequest(String),
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connected treadmill. Implementations must be cheap to call concurrently: the stop path
/// may call [`Treadmill::control`] while another task is waiting on notifications.
pub trait Treadmill: Send + Sync {
    /// A short human name (advertised name or "simulated treadmill").
    fn name(&self) -> String;
    /// Speed and incline ranges, read once at connection.
    fn capabilities(&self) -> Capabilities;
    /// Writes a control point request and waits for its response indication.
    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>>;
    /// The next notification, or `None` once the transport is closed.
    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>>;
}

/// A connected heart-rate strap (Heart Rate Service). Yields
/// [`Notification::HeartRate`], then [`Notification::Disconnected`] and `None` when the link
/// goes.
pub trait HeartRateMonitor: Send + Sync {
    fn name(&self) -> String;
    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>>;
}
