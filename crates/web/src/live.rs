//! Live treadmill runs: the session controllers this process drives, one per run started
//! with a treadmill, and the event streams the runner page reads.
//!
//! A controller owns hardware (here the simulated treadmill) and so lives in the process
//! that started it; the database knows only that the run exists. Another process serving
//! the same database answers requests for such a run with a clear 503 instead of guessing,
//! except STOP: it ends the run in the database, and the driving process, which checks
//! every second, stops its belt.
//!
//! Each run gets a watcher task: it relays the controller's events to any number of
//! browser streams, remembers the latest figures for a stream that joins late, and when
//! the controller stops by itself (session complete, heartbeat lost, heart rate, machine)
//! records why in the run, unless the person stopped it (their reason wins).

use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use retrowalk_controller::{
    Command, Config, ControllerEvent, SessionController, SessionHandle, StopReason, StoreSink,
};
use retrowalk_core::session::SessionPlan;
use retrowalk_core::{ClinicianCaps, Limits};
use retrowalk_ftms::{SimConfig, SimHeartRate, SimTreadmill, Treadmill};
use retrowalk_store::{Store, UserId};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;

/// The stored stop reason of a run the treadmill ended by itself starts with this, so a
/// later STOP from the person (any process) can tell it apart from their own reason.
pub const TREADMILL_PREFIX: &str = "treadmill ";

/// How long shutdown waits for every belt to confirm its stop.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// What the controller needs beyond the run itself.
pub struct LiveSpec {
    pub plan: SessionPlan,
    pub limits: Limits,
    pub caps: ClinicianCaps,
    pub hr_cap: Option<u16>,
    pub heartbeat_timeout: Duration,
}

/// The latest of each kind of event, for a stream that connects mid-run.
#[derive(Default)]
struct Latest {
    state: Option<ControllerEvent>,
    segment: Option<ControllerEvent>,
    telemetry: Option<ControllerEvent>,
    stopped: Option<ControllerEvent>,
}

impl Latest {
    fn note(&mut self, ev: &ControllerEvent) {
        let slot = match ev {
            ControllerEvent::State { .. } => &mut self.state,
            ControllerEvent::Segment { .. } => &mut self.segment,
            ControllerEvent::Telemetry(_) => &mut self.telemetry,
            ControllerEvent::Stopped { .. } => &mut self.stopped,
            ControllerEvent::Cue { .. } | ControllerEvent::Warning { .. } => return,
        };
        *slot = Some(ev.clone());
    }
    fn replay(&self) -> Vec<ControllerEvent> {
        [&self.state, &self.segment, &self.telemetry, &self.stopped]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// One run's controller as the handlers see it.
pub struct Live {
    pub user: UserId,
    commands: mpsc::UnboundedSender<Command>,
    relay: broadcast::Sender<ControllerEvent>,
    latest: Mutex<Latest>,
    /// The simulated treadmill, when the run is on one (tests look at its belt).
    sim: Option<Arc<SimTreadmill>>,
    /// The person sent STOP: the controller's own reason must not overwrite theirs.
    person_stopped: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these leaves plain data, still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Live {
    /// Hands a command to the controller. False when the controller has already ended.
    pub fn send(&self, cmd: Command) -> bool {
        self.commands.send(cmd).is_ok()
    }

    /// Hands the person's STOP to the controller; after this returns the stop is queued
    /// ahead of anything else the controller would do.
    pub fn stop_by_person(&self, by: &str) {
        self.person_stopped.store(true, Ordering::SeqCst);
        let _ = self.commands.send(Command::Stop {
            reason: by.to_string(),
        });
    }

    pub fn sim(&self) -> Option<Arc<SimTreadmill>> {
        self.sim.clone()
    }
}

pub struct LiveRuns {
    runs: Arc<Mutex<HashMap<String, Arc<Live>>>>,
    watchers: Mutex<Vec<JoinHandle<()>>>,
    /// Set when shutdown begins: no new belt starts.
    refusing: AtomicBool,
    /// Set once every belt has stopped (or would not): any stream still open ends.
    closing: watch::Sender<bool>,
}

impl Default for LiveRuns {
    fn default() -> Self {
        LiveRuns {
            runs: Arc::default(),
            watchers: Mutex::default(),
            refusing: AtomicBool::new(false),
            closing: watch::Sender::new(false),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("the server is shutting down; start the run again in a moment")]
    ShuttingDown,
    #[error("the treadmill controller could not start: {0}")]
    Controller(#[from] retrowalk_controller::ControllerError),
}

impl From<LiveError> for ApiError {
    fn from(e: LiveError) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
    }
}

impl LiveRuns {
    /// The live run with this id if it is driven here and belongs to `user`.
    pub fn get(&self, id: &str, user: UserId) -> Option<Arc<Live>> {
        lock(&self.runs).get(id).filter(|l| l.user == user).cloned()
    }

    /// Starts a controller on a fresh simulated treadmill for a run already in `store`.
    pub fn start_sim(
        &self,
        store: Store,
        run_id: &str,
        user: UserId,
        spec: LiveSpec,
    ) -> Result<Arc<Live>, LiveError> {
        let sim = Arc::new(SimTreadmill::new(SimConfig {
            name: "simulated treadmill".into(),
            heart_rate: Some(SimHeartRate::default()),
            ..SimConfig::default()
        }));
        self.start(store, run_id, user, spec, sim.clone(), Some(sim), None)
    }

    /// Starts a controller on a connected (real) treadmill for a run already in `store`.
    /// Each message from `faults` (a lost heart-rate strap) stops the belt as an error.
    pub fn start_on(
        &self,
        store: Store,
        run_id: &str,
        user: UserId,
        spec: LiveSpec,
        machine: Arc<dyn Treadmill>,
        faults: mpsc::UnboundedReceiver<String>,
    ) -> Result<Arc<Live>, LiveError> {
        self.start(store, run_id, user, spec, machine, None, Some(faults))
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        store: Store,
        run_id: &str,
        user: UserId,
        spec: LiveSpec,
        machine: Arc<dyn Treadmill>,
        sim: Option<Arc<SimTreadmill>>,
        faults: Option<mpsc::UnboundedReceiver<String>>,
    ) -> Result<Arc<Live>, LiveError> {
        if self.refusing.load(Ordering::SeqCst) {
            return Err(LiveError::ShuttingDown);
        }
        let controller = SessionController::new(
            machine,
            spec.plan,
            &spec.limits,
            &spec.caps,
            Box::new(StoreSink::spawn(store.clone(), run_id.to_string())),
            Config {
                heartbeat_timeout: Some(spec.heartbeat_timeout),
                hr_cap: spec.hr_cap,
                ..Config::default()
            },
        );
        // Subscribed before spawning, so not even the first event is missed.
        let events = controller.subscribe();
        let commands = controller.commands();
        let handle = controller.spawn()?;
        if let Some(mut faults) = faults {
            let to_controller = commands.clone();
            // Ends when the source goes (the strap wrapper is dropped) or the controller does.
            tokio::spawn(async move {
                while let Some(message) = faults.recv().await {
                    if to_controller.send(Command::Fault { message }).is_err() {
                        return;
                    }
                }
            });
        }
        let (relay, _) = broadcast::channel(256);
        let live = Arc::new(Live {
            user,
            commands,
            relay,
            latest: Mutex::default(),
            sim,
            person_stopped: AtomicBool::new(false),
        });
        {
            // Checked again under the lock stop_all takes, so no belt slips past a shutdown.
            let mut runs = lock(&self.runs);
            if self.refusing.load(Ordering::SeqCst) {
                live.stop_by_person("server shutting down");
            }
            runs.insert(run_id.to_string(), live.clone());
        }
        let watcher = tokio::spawn(watch_run(
            store,
            run_id.to_string(),
            live.clone(),
            handle,
            events,
            self.runs.clone(),
        ));
        let mut w = lock(&self.watchers);
        w.retain(|h| !h.is_finished());
        w.push(watcher);
        Ok(live)
    }

    /// Stops every belt this process drives and waits (bounded) until each controller has
    /// finished; event streams end too, so a graceful shutdown is not held up by them.
    pub async fn stop_all(&self, by: &str) {
        let live: Vec<Arc<Live>> = {
            let runs = lock(&self.runs);
            self.refusing.store(true, Ordering::SeqCst);
            runs.values().cloned().collect()
        };
        for l in &live {
            let _ = l.commands.send(Command::Stop {
                reason: by.to_string(),
            });
        }
        let watchers: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.watchers));
        if !live.is_empty() {
            tracing::info!(runs = live.len(), "stopping every live belt");
        }
        let all = futures_util::future::join_all(watchers);
        if tokio::time::timeout(SHUTDOWN_WAIT, all).await.is_err() {
            tracing::error!("a belt did not confirm its stop within {SHUTDOWN_WAIT:?}");
        }
        self.closing.send_replace(true);
    }

    /// The run's events as Server-Sent Events: the latest state and figures first, then
    /// every event until the controller stops (or the server shuts down).
    pub fn stream(&self, live: &Arc<Live>) -> Response {
        let mut events = live.relay.subscribe();
        let replay = lock(&live.latest).replay();
        let mut closing = self.closing.subscribe();
        let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(64);
        tokio::spawn(async move {
            for ev in replay {
                let last = matches!(ev, ControllerEvent::Stopped { .. });
                if tx.send(Ok(sse_event(&ev))).await.is_err() || last {
                    return;
                }
            }
            loop {
                let ev = tokio::select! {
                    ev = events.recv() => ev,
                    _ = closing.wait_for(|c| *c) => return,
                };
                match ev {
                    Ok(ev) => {
                        let last = matches!(ev, ControllerEvent::Stopped { .. });
                        if tx.send(Ok(sse_event(&ev))).await.is_err() || last {
                            return;
                        }
                    }
                    // A slow reader misses some figures; the next ones still come.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Sse::new(ReceiverStream::new(rx))
            .keep_alive(KeepAlive::default())
            .into_response()
    }
}

/// The event as the runner page reads it: `telemetry` carries speed_kmh, incline_pct,
/// distance_m and hr_bpm; `stopped` carries the reason's code.
pub fn event_json(ev: &ControllerEvent) -> (&'static str, Value) {
    match ev {
        ControllerEvent::Telemetry(t) => (
            "telemetry",
            json!({
                "t_s": t.t_s,
                "segment": t.segment,
                "segment_remaining_s": t.segment_remaining_s,
                "speed_kmh": round2(t.speed_kmh),
                "incline_pct": t.incline_pct.map(round2),
                "distance_m": round2(t.distance_m),
                "hr_bpm": t.heart_rate,
                "rr_ms": t.rr_ms,
                "target_speed_kmh": t.target_speed_kmh,
                "target_incline_pct": t.target_incline_pct,
                "paused": t.paused,
            }),
        ),
        ControllerEvent::State { state } => ("state", json!({ "state": state })),
        ControllerEvent::Segment {
            index,
            kind,
            label,
            duration_s,
            target_speed_kmh,
            target_incline_pct,
        } => (
            "segment",
            json!({
                "index": index, "kind": kind, "label": label, "duration_s": duration_s,
                "target_speed_kmh": target_speed_kmh, "target_incline_pct": target_incline_pct,
            }),
        ),
        ControllerEvent::Cue {
            segment,
            kind,
            text,
        } => (
            "cue",
            json!({ "segment": segment, "kind": kind, "text": text }),
        ),
        ControllerEvent::Warning { message } => ("warning", json!({ "message": message })),
        ControllerEvent::Stopped { reason, confirmed } => (
            "stopped",
            json!({
                "reason": reason.code(),
                "detail": reason.to_string(),
                "confirmed": confirmed,
            }),
        ),
    }
}

fn sse_event(ev: &ControllerEvent) -> Event {
    let (name, data) = event_json(ev);
    Event::default().event(name).data(data.to_string())
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// What is stored in the run when the treadmill stopped by itself.
pub fn treadmill_reason(reason: &StopReason) -> String {
    format!("{TREADMILL_PREFIX}{reason}")
}

/// How often a live run's controller looks for a STOP taken by another process.
const ENDED_CHECK: Duration = Duration::from_secs(1);

/// Whether the run has been ended in the database (a failed read is "not ended": the
/// heartbeat timeout still stops the belt if the screen is gone). One primary-key read a
/// second, however many runs the person has.
async fn ended_in_store(store: &Store, run_id: &str) -> bool {
    match store.run(run_id).await {
        Ok(run) => run.is_some_and(|r| r.ended_at.is_some()),
        Err(e) => {
            tracing::warn!(run = %run_id, error = %e, "cannot read the run's state");
            false
        }
    }
}

async fn watch_run(
    store: Store,
    run_id: String,
    live: Arc<Live>,
    handle: SessionHandle,
    mut events: broadcast::Receiver<ControllerEvent>,
    runs: Arc<Mutex<HashMap<String, Arc<Live>>>>,
) {
    let mut stopped: Option<StopReason> = None;
    // A controller that panicked or was aborted emits no Stopped event: notice it ending.
    let mut poll = tokio::time::interval(Duration::from_millis(500));
    // STOP sent to another process serving the same database ends the run there; this
    // process learns it from the database and stops its belt.
    let mut ended_elsewhere = tokio::time::interval(ENDED_CHECK);
    let mut forwarded = false;
    let relay = |ev: ControllerEvent, stopped: &mut Option<StopReason>| {
        if let ControllerEvent::Stopped { reason, .. } = &ev {
            *stopped = Some(reason.clone());
        }
        lock(&live.latest).note(&ev);
        let _ = live.relay.send(ev);
    };
    while stopped.is_none() {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(ev) => relay(ev, &mut stopped),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(run = %run_id, missed = n, "live relay fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = ended_elsewhere.tick(), if !forwarded => {
                if ended_in_store(&store, &run_id).await {
                    forwarded = true;
                    tracing::info!(run = %run_id, "run ended by another process; stopping the belt");
                    live.stop_by_person("STOP received by another server process");
                }
            }
            _ = poll.tick() => {
                if handle.is_finished() {
                    while let Ok(ev) = events.try_recv() {
                        relay(ev, &mut stopped);
                    }
                    break;
                }
            }
        }
    }
    let outcome = handle.finish().await;
    if stopped.is_none() {
        relay(
            ControllerEvent::Stopped {
                reason: outcome.reason.clone(),
                confirmed: outcome.stop_confirmed,
            },
            &mut stopped,
        );
    }
    tracing::info!(
        run = %run_id,
        reason = %outcome.reason,
        confirmed = outcome.stop_confirmed,
        "treadmill stopped"
    );
    if !live.person_stopped.load(Ordering::SeqCst) {
        let reason = treadmill_reason(&outcome.reason);
        if let Err(e) = store.end_run(&run_id, Some(&reason)).await {
            tracing::error!(run = %run_id, error = %e, "could not record why the treadmill stopped");
        }
    }
    lock(&runs).remove(&run_id);
}
