//! Drives a treadmill through a session plan and stops the belt whenever anything goes wrong.
//!
//! - [`caps`]: the single choke point every speed and incline command passes through.
//! - [`connect`]: finding and connecting to a real treadmill and heart-rate strap.
//! - [`controller`]: the session controller, its commands and events.
//! - [`sink`]: where the 1 Hz telemetry goes (memory or the store).

pub mod caps;
pub mod connect;
pub mod controller;
mod guard;
pub mod sink;

pub use caps::{SafeCommand, SafeLimits, SafeTarget, SessionCeiling};
pub use connect::{
    attach_strap, connect_bluetooth, ConnectError, DeviceRole, StrapLost, WithStrap,
};
pub use controller::{
    Command, Config, ControllerError, ControllerEvent, Outcome, RunState, SessionController,
    SessionHandle, StopReason, Telemetry, RAMP_INCLINE_PCT_PER_S, RAMP_KMH_PER_S,
};
pub use sink::{MemorySink, SinkError, StoreSink, TelemetrySink};
