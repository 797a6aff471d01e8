//! A simulated treadmill behind the [`Treadmill`] seam, for tests, demos and benchmarks.
//!
//! The machine is a physical model driven by tokio time, so tests can run it under
//! `tokio::time::pause()` (let the clock auto-advance with `sleep`, or `advance` in steps of
//! at most one data interval). Belt speed and incline move toward their targets at limited
//! rates, distance and elapsed time integrate, and the quirks of real machines can be switched
//! on in [`SimConfig`]. Everything crosses a simulated wire through the codecs: requests are
//! encoded and decoded by the "machine", data is split into ≤ 20-byte notifications and
//! reassembled, statuses, responses and heart rate are encoded and decoded.
//!
//! The simulator must be created inside a tokio runtime (it spawns its 1 Hz notifier).
//! [`Treadmill::control`] may be called from any runtime, e.g. a stopper thread's own.

mod physics;

use crate::codec::{self, DecodeError, TreadmillDataAssembler};
use crate::model::{
    Capabilities, ControlRequest, ControlResponse, HeartRate, MachineStatus, Range, ResultCode,
    TreadmillData,
};
use crate::transport::{BoxFuture, Notification, TransportError, Treadmill};
use physics::Belt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// A heart rate that follows the workload: `resting + per_kmh × speed + per_incline ×
/// max(incline, 0)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimHeartRate {
    pub resting_bpm: f64,
    pub bpm_per_kmh: f64,
    pub bpm_per_incline_percent: f64,
}

impl Default for SimHeartRate {
    fn default() -> Self {
        SimHeartRate {
            resting_bpm: 70.0,
            bpm_per_kmh: 12.0,
            bpm_per_incline_percent: 2.0,
        }
    }
}

/// How the simulated machine behaves. [`SimConfig::default`] is a well-behaved treadmill;
/// switch quirks on one by one, or take [`SimConfig::quirky`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub name: String,
    /// Supported Speed Range (km/h); set-speed outside it is answered Invalid Parameter.
    pub speed_range: Range,
    /// Supported Inclination Range (%); `None` = a machine without incline: capabilities
    /// report none and Set Target Inclination is answered Op Code Not Supported.
    pub incline_range: Option<Range>,
    /// Belt acceleration and deceleration limit.
    pub accel_kmh_per_s: f64,
    /// Deck incline change rate.
    pub incline_rate_percent_per_s: f64,
    /// Treadmill Data (and heart rate) notification period.
    pub data_interval: Duration,
    /// ATT payload limit: records larger than this are split over several notifications.
    pub max_notification_len: usize,
    /// Quirk (iConsole+): anything before Request Control is answered Control Not Permitted.
    pub require_request_control: bool,
    /// Quirk (Sole F80): set-speed and set-incline while the belt is stopped are answered
    /// Operation Failed; send Start or Resume first.
    pub ignore_targets_while_stopped: bool,
    /// Quirk (Xterra T85 / FS-BT-02): set-speed is answered Success but changes nothing.
    pub ignore_speed_writes: bool,
    /// A second request while one is still being answered fails like ATT error 0xFE.
    pub reject_concurrent_procedures: bool,
    /// The link drops this long after the simulator was created.
    pub disconnect_after: Option<Duration>,
    /// A slow control point: the request takes effect on arrival, its response indication
    /// comes this much later.
    pub response_delay: Duration,
    /// A rejecting control point: every request is answered with this result code.
    pub reject_all_with: Option<ResultCode>,
    /// Emit heart-rate notifications with the data, following this model.
    pub heart_rate: Option<SimHeartRate>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            name: "simulated treadmill".into(),
            speed_range: Range {
                min: 0.5,
                max: 16.0,
                step: 0.1,
            },
            incline_range: Some(Range {
                min: 0.0,
                max: 15.0,
                step: 0.5,
            }),
            accel_kmh_per_s: 0.5,
            incline_rate_percent_per_s: 0.5,
            data_interval: Duration::from_secs(1),
            max_notification_len: 20,
            require_request_control: false,
            ignore_targets_while_stopped: false,
            ignore_speed_writes: false,
            reject_concurrent_procedures: false,
            disconnect_after: None,
            response_delay: Duration::ZERO,
            reject_all_with: None,
            heart_rate: None,
        }
    }
}

impl SimConfig {
    /// The common real-machine quirks together: must request control first and ignores
    /// targets while stopped.
    pub fn quirky() -> Self {
        SimConfig {
            require_request_control: true,
            ignore_targets_while_stopped: true,
            ..SimConfig::default()
        }
    }
}

/// What happened to a request the simulator was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimOutcome {
    /// Arrived; its response has not been collected (still delayed, or the caller gave up).
    Pending,
    Answered(ResultCode),
    /// Never reached the machine: the link was down.
    NotDelivered,
    /// Refused at the link layer because another procedure was in progress.
    Busy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimLogEntry {
    pub at: Instant,
    pub request: ControlRequest,
    pub outcome: SimOutcome,
}

/// The machine's state at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSnapshot {
    pub belt_speed_kmh: f64,
    pub target_speed_kmh: f64,
    pub incline_percent: f64,
    pub target_incline_percent: f64,
    pub running: bool,
    pub total_distance_m: f64,
    pub elapsed_s: f64,
    pub has_control: bool,
    pub connected: bool,
}

struct State {
    belt: Belt,
    last: Instant,
    has_control: bool,
    connected: bool,
    busy: bool,
    hr_override: Option<u16>,
    entries: Vec<SimLogEntry>,
    tx: Option<mpsc::UnboundedSender<Notification>>,
}

struct Shared {
    config: SimConfig,
    capabilities: Capabilities,
    started: Instant,
    state: Mutex<State>,
}

/// The simulated treadmill. Wrap it in an `Arc` to share it with a controller
/// (`Arc<SimTreadmill>` coerces to `Arc<dyn Treadmill>`) while the test keeps inspecting it.
pub struct SimTreadmill {
    shared: Arc<Shared>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Notification>>,
    ticker: tokio::task::JoinHandle<()>,
}

/// The ranges as a client would read them: encoded by the machine, decoded by the client.
fn capabilities_over_the_wire(config: &SimConfig) -> Capabilities {
    let speed = codec::encode_speed_range(&config.speed_range)
        .ok()
        .and_then(|b| codec::decode_speed_range(&b).ok())
        .unwrap_or(config.speed_range);
    let incline = config.incline_range.map(|r| {
        codec::encode_inclination_range(&r)
            .ok()
            .and_then(|b| codec::decode_inclination_range(&b).ok())
            .unwrap_or(r)
    });
    Capabilities {
        speed,
        incline,
        speed_target_supported: true,
        incline_target_supported: incline.is_some(),
    }
}

fn in_range(range: &Range, v: f64) -> bool {
    v >= range.min - 1e-9 && v <= range.max + 1e-9
}

impl SimTreadmill {
    /// Creates the machine and starts its notifier. Must be called inside a tokio runtime.
    pub fn new(config: SimConfig) -> SimTreadmill {
        let (tx, rx) = mpsc::unbounded_channel();
        let now = Instant::now();
        let resting_incline = config.incline_range.map_or(0.0, |r| r.min.max(0.0));
        let shared = Arc::new(Shared {
            capabilities: capabilities_over_the_wire(&config),
            started: now,
            state: Mutex::new(State {
                belt: Belt::new(resting_incline),
                last: now,
                has_control: false,
                connected: true,
                busy: false,
                hr_override: None,
                entries: Vec::new(),
                tx: Some(tx),
            }),
            config,
        });
        let ticker = tokio::spawn(notifier(shared.clone()));
        SimTreadmill {
            shared,
            rx: tokio::sync::Mutex::new(rx),
            ticker,
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Every request that reached the machine, with its arrival time, in order.
    pub fn log(&self) -> Vec<(Instant, ControlRequest)> {
        self.shared
            .lock()
            .entries
            .iter()
            .filter(|e| !matches!(e.outcome, SimOutcome::NotDelivered | SimOutcome::Busy))
            .map(|e| (e.at, e.request))
            .collect()
    }

    /// Every request the simulator was handed, including those that never arrived, with
    /// what became of each.
    pub fn entries(&self) -> Vec<SimLogEntry> {
        self.shared.lock().entries.clone()
    }

    /// How many delivered requests match `pred` (e.g. `|r| r.halts_belt()`).
    pub fn count_received(&self, pred: impl Fn(&ControlRequest) -> bool) -> usize {
        self.log().iter().filter(|(_, r)| pred(r)).count()
    }

    pub fn snapshot(&self) -> SimSnapshot {
        let mut s = self.shared.lock();
        self.shared.sync(&mut s, Instant::now());
        SimSnapshot {
            belt_speed_kmh: s.belt.speed_kmh,
            target_speed_kmh: s.belt.target_speed_kmh,
            incline_percent: s.belt.incline_percent,
            target_incline_percent: s.belt.target_incline_percent,
            running: s.belt.running,
            total_distance_m: s.belt.distance_m,
            elapsed_s: s.belt.elapsed_s,
            has_control: s.has_control,
            connected: s.connected,
        }
    }

    /// The belt speed right now (it lags the target by the acceleration limit).
    pub fn belt_speed_kmh(&self) -> f64 {
        self.snapshot().belt_speed_kmh
    }

    pub fn incline_percent(&self) -> f64 {
        self.snapshot().incline_percent
    }

    pub fn is_running(&self) -> bool {
        self.snapshot().running
    }

    /// Drops the link now: pending notifications are still delivered, then
    /// [`Notification::Disconnected`], then `None`; `control` returns `Err(Disconnected)`.
    pub fn disconnect(&self) {
        self.shared.disconnect(&mut self.shared.lock());
    }

    /// Another client takes over (status 0xFF Control Permission Lost).
    pub fn revoke_control(&self) {
        let mut s = self.shared.lock();
        s.has_control = false;
        self.shared
            .emit_status(&mut s, MachineStatus::ControlPermissionLost);
    }

    /// Someone presses STOP on the console.
    pub fn press_stop_button(&self) {
        self.shared.halt(MachineStatus::StoppedByUser);
    }

    /// Someone pulls the safety key.
    pub fn pull_safety_key(&self) {
        self.shared.halt(MachineStatus::StoppedBySafetyKey);
    }

    /// Forces the reported heart rate (`None` returns to the model, or to silence when the
    /// config has no heart-rate model). Emitted with the next data notification.
    pub fn set_heart_rate(&self, bpm: Option<u16>) {
        self.shared.lock().hr_override = bpm;
    }
}

impl Drop for SimTreadmill {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}

/// Clears the "procedure in progress" mark even when the caller stops waiting.
struct BusyGuard<'a>(&'a Shared);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().busy = false;
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the stop path down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Brings the physical model up to `now` (never backwards: `now` may come from another
    /// runtime's clock).
    fn sync(&self, s: &mut State, now: Instant) {
        let dt = now.saturating_duration_since(s.last).as_secs_f64();
        s.belt.advance(
            dt,
            self.config.accel_kmh_per_s,
            self.config.incline_rate_percent_per_s,
        );
        s.last = s.last.max(now);
    }

    fn emit(&self, s: &mut State, n: Notification) {
        if let Some(tx) = &s.tx {
            let _ = tx.send(n);
        }
    }

    fn emit_status(&self, s: &mut State, status: MachineStatus) {
        let decoded = codec::encode_machine_status(&status)
            .ok()
            .and_then(|b| codec::decode_machine_status(&b).ok());
        if let Some(status) = decoded {
            self.emit(s, Notification::Status(status));
        }
    }

    fn disconnect(&self, s: &mut State) {
        if s.connected {
            s.connected = false;
            self.emit(s, Notification::Disconnected);
            s.tx = None;
        }
    }

    fn halt(&self, status: MachineStatus) {
        let mut s = self.lock();
        self.sync(&mut s, Instant::now());
        s.belt.running = false;
        s.belt.target_speed_kmh = 0.0;
        self.emit_status(&mut s, status);
    }

    fn heart_rate(&self, s: &State) -> Option<u16> {
        s.hr_override.or_else(|| {
            self.config.heart_rate.as_ref().map(|m| {
                let bpm = m.resting_bpm
                    + m.bpm_per_kmh * s.belt.speed_kmh
                    + m.bpm_per_incline_percent * s.belt.incline_percent.max(0.0);
                bpm.round().clamp(0.0, f64::from(u16::MAX)) as u16
            })
        })
    }

    /// One notification period: data over the wire in MTU-sized parts, then heart rate.
    /// Returns false once the link is down.
    fn tick(&self, assembler: &mut TreadmillDataAssembler) -> bool {
        let mut s = self.lock();
        if !s.connected {
            return false;
        }
        self.sync(&mut s, Instant::now());
        let record = TreadmillData {
            speed_kmh: Some(s.belt.speed_kmh),
            total_distance_m: Some(s.belt.distance_m.floor().clamp(0.0, 16_777_214.0) as u32),
            inclination_percent: self.capabilities.incline.map(|_| s.belt.incline_percent),
            elapsed_s: Some(s.belt.elapsed_s.floor().clamp(0.0, f64::from(u16::MAX)) as u16),
            ..TreadmillData::default()
        };
        if let Ok(parts) =
            codec::encode_treadmill_data_split(&record, self.config.max_notification_len)
        {
            for part in parts {
                if let Ok(Some(data)) = assembler.push(&part) {
                    self.emit(&mut s, Notification::Data(data));
                }
            }
        }
        if let Some(bpm) = self.heart_rate(&s).filter(|b| *b > 0) {
            let hr = HeartRate {
                bpm,
                contact: Some(true),
                energy_kj: None,
                rr_ms: vec![60_000.0 / f64::from(bpm)],
            };
            if let Some(hr) = codec::encode_heart_rate(&hr)
                .ok()
                .and_then(|b| codec::decode_heart_rate(&b).ok())
            {
                self.emit(&mut s, Notification::HeartRate(hr));
            }
        }
        true
    }

    async fn control(&self, request: ControlRequest) -> Result<ControlResponse, TransportError> {
        let bytes = codec::encode_request(&request)
            .map_err(|e| TransportError::InvalidRequest(e.to_string()))?;
        let (index, response) = {
            let mut s = self.lock();
            let at = Instant::now();
            let log = |s: &mut State, outcome| {
                s.entries.push(SimLogEntry {
                    at,
                    request,
                    outcome,
                });
                s.entries.len() - 1
            };
            if !s.connected {
                log(&mut s, SimOutcome::NotDelivered);
                return Err(TransportError::Disconnected);
            }
            if self.config.reject_concurrent_procedures && s.busy {
                log(&mut s, SimOutcome::Busy);
                return Err(TransportError::Bluetooth(
                    "ATT error 0xFE: procedure already in progress".into(),
                ));
            }
            let index = log(&mut s, SimOutcome::Pending);
            self.sync(&mut s, at);
            let result = self.execute(&mut s, &bytes);
            s.busy = true;
            let response = ControlResponse {
                request_opcode: request.opcode(),
                result,
            };
            (index, response)
        };
        let _busy = BusyGuard(self);
        if !self.config.response_delay.is_zero() {
            tokio::time::sleep(self.config.response_delay).await;
        }
        let mut s = self.lock();
        if !s.connected {
            return Err(TransportError::Disconnected);
        }
        let response = codec::decode_response(&codec::encode_response(&response))
            .map_err(|e| TransportError::Decode(e.to_string()))?;
        if let Some(entry) = s.entries.get_mut(index) {
            entry.outcome = SimOutcome::Answered(response.result);
        }
        Ok(response)
    }

    /// The machine's side of the control point: decodes the written bytes and acts.
    fn execute(&self, s: &mut State, bytes: &[u8]) -> ResultCode {
        let cfg = &self.config;
        if let Some(code) = cfg.reject_all_with {
            return code;
        }
        let request = match codec::decode_request(bytes) {
            Ok(r) => r,
            Err(DecodeError::UnknownOpcode { .. }) => return ResultCode::OpCodeNotSupported,
            Err(_) => return ResultCode::InvalidParameter,
        };
        if cfg.require_request_control
            && !s.has_control
            && request != ControlRequest::RequestControl
        {
            return ResultCode::ControlNotPermitted;
        }
        match request {
            ControlRequest::RequestControl => {
                s.has_control = true;
            }
            ControlRequest::Reset => {
                let incline = cfg.incline_range.map_or(0.0, |r| r.min.max(0.0));
                s.belt = Belt::new(incline);
                // After a reset the client must request control again.
                s.has_control = false;
                self.emit_status(s, MachineStatus::Reset);
            }
            ControlRequest::SetTargetSpeed { kmh } => {
                if !in_range(&cfg.speed_range, kmh) {
                    return ResultCode::InvalidParameter;
                }
                if cfg.ignore_targets_while_stopped && !s.belt.running {
                    return ResultCode::OperationFailed;
                }
                if !cfg.ignore_speed_writes {
                    s.belt.target_speed_kmh = kmh;
                    self.emit_status(s, MachineStatus::TargetSpeedChanged { kmh });
                }
            }
            ControlRequest::SetTargetInclination { percent } => {
                let Some(range) = cfg.incline_range else {
                    return ResultCode::OpCodeNotSupported;
                };
                if !in_range(&range, percent) {
                    return ResultCode::InvalidParameter;
                }
                if cfg.ignore_targets_while_stopped && !s.belt.running {
                    return ResultCode::OperationFailed;
                }
                s.belt.target_incline_percent = percent;
                self.emit_status(s, MachineStatus::TargetInclineChanged { percent });
            }
            ControlRequest::StartOrResume => {
                if !s.belt.running {
                    s.belt.running = true;
                    // Like a real belt, starting without a target runs at the minimum speed.
                    if s.belt.target_speed_kmh < cfg.speed_range.min {
                        s.belt.target_speed_kmh = cfg.speed_range.min;
                    }
                    self.emit_status(s, MachineStatus::StartedOrResumedByUser);
                }
            }
            ControlRequest::Stop => {
                s.belt.running = false;
                s.belt.target_speed_kmh = 0.0;
                self.emit_status(s, MachineStatus::StoppedByUser);
            }
            ControlRequest::Pause => {
                s.belt.running = false;
                self.emit_status(s, MachineStatus::PausedByUser);
            }
        }
        ResultCode::Success
    }
}

async fn notifier(shared: Arc<Shared>) {
    let period = shared.config.data_interval.max(Duration::from_millis(1));
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let deadline = shared.config.disconnect_after.map(|d| shared.started + d);
    let mut assembler = TreadmillDataAssembler::new();
    loop {
        let drop_link = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = drop_link => {
                shared.disconnect(&mut shared.lock());
                return;
            }
            _ = interval.tick() => {
                if !shared.tick(&mut assembler) {
                    return;
                }
            }
        }
    }
}

impl Treadmill for SimTreadmill {
    fn name(&self) -> String {
        self.shared.config.name.clone()
    }

    fn capabilities(&self) -> Capabilities {
        self.shared.capabilities
    }

    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>> {
        Box::pin(self.shared.control(request))
    }

    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move { self.rx.lock().await.recv().await })
    }
}

#[cfg(test)]
mod tests;
