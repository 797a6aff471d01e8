//! Drives a treadmill through a session plan, and stops the belt whenever anything goes
//! wrong.
//!
//! One task owns the treadmill. Every wait in it (for a tick, for a control point answer,
//! for the belt to start) is raced against the command channel, the machine's
//! notifications and the UI heartbeat deadline, with commands first, so a STOP never queues
//! behind anything: the Stop write is the next thing the task does.

use crate::caps::{SafeCommand, SafeLimits, SafeTarget, SessionCeiling};
use crate::guard::{halt_belt, StopGuard, Stopper};
use crate::sink::TelemetrySink;
use retrowalk_core::session::{CueKind, SegmentKind, SessionPlan};
use retrowalk_core::{ClinicianCaps, Limits};
use retrowalk_ftms::{
    MachineStatus, Notification, ResultCode, TransportError, Treadmill, TreadmillData,
};
use retrowalk_store::Sample;
use serde::Serialize;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

/// Upward speed changes go in steps of at most this much per session second. A person
/// walking backward cannot see the belt, and a sudden speed step feels like a slip; about
/// 0.08 m/s² is well below what treadmills do on their own (0.5–1 km/h per second) and
/// gives a few strides to adapt. It also keeps control point writes to about one per
/// second, which slow machines need (ftms-notes, quirk 13). Slowing down is not ramped:
/// the new segment's caps apply at once and the belt's own deceleration is the ramp.
pub const RAMP_KMH_PER_S: f64 = 0.3;
/// Upward incline changes per session second, for the same reason.
pub const RAMP_INCLINE_PCT_PER_S: f64 = 0.5;
/// A heart rate older than this (session seconds) is no longer shown or recorded.
const HR_STALE_TICKS: u64 = 5;
/// A belt speed or incline the machine reported longer ago than this (real time) is no longer
/// taken as measured: machines notify about once a second, so after a few silent seconds
/// the last reading says more about the past than the belt (e.g. a halted belt whose last
/// notification still said 3 km/h). The commanded value stands in until data comes again.
const DATA_STALE: Duration = Duration::from_secs(3);
/// Machines announce every halt in Fitness Machine Status, also one the controller asked
/// for, and use the same "stopped or paused by the user" code for both. One such status this
/// soon after the controller's own halt is taken as its echo; a second one, or one later, is
/// someone at the console and ends the session (so a belt halted for a turn is not started
/// again after a person pressed STOP).
const HALT_ECHO_WINDOW: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Config {
    /// Stop when the UI sends no heartbeat for this long (real time); `None` disables it.
    pub heartbeat_timeout: Option<Duration>,
    /// Stop when the heart rate goes above this.
    pub hr_cap: Option<u16>,
    /// Session seconds per real second: 1 for a real session, more for a simulated demo.
    pub time_scale: f64,
    /// How long to wait for the belt to report running after Start before sending speeds.
    pub start_timeout: Duration,
    /// How long to wait for each control point answer.
    pub command_timeout: Duration,
    /// How many times to try a Stop before giving up.
    pub stop_attempts: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            heartbeat_timeout: Some(Duration::from_secs(5)),
            hr_cap: None,
            time_scale: 1.0,
            start_timeout: Duration::from_secs(3),
            command_timeout: Duration::from_secs(2),
            stop_attempts: 5,
        }
    }
}

/// What any interface (terminal, web runner, tests) can tell the controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stop the belt and end the session; `reason` names who asked (e.g. "terminal").
    Stop {
        reason: String,
    },
    Pause,
    Resume,
    /// The UI is still there.
    Heartbeat,
    /// Change the heart-rate cap.
    HeartRateCap(u16),
    /// Something the controller relies on failed outside it (e.g. the heart-rate strap
    /// went away, so the cap can no longer be enforced): stop the belt as for an error.
    Fault {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum StopReason {
    Completed,
    Requested {
        by: String,
    },
    HeartRate {
        bpm: u16,
        cap: u16,
    },
    HeartbeatLost {
        after_ms: u64,
    },
    Error {
        message: String,
    },
    ConnectionLost,
    AtMachine {
        what: String,
    },
    /// Nobody is left who could send a command (every sender dropped).
    Shutdown,
}

impl StopReason {
    pub fn code(&self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::Requested { .. } => "user_stop",
            StopReason::HeartRate { .. } => "heart_rate",
            StopReason::HeartbeatLost { .. } => "heartbeat_lost",
            StopReason::Error { .. } => "error",
            StopReason::ConnectionLost => "connection_lost",
            StopReason::AtMachine { .. } => "machine_stop",
            StopReason::Shutdown => "shutdown",
        }
    }
    fn error(message: impl Into<String>) -> StopReason {
        StopReason::Error {
            message: message.into(),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        match self {
            StopReason::Completed | StopReason::ConnectionLost | StopReason::Shutdown => {
                write!(f, "{code}")
            }
            StopReason::Requested { by } => write!(f, "{code}: {by}"),
            StopReason::HeartRate { bpm, cap } => {
                write!(f, "{code}: {bpm} bpm is above the cap of {cap} bpm")
            }
            StopReason::HeartbeatLost { after_ms } => {
                write!(f, "{code}: no word from the screen for {after_ms} ms")
            }
            StopReason::Error { message } => write!(f, "{code}: {message}"),
            StopReason::AtMachine { what } => write!(f, "{code}: {what}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    RequestingControl,
    Starting,
    Running,
    Paused,
    Stopping,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Telemetry {
    /// Session seconds since the run started.
    pub t_s: u64,
    pub segment: usize,
    pub segment_elapsed_s: u32,
    pub segment_remaining_s: u32,
    pub speed_kmh: f64,
    pub incline_pct: Option<f64>,
    pub distance_m: f64,
    pub heart_rate: Option<u16>,
    pub rr_ms: Vec<u16>,
    pub target_speed_kmh: f64,
    pub target_incline_pct: f64,
    pub paused: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ControllerEvent {
    State {
        state: RunState,
    },
    Segment {
        index: usize,
        kind: SegmentKind,
        label: String,
        duration_s: u32,
        target_speed_kmh: f64,
        target_incline_pct: f64,
    },
    Cue {
        segment: usize,
        kind: CueKind,
        text: String,
    },
    Telemetry(Telemetry),
    Warning {
        message: String,
    },
    Stopped {
        reason: StopReason,
        /// The treadmill confirmed the stop.
        confirmed: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub reason: StopReason,
    pub stop_confirmed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error("the session plan has no segments")]
    EmptyPlan,
    #[error("cannot start the belt-stopper thread: {0}")]
    Stopper(#[from] std::io::Error),
}

/// A session ready to run: subscribe to its events and take its command sender first, then
/// [`SessionController::spawn`].
pub struct SessionController {
    machine: Arc<dyn Treadmill>,
    plan: SessionPlan,
    ceiling: SessionCeiling,
    config: Config,
    commands_tx: mpsc::UnboundedSender<Command>,
    commands_rx: mpsc::UnboundedReceiver<Command>,
    events: broadcast::Sender<ControllerEvent>,
    sink: Box<dyn TelemetrySink>,
}

pub struct SessionHandle {
    commands: mpsc::UnboundedSender<Command>,
    events: broadcast::Sender<ControllerEvent>,
    task: JoinHandle<Outcome>,
    guard_outcome: Arc<Mutex<Option<bool>>>,
}

impl SessionController {
    pub fn new(
        machine: Arc<dyn Treadmill>,
        plan: SessionPlan,
        limits: &Limits,
        caps: &ClinicianCaps,
        sink: Box<dyn TelemetrySink>,
        config: Config,
    ) -> SessionController {
        let ceiling = SessionCeiling::new(limits, caps, machine.capabilities());
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(1024);
        SessionController {
            machine,
            plan,
            ceiling,
            config,
            commands_tx,
            commands_rx,
            events,
            sink,
        }
    }

    pub fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.commands_tx.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ControllerEvent> {
        self.events.subscribe()
    }

    pub fn spawn(self) -> Result<SessionHandle, ControllerError> {
        if self.plan.segments.is_empty() {
            return Err(ControllerError::EmptyPlan);
        }
        let stopper = Stopper::spawn(
            self.machine.clone(),
            self.config.stop_attempts,
            self.config.command_timeout,
        )?;
        let guard_outcome = Arc::new(Mutex::new(None));
        let guard_wait = self.config.command_timeout * self.config.stop_attempts.max(1);
        let guard = StopGuard::arm(stopper, guard_wait, guard_outcome.clone());
        let (notes_tx, notes_rx) = mpsc::unbounded_channel();
        let pump = AbortOnDrop(tokio::spawn(pump_notifications(
            self.machine.clone(),
            notes_tx,
        )));
        let tick = Duration::from_secs_f64(1.0 / self.config.time_scale.clamp(0.01, 10_000.0));
        let heartbeat_deadline = self.config.heartbeat_timeout.map(|t| Instant::now() + t);
        let events = self.events.clone();
        let first = self.ceiling.for_segment(&self.plan.segments[0]);
        let mut driver = Driver {
            machine: self.machine,
            hr_cap: self.config.hr_cap,
            config: self.config,
            ceiling: self.ceiling,
            commands: self.commands_rx,
            notes: notes_rx,
            events: self.events,
            sink: self.sink,
            heartbeat_deadline,
            tick,
            next_tick: Instant::now() + tick,
            phase: Phase::RequestControl,
            segment: 0,
            announced: None,
            limits: first,
            target: first.clamp(0.0, 0.0),
            segment_elapsed: 0,
            ticks: 0,
            commanded_speed: 0.0,
            commanded_incline: None,
            belt_running: false,
            own_halt_at: None,
            halt_echo_expected: false,
            paused: false,
            m: Measured::default(),
            sink_warned: false,
            plan: self.plan,
        };
        let task = tokio::spawn(async move {
            let _pump = pump;
            let reason = driver.drive().await;
            driver.emit(ControllerEvent::State {
                state: RunState::Stopping,
            });
            // Stop first; recording and reporting wait until the belt is halted. Even after
            // a lost connection the Stop is tried: a write to a link that is really gone
            // fails at once, and one that only lost its notifications still gets it.
            let confirmed = halt_belt(
                &*driver.machine,
                SafeCommand::stop(),
                driver.config.stop_attempts,
                driver.config.command_timeout,
            )
            .await;
            guard.disarm();
            if let Err(e) = driver.sink.finish().await {
                driver.warn(e.to_string());
            }
            driver.emit(ControllerEvent::Stopped {
                reason: reason.clone(),
                confirmed,
            });
            Outcome {
                reason,
                stop_confirmed: confirmed,
            }
        });
        Ok(SessionHandle {
            commands: self.commands_tx,
            events,
            task,
            guard_outcome,
        })
    }
}

impl SessionHandle {
    pub fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.commands.clone()
    }
    pub fn subscribe(&self) -> broadcast::Receiver<ControllerEvent> {
        self.events.subscribe()
    }
    /// Asks for a stop; never blocks.
    pub fn stop(&self, by: impl Into<String>) {
        let _ = self.commands.send(Command::Stop { reason: by.into() });
    }
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
    /// Aborts the controller task; its guard stops the belt.
    pub fn abort(&self) {
        self.task.abort();
    }
    /// Waits for the session to end. A controller that panicked or was aborted reports an
    /// error, with whether its guard got the stop confirmed.
    pub async fn finish(self) -> Outcome {
        match self.task.await {
            Ok(o) => o,
            Err(e) => {
                let confirmed = self
                    .guard_outcome
                    .lock()
                    .ok()
                    .and_then(|o| *o)
                    .unwrap_or(false);
                let what = if e.is_panic() {
                    "panicked"
                } else {
                    "was aborted"
                };
                Outcome {
                    reason: StopReason::error(format!("the session controller {what}")),
                    stop_confirmed: confirmed,
                }
            }
        }
    }
}

struct AbortOnDrop(JoinHandle<()>);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Moves notifications onto a channel so the driver can race them against everything else
/// without depending on the transport's futures being cancel-safe.
async fn pump_notifications(machine: Arc<dyn Treadmill>, tx: mpsc::UnboundedSender<Notification>) {
    loop {
        let n = machine
            .next_notification()
            .await
            .unwrap_or(Notification::Disconnected);
        let last = n == Notification::Disconnected;
        if tx.send(n).is_err() || last {
            return;
        }
    }
}

#[derive(Debug)]
enum Interrupt {
    Stop(StopReason),
    Pause,
    Resume,
}

impl From<StopReason> for Interrupt {
    fn from(r: StopReason) -> Self {
        Interrupt::Stop(r)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    RequestControl,
    EnterSegment,
    Ticking,
    Done,
}

#[derive(Debug, Default)]
struct Measured {
    speed_kmh: Option<f64>,
    incline_pct: Option<f64>,
    /// When the speed and incline above were last reported.
    data_at: Option<Instant>,
    /// Distance the machine reported before its counter last reset.
    distance_base_m: f64,
    last_reported_m: Option<u32>,
    integrated_m: f64,
    heart_rate: Option<(u16, u64)>,
    rr_ms: Vec<u16>,
    running_seen: bool,
}

impl Measured {
    fn fresh(&self) -> bool {
        self.data_at.is_some_and(|at| at.elapsed() <= DATA_STALE)
    }
    fn distance_m(&self) -> f64 {
        match self.last_reported_m {
            Some(r) => self.distance_base_m + f64::from(r),
            None => self.integrated_m,
        }
    }
}

struct Driver {
    machine: Arc<dyn Treadmill>,
    plan: SessionPlan,
    ceiling: SessionCeiling,
    config: Config,
    commands: mpsc::UnboundedReceiver<Command>,
    notes: mpsc::UnboundedReceiver<Notification>,
    events: broadcast::Sender<ControllerEvent>,
    sink: Box<dyn TelemetrySink>,
    heartbeat_deadline: Option<Instant>,
    hr_cap: Option<u16>,
    tick: Duration,
    next_tick: Instant,
    phase: Phase,
    segment: usize,
    announced: Option<usize>,
    limits: SafeLimits,
    target: SafeTarget,
    segment_elapsed: u32,
    ticks: u64,
    commanded_speed: f64,
    commanded_incline: Option<f64>,
    belt_running: bool,
    /// When the controller itself last halted the belt (see [`HALT_ECHO_WINDOW`]).
    own_halt_at: Option<Instant>,
    /// The echo of that halt has not arrived yet.
    halt_echo_expected: bool,
    paused: bool,
    m: Measured,
    sink_warned: bool,
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl Driver {
    fn emit(&self, e: ControllerEvent) {
        let _ = self.events.send(e);
    }

    fn warn(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!("{message}");
        self.emit(ControllerEvent::Warning { message });
    }

    async fn drive(&mut self) -> StopReason {
        self.emit(ControllerEvent::State {
            state: RunState::RequestingControl,
        });
        loop {
            match self.advance().await {
                Ok(()) if self.phase == Phase::Done => return StopReason::Completed,
                Ok(()) | Err(Interrupt::Resume) => {}
                Err(Interrupt::Stop(r)) => return r,
                Err(Interrupt::Pause) => {
                    if let Err(r) = self.pause().await {
                        return r;
                    }
                }
            }
        }
    }

    async fn advance(&mut self) -> Result<(), Interrupt> {
        match self.phase {
            Phase::RequestControl => {
                self.send(SafeCommand::request_control()).await?;
                self.phase = Phase::EnterSegment;
            }
            Phase::EnterSegment => {
                self.enter_segment().await?;
                self.phase = Phase::Ticking;
            }
            Phase::Ticking => {
                let at = self.next_tick;
                self.wait(sleep_until(at)).await?;
                // A late tick (e.g. after a slow write) does not bunch up ticks after it.
                self.next_tick = (at + self.tick).max(Instant::now());
                self.on_tick().await?;
            }
            Phase::Done => {}
        }
        Ok(())
    }

    /// Runs `fut` while handling commands, notifications and the heartbeat deadline; any of
    /// those may interrupt it (the future is then dropped).
    async fn wait<F: Future>(&mut self, fut: F) -> Result<F::Output, Interrupt> {
        tokio::pin!(fut);
        loop {
            let heartbeat = self.heartbeat_deadline;
            tokio::select! {
                biased;
                cmd = self.commands.recv() => {
                    let Some(cmd) = cmd else {
                        return Err(StopReason::Shutdown.into());
                    };
                    if let Some(i) = self.on_command(cmd) {
                        return Err(i);
                    }
                }
                note = self.notes.recv() => {
                    if let Some(i) = self.on_notification(note.unwrap_or(Notification::Disconnected)) {
                        return Err(i);
                    }
                }
                _ = sleep_until_opt(heartbeat) => {
                    let after_ms = self
                        .config
                        .heartbeat_timeout
                        .map(|d| d.as_millis() as u64)
                        .unwrap_or(0);
                    return Err(StopReason::HeartbeatLost { after_ms }.into());
                }
                out = &mut fut => return Ok(out),
            }
        }
    }

    fn on_command(&mut self, cmd: Command) -> Option<Interrupt> {
        match cmd {
            Command::Stop { reason } => Some(StopReason::Requested { by: reason }.into()),
            Command::Fault { message } => Some(StopReason::error(message).into()),
            Command::Pause => (!self.paused).then_some(Interrupt::Pause),
            Command::Resume => self.paused.then_some(Interrupt::Resume),
            Command::Heartbeat => {
                self.heartbeat_deadline = self.config.heartbeat_timeout.map(|t| Instant::now() + t);
                None
            }
            Command::HeartRateCap(cap) => {
                self.hr_cap = Some(cap);
                self.check_heart_rate()
            }
        }
    }

    fn on_notification(&mut self, n: Notification) -> Option<Interrupt> {
        match n {
            Notification::Data(d) => {
                self.on_data(&d);
                if let Some(bpm) = d.heart_rate_bpm.filter(|&b| b > 0) {
                    self.m.heart_rate = Some((u16::from(bpm), self.ticks));
                }
                self.check_heart_rate()
            }
            Notification::HeartRate(h) => {
                // A strap without skin contact reports noise, not a heart rate.
                if h.contact == Some(false) || h.bpm == 0 {
                    return None;
                }
                self.m.heart_rate = Some((h.bpm, self.ticks));
                self.m.rr_ms.extend(
                    h.rr_ms
                        .iter()
                        .filter(|r| r.is_finite() && **r > 0.0 && **r < f64::from(u16::MAX))
                        .map(|r| r.round() as u16),
                );
                self.check_heart_rate()
            }
            Notification::Status(s) => match s {
                MachineStatus::StoppedByUser | MachineStatus::PausedByUser
                    if self.take_own_halt_echo() =>
                {
                    None
                }
                MachineStatus::StoppedByUser => Some(
                    StopReason::AtMachine {
                        what: "stopped at the treadmill".into(),
                    }
                    .into(),
                ),
                MachineStatus::StoppedBySafetyKey => Some(
                    StopReason::AtMachine {
                        what: "safety key pulled".into(),
                    }
                    .into(),
                ),
                MachineStatus::PausedByUser => (!self.paused).then_some(Interrupt::Pause),
                MachineStatus::StartedOrResumedByUser => {
                    self.m.running_seen = true;
                    None
                }
                MachineStatus::ControlPermissionLost => {
                    Some(StopReason::error("the treadmill withdrew control").into())
                }
                _ => None,
            },
            Notification::Disconnected => Some(StopReason::ConnectionLost.into()),
        }
    }

    fn on_data(&mut self, d: &TreadmillData) {
        if d.speed_kmh.is_some() || d.inclination_percent.is_some() {
            self.m.data_at = Some(Instant::now());
        }
        if let Some(s) = d.speed_kmh.filter(|s| s.is_finite()) {
            self.m.speed_kmh = Some(s);
            if s > 0.0 {
                self.m.running_seen = true;
            }
        }
        if let Some(i) = d.inclination_percent.filter(|i| i.is_finite()) {
            self.m.incline_pct = Some(i);
        }
        if let Some(r) = d.total_distance_m {
            // Machines reset their counter on start (ftms-notes quirk 9); keep the total.
            if let Some(last) = self.m.last_reported_m {
                if r < last {
                    self.m.distance_base_m += f64::from(last);
                }
            }
            self.m.last_reported_m = Some(r);
        }
    }

    /// Whether a "stopped/paused by the user" status is the echo of the controller's own
    /// halt; each halt has one echo at most.
    fn take_own_halt_echo(&mut self) -> bool {
        let echo = self.halt_echo_expected
            && self
                .own_halt_at
                .is_some_and(|at| at.elapsed() <= HALT_ECHO_WINDOW);
        if echo {
            self.halt_echo_expected = false;
        }
        echo
    }

    /// Halts the belt on purpose (stand still, a part too slow for the machine, pause).
    async fn halt_on_purpose(&mut self, first: SafeCommand) -> bool {
        self.own_halt_at = Some(Instant::now());
        self.halt_echo_expected = true;
        halt_belt(
            &*self.machine,
            first,
            self.config.stop_attempts,
            self.config.command_timeout,
        )
        .await
    }

    fn current_heart_rate(&self) -> Option<u16> {
        self.m
            .heart_rate
            .filter(|(_, at)| self.ticks.saturating_sub(*at) <= HR_STALE_TICKS)
            .map(|(b, _)| b)
    }

    fn check_heart_rate(&self) -> Option<Interrupt> {
        let cap = self.hr_cap?;
        let bpm = self.current_heart_rate()?;
        (bpm > cap).then(|| StopReason::HeartRate { bpm, cap }.into())
    }

    /// Writes one command, racing it against everything that can interrupt.
    async fn send(&mut self, cmd: SafeCommand) -> Result<(), Interrupt> {
        let machine = self.machine.clone();
        let timeout = self.config.command_timeout;
        let request = cmd.request();
        let answer = self
            .wait(async move { tokio::time::timeout(timeout, machine.control(request)).await })
            .await?;
        match answer {
            Err(_) => Err(StopReason::error(format!(
                "no answer to {request:?} within {} ms",
                timeout.as_millis()
            ))
            .into()),
            Ok(Err(TransportError::Disconnected)) => Err(StopReason::ConnectionLost.into()),
            Ok(Err(e)) => Err(StopReason::error(e.to_string()).into()),
            Ok(Ok(r)) if r.result != ResultCode::Success => Err(StopReason::error(format!(
                "the treadmill refused {request:?}: {:?}",
                r.result
            ))
            .into()),
            Ok(Ok(_)) => Ok(()),
        }
    }

    async fn enter_segment(&mut self) -> Result<(), Interrupt> {
        let Some(seg) = self.plan.segments.get(self.segment) else {
            self.phase = Phase::Done;
            return Ok(());
        };
        self.limits = self.ceiling.for_segment(seg);
        self.target = self.limits.clamp(seg.speed.kmh(), seg.incline.percent());
        let halt = if seg.kind == SegmentKind::StandStill {
            SafeCommand::stop()
        } else {
            SafeCommand::pause()
        };
        if self.announced != Some(self.segment) {
            self.announced = Some(self.segment);
            self.emit(ControllerEvent::Segment {
                index: self.segment,
                kind: seg.kind,
                label: seg.label.clone(),
                duration_s: seg.duration_s,
                target_speed_kmh: self.target.speed_kmh(),
                target_incline_pct: self.target.incline_pct(),
            });
            if seg.kind.belt_running() && !self.target.belt_runs() {
                self.warn(format!(
                    "\"{}\": the treadmill cannot run this slowly within your limits, so the belt stays stopped",
                    seg.label
                ));
            }
            self.cues_at(0);
        }
        if self.target.belt_runs() {
            if !self.belt_running {
                self.start_belt().await?;
            }
            self.ramp().await?;
        } else if self.belt_running {
            self.belt_running = false;
            self.commanded_speed = 0.0;
            let confirmed = self.halt_on_purpose(halt).await;
            if !confirmed {
                return Err(StopReason::error("the treadmill did not confirm the halt").into());
            }
        }
        Ok(())
    }

    async fn start_belt(&mut self) -> Result<(), Interrupt> {
        self.emit(ControllerEvent::State {
            state: RunState::Starting,
        });
        self.m.running_seen = false;
        self.send(SafeCommand::start_or_resume()).await?;
        // Some machines ignore targets while the belt is still stopped (ftms-notes quirk 5):
        // wait until it reports running.
        let deadline = Instant::now() + self.config.start_timeout;
        while !self.m.running_seen && Instant::now() < deadline {
            self.wait(tokio::time::sleep(Duration::from_millis(20)))
                .await?;
        }
        if !self.m.running_seen {
            self.warn("the treadmill did not report the belt running; sending the speed anyway");
        }
        self.belt_running = true;
        self.commanded_speed = self.m.speed_kmh.unwrap_or(0.0).max(0.0);
        self.emit(ControllerEvent::State {
            state: RunState::Running,
        });
        Ok(())
    }

    /// One step toward the segment's target, through the caps.
    async fn ramp(&mut self) -> Result<(), Interrupt> {
        if !self.belt_running || !self.target.belt_runs() {
            return Ok(());
        }
        let machine = *self.ceiling.machine();
        let goal = self.target.speed_kmh();
        let machine_step = if machine.speed.step.is_finite() {
            machine.speed.step.max(0.0)
        } else {
            0.0
        };
        // A belt that has just started runs at the machine's minimum anyway.
        let from = self.commanded_speed.max(machine.speed.min.min(goal));
        // Rounded to the wire's 0.01 km/h, so float noise in the sum (2.3 + 0.3 is
        // 2.5999999999999996) cannot cost a grid step; the caps still have the last word.
        let next_speed = if from < goal {
            (((from + RAMP_KMH_PER_S.max(machine_step)) * 100.0).round() / 100.0).min(goal)
        } else {
            goal
        };
        let goal_incline = self
            .target
            .incline_command()
            .map(|_| self.target.incline_pct());
        // A machine whose incline moves in coarser steps than the ramp gets its own step, or
        // the ramp would round down to where it started, every second, forever.
        let incline_step = machine
            .incline
            .map(|r| r.step)
            .filter(|s| s.is_finite())
            .unwrap_or(0.0)
            .max(RAMP_INCLINE_PCT_PER_S);
        let next_incline = goal_incline.map(|g| {
            let from = self.commanded_incline.or(self.m.incline_pct).unwrap_or(0.0);
            if from < g {
                (((from + incline_step) * 10.0).round() / 10.0).min(g)
            } else {
                g
            }
        });
        let t = self.limits.clamp(next_speed, next_incline.unwrap_or(0.0));
        if let Some(cmd) = t.speed_command() {
            if (t.speed_kmh() - self.commanded_speed).abs() > 1e-9 {
                self.send(cmd).await?;
                self.commanded_speed = t.speed_kmh();
            }
        }
        if let (Some(cmd), Some(_)) = (t.incline_command(), next_incline) {
            if self
                .commanded_incline
                .is_none_or(|c| (c - t.incline_pct()).abs() > 1e-9)
            {
                self.send(cmd).await?;
                self.commanded_incline = Some(t.incline_pct());
            }
        }
        Ok(())
    }

    fn cues_at(&self, at_s: u32) {
        if let Some(seg) = self.plan.segments.get(self.segment) {
            for c in seg.cues.iter().filter(|c| c.at_s == at_s) {
                self.emit(ControllerEvent::Cue {
                    segment: self.segment,
                    kind: c.kind,
                    text: c.text.clone(),
                });
            }
        }
    }

    fn record_tick(&mut self) {
        self.ticks += 1;
        let fresh = self.m.fresh();
        let commanded = if self.belt_running {
            self.commanded_speed
        } else {
            0.0
        };
        let speed = self.m.speed_kmh.filter(|_| fresh).unwrap_or(commanded);
        let incline = if fresh {
            self.m.incline_pct.or(self.commanded_incline)
        } else {
            self.commanded_incline
        };
        self.m.integrated_m += speed / 3.6;
        let duration = self
            .plan
            .segments
            .get(self.segment)
            .map(|s| s.duration_s)
            .unwrap_or(0);
        let rr = std::mem::take(&mut self.m.rr_ms);
        let hr = self.current_heart_rate();
        let t = Telemetry {
            t_s: self.ticks,
            segment: self.segment,
            segment_elapsed_s: self.segment_elapsed,
            segment_remaining_s: duration.saturating_sub(self.segment_elapsed),
            speed_kmh: speed,
            incline_pct: incline,
            distance_m: self.m.distance_m(),
            heart_rate: hr,
            rr_ms: rr.clone(),
            target_speed_kmh: self.target.speed_kmh(),
            target_incline_pct: self.target.incline_pct(),
            paused: self.paused,
        };
        let sample = Sample {
            t_ms: i64::try_from(self.ticks.saturating_mul(1000)).unwrap_or(i64::MAX),
            speed_kmh: speed,
            incline_pct: incline,
            distance_m: t.distance_m,
            heart_rate: hr.and_then(|b| u8::try_from(b).ok()),
            rr_ms: rr,
        };
        self.emit(ControllerEvent::Telemetry(t));
        if let Err(e) = self.sink.record(sample) {
            // Losing telemetry is not a reason to stop the belt; say so once.
            if !self.sink_warned {
                self.sink_warned = true;
                self.warn(e.to_string());
            }
        }
    }

    async fn on_tick(&mut self) -> Result<(), Interrupt> {
        self.segment_elapsed += 1;
        self.record_tick();
        let duration = self
            .plan
            .segments
            .get(self.segment)
            .map(|s| s.duration_s)
            .unwrap_or(0);
        if self.segment_elapsed >= duration {
            self.segment += 1;
            self.segment_elapsed = 0;
            self.phase = if self.segment < self.plan.segments.len() {
                Phase::EnterSegment
            } else {
                Phase::Done
            };
            return Ok(());
        }
        self.cues_at(self.segment_elapsed);
        self.ramp().await
    }

    /// Halts the belt, then waits for Resume (or a stop) while still recording.
    async fn pause(&mut self) -> Result<(), StopReason> {
        let was_running = self.belt_running;
        self.paused = true;
        self.belt_running = false;
        self.commanded_speed = 0.0;
        self.commanded_incline = None;
        if was_running {
            let confirmed = self.halt_on_purpose(SafeCommand::pause()).await;
            if !confirmed {
                return Err(StopReason::error("the treadmill did not confirm the pause"));
            }
        }
        self.emit(ControllerEvent::State {
            state: RunState::Paused,
        });
        loop {
            let at = self.next_tick;
            match self.wait(sleep_until(at)).await {
                Ok(()) => {
                    self.next_tick = (at + self.tick).max(Instant::now());
                    self.record_tick();
                }
                Err(Interrupt::Resume) => break,
                Err(Interrupt::Pause) => {}
                Err(Interrupt::Stop(r)) => return Err(r),
            }
        }
        self.paused = false;
        // Re-enter the segment: the belt starts again and ramps up from its minimum.
        if self.phase != Phase::RequestControl && self.phase != Phase::Done {
            self.phase = Phase::EnterSegment;
        }
        Ok(())
    }
}
