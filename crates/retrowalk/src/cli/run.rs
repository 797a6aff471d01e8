//! `retrowalk run`: drives a treadmill through today's session from the terminal, with a
//! live view, and stops the belt on Ctrl-C, `s`/`q`, or anything the controller watches.

use super::{print_json, DateArg};
use anyhow::{bail, Context, Result};
use clap::Args;
use retrowalk_controller::{
    attach_strap, connect_bluetooth, Command, Config, ControllerEvent, Outcome, RunState,
    SessionController, SessionHandle, StopReason, StoreSink, StrapLost, Telemetry,
};
use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::{heart_rate_guide, Speed, Units};
use retrowalk_ftms::{
    BoxFuture, Capabilities, ControlRequest, ControlResponse, Notification, SimConfig,
    SimHeartRate, SimTreadmill, TransportError, Treadmill,
};
use retrowalk_service::Service;
use retrowalk_store::UserId;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;
use time::Date;
use tokio::sync::{broadcast, mpsc};

/// How long to look for a named Bluetooth treadmill before giving up.
const SCAN_TIMEOUT: Duration = Duration::from_secs(15);
/// The terminal view proves it is alive this often; the controller stops the belt when it
/// hears nothing for [`HEARTBEAT_TIMEOUT`] (a hung terminal cannot show a warning or take a
/// STOP any more).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);
/// Stored with the run when the treadmill (not the person) ended it; the web runner writes
/// the same form, so both interfaces read either's runs alike.
const TREADMILL_PREFIX: &str = "treadmill ";

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The treadmill: `sim` for the simulated one, or a Bluetooth treadmill's name or address
    /// as `retrowalk devices` lists it.
    #[arg(long, default_value = "sim")]
    treadmill: String,
    #[command(flatten)]
    date: DateArg,
    /// A Bluetooth heart-rate strap's name or address, as `retrowalk devices` lists it. Its
    /// readings count toward the heart-rate cap; losing it stops the belt.
    #[arg(long)]
    hr_strap: Option<String>,
    /// Stop the belt when your heart rate goes above this (bpm). It can only lower the cap
    /// for your age and tier, never raise it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(40..=230))]
    hr_cap: Option<u16>,
    /// Run a simulated session this many times faster than real time (a demo; only with
    /// `--treadmill sim`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=600))]
    speedup: u32,
}

/// Why the terminal asked for a stop, as stored with the run.
#[derive(Debug, Clone)]
enum Input {
    Stop(&'static str),
    Pause,
    Resume,
    /// Something outside the controller failed; stop as for an error.
    Fault(String),
}

pub async fn run(svc: &Service, me: UserId, a: RunArgs, json: bool, today: Date) -> Result<()> {
    let sim = a.treadmill.eq_ignore_ascii_case("sim");
    if a.speedup > 1 && !sim {
        bail!("--speedup is only for the simulated treadmill: a real belt runs in real time");
    }
    // Ctrl-C and SIGTERM are caught before anything can move a belt: from here on they
    // stop it instead of killing the process with the belt running.
    let (input_tx, mut input_rx) = mpsc::unbounded_channel();
    watch_signals(input_tx.clone())?;

    let date = a.date.date.unwrap_or(today);
    let (planned, plan) = svc.plan_for(me, date).await?;
    let profile = svc
        .store
        .profile(me)
        .await?
        .context("no profile yet: run `retrowalk profile create` first")?;
    let rec = svc
        .store
        .programme(me)
        .await?
        .context("there is no programme to run yet")?;
    let guide = heart_rate_guide(&profile, rec.state.tier);
    let hr_cap = a.hr_cap.map_or(guide.cap.bpm, |c| c.min(guide.cap.bpm));
    // Someone whose medicine slows the heart is never shown the age-based ceiling as their
    // limit (SCR-16): the guide says effort comes first and the ceiling is a backstop.
    let hr_text = if hr_cap < guide.cap.bpm {
        let effort = if guide.by_effort {
            format!(
                " Your medicine slows your heart, so go by effort first: {}",
                retrowalk_core::screening::EFFORT_GUIDE
            )
        } else {
            String::new()
        };
        format!("Heart-rate cap {hr_cap} bpm, as you set it.{effort}")
    } else {
        guide.describe()
    };

    let machine: Arc<dyn Treadmill> = if sim {
        let sim = Arc::new(SimTreadmill::new(sim_config(a.speedup)));
        if a.speedup > 1 {
            Arc::new(DemoClock {
                sim,
                speedup: a.speedup,
            })
        } else {
            sim
        }
    } else {
        say(json, &format!("Looking for {:?}…", a.treadmill));
        connect_bluetooth(&a.treadmill, None, SCAN_TIMEOUT, Box::new(|_| {})).await?
    };
    let machine: Arc<dyn Treadmill> = match &a.hr_strap {
        Some(name) => {
            say(json, &format!("Looking for the heart-rate strap {name:?}…"));
            let faults = input_tx.clone();
            let strap_lost: StrapLost = Box::new(move |m| {
                let _ = faults.send(Input::Fault(m));
            });
            attach_strap(machine, name, SCAN_TIMEOUT, strap_lost).await?
        }
        None => machine,
    };
    // Ctrl-C while connecting: never start the belt.
    match input_rx.try_recv() {
        Ok(Input::Stop(by)) => {
            bail!("stopped by {by} before the session started; the belt was not started")
        }
        Ok(Input::Fault(m)) => bail!("{m}; the belt was not started"),
        _ => {}
    }
    let run_id = new_run_id();
    let record = json!({
        "treadmill": if sim { "sim".to_string() } else { a.treadmill.clone() },
        "planned": planned,
        "plan": plan,
        "interface": "cli",
    });
    svc.store.start_run(&run_id, me, &record).await?;
    let controller = SessionController::new(
        machine.clone(),
        plan.clone(),
        &rec.state.limits,
        &rec.state.caps,
        Box::new(StoreSink::spawn(svc.store.clone(), run_id.clone())),
        Config {
            heartbeat_timeout: Some(HEARTBEAT_TIMEOUT),
            hr_cap: Some(hr_cap),
            time_scale: f64::from(a.speedup),
            ..Config::default()
        },
    );
    let events = controller.subscribe();
    let handle = match controller.spawn() {
        Ok(h) => h,
        Err(e) => {
            svc.store
                .end_run(&run_id, Some(&format!("{TREADMILL_PREFIX}error: {e}")))
                .await?;
            return Err(e.into());
        }
    };
    say(
        json,
        &format!(
            "{} on {}: {} segments. {hr_text} Type s or q and Enter (or press Ctrl-C) to stop the belt; p to pause, r to resume.",
            date,
            machine.name(),
            plan.segments.len()
        ),
    );
    read_keys(input_tx);

    let mut view = View::new(&plan, profile.units, json);
    let tally = drive(&handle, events, input_rx, &mut view).await;
    let outcome = handle.finish().await;
    view.stopped(&outcome);

    let stored = format!("{TREADMILL_PREFIX}{}", outcome.reason);
    svc.store.end_run(&run_id, Some(&stored)).await?;
    let samples = svc.store.samples(&run_id).await?.len();
    let backward_min = f64::from(tally.backward_s) / 60.0;
    let early = outcome.reason != StopReason::Completed;
    if json {
        print_json(&json!({
            "run_id": run_id,
            "date": date,
            "treadmill": machine.name(),
            "reason": outcome.reason.code(),
            "detail": outcome.reason.to_string(),
            "stop_confirmed": outcome.stop_confirmed,
            "samples": samples,
            "backward_s": tally.backward_s,
            "distance_m": tally.distance_m,
            "stopped_early": early,
        }))?;
    } else {
        println!(
            "{} telemetry samples stored with run {run_id}; {:.1} min backward, {:.0} m.",
            samples, backward_min, tally.distance_m
        );
        println!(
            "Log it: retrowalk log --date {date} --backward-min {backward_min:.1}{}",
            if early {
                " --stopped <dizziness|pain|discomfort|slip|fall|other>"
            } else {
                ""
            }
        );
    }
    if !outcome.stop_confirmed {
        bail!(
            "the treadmill did not confirm the stop: stop the belt at the console or pull the safety key"
        );
    }
    Ok(())
}

/// The simulated machine at demo speed: its belt, deck and data keep pace with the
/// controller's session clock, so the view shows a belt that speeds up as it would.
fn sim_config(speedup: u32) -> SimConfig {
    let k = f64::from(speedup);
    let base = SimConfig::default();
    SimConfig {
        accel_kmh_per_s: base.accel_kmh_per_s * k,
        incline_rate_percent_per_s: base.incline_rate_percent_per_s * k,
        data_interval: base.data_interval.div_f64(k),
        heart_rate: Some(SimHeartRate::default()),
        ..base
    }
}

/// The simulated machine measures distance and time on the real clock; at demo speed its
/// counters are scaled to the session's clock so the recorded dose matches the session.
struct DemoClock {
    sim: Arc<SimTreadmill>,
    speedup: u32,
}

impl Treadmill for DemoClock {
    fn name(&self) -> String {
        format!("{} ({}× demo)", self.sim.name(), self.speedup)
    }
    fn capabilities(&self) -> Capabilities {
        self.sim.capabilities()
    }
    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>> {
        self.sim.control(request)
    }
    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move {
            let k = self.speedup;
            self.sim.next_notification().await.map(|n| match n {
                Notification::Data(mut d) => {
                    d.total_distance_m = d.total_distance_m.map(|m| m.saturating_mul(k));
                    d.elapsed_s = d
                        .elapsed_s
                        .map(|e| u16::try_from(u32::from(e) * k).unwrap_or(u16::MAX));
                    Notification::Data(d)
                }
                other => other,
            })
        })
    }
}

/// 32 hex digits, like the web runner's run ids (so its pages can address CLI runs too).
fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(32);
    for i in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn say(json: bool, line: &str) {
    // With --json, stdout carries only the final JSON; the live view goes to stderr.
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn watch_signals(tx: mpsc::UnboundedSender<Input>) -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("cannot catch Ctrl-C")?;
        let mut term = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
        tokio::spawn(async move {
            loop {
                let what = tokio::select! {
                    _ = int.recv() => "terminal (Ctrl-C)",
                    _ = term.recv() => "terminal (SIGTERM)",
                };
                if tx.send(Input::Stop(what)).is_err() {
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(Input::Stop("terminal (Ctrl-C)")).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// Reads commands typed on stdin. A plain thread, not the runtime's blocking pool, so a
/// read that never returns cannot hold the process open after the session.
fn read_keys(tx: mpsc::UnboundedSender<Input>) {
    let _ = std::thread::Builder::new()
        .name("keys".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut line = String::new();
            // End of input (nothing attached) is not a request to stop: keep running.
            while stdin.read_line(&mut line).is_ok_and(|n| n > 0) {
                let input = match line.trim().to_ascii_lowercase().as_str() {
                    "s" | "stop" => Some(Input::Stop("terminal (s)")),
                    "q" | "quit" => Some(Input::Stop("terminal (q)")),
                    "p" | "pause" => Some(Input::Pause),
                    "r" | "resume" => Some(Input::Resume),
                    _ => None,
                };
                line.clear();
                if let Some(i) = input {
                    if tx.send(i).is_err() {
                        return;
                    }
                }
            }
        });
}

#[derive(Debug, Default)]
struct Tally {
    backward_s: u32,
    distance_m: f64,
}

/// Relays input to the controller and events to the view until the session ends.
async fn drive(
    handle: &SessionHandle,
    mut events: broadcast::Receiver<ControllerEvent>,
    mut input: mpsc::UnboundedReceiver<Input>,
    view: &mut View,
) -> Tally {
    let commands = handle.commands();
    let mut tally = Tally::default();
    let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            biased;
            Some(i) = input.recv() => {
                let cmd = match i {
                    Input::Stop(by) => Command::Stop { reason: by.to_string() },
                    Input::Pause => Command::Pause,
                    Input::Resume => Command::Resume,
                    Input::Fault(message) => Command::Fault { message },
                };
                let _ = commands.send(cmd);
            }
            ev = events.recv() => match ev {
                Ok(ControllerEvent::Stopped { .. }) | Err(broadcast::error::RecvError::Closed) => break,
                Ok(ev) => {
                    if let ControllerEvent::Telemetry(t) = &ev {
                        if view.is_backward(t.segment) && !t.paused && t.speed_kmh > 0.0 {
                            tally.backward_s += 1;
                        }
                        tally.distance_m = t.distance_m;
                    }
                    view.show(&ev);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
            _ = beat.tick() => {
                // A panicked or aborted controller sends no Stopped event.
                if handle.is_finished() {
                    break;
                }
                let _ = commands.send(Command::Heartbeat);
            }
        }
    }
    tally
}

/// The live view: one rewritten status line on a terminal, plain lines otherwise.
struct View {
    segments: Vec<(SegmentKind, String)>,
    units: Units,
    tty: bool,
    json: bool,
    status_line_open: bool,
}

impl View {
    fn new(plan: &SessionPlan, units: Units, json: bool) -> View {
        let tty = if json {
            std::io::stderr().is_terminal()
        } else {
            std::io::stdout().is_terminal()
        };
        View {
            segments: plan
                .segments
                .iter()
                .map(|s| (s.kind, s.label.clone()))
                .collect(),
            units,
            tty,
            json,
            status_line_open: false,
        }
    }

    fn is_backward(&self, segment: usize) -> bool {
        self.segments
            .get(segment)
            .is_some_and(|(k, _)| *k == SegmentKind::Backward)
    }

    fn out(&self) -> Box<dyn Write> {
        if self.json {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    }

    /// A whole line, after closing a status line still being rewritten.
    fn line(&mut self, text: &str) {
        let mut o = self.out();
        if self.status_line_open {
            let _ = writeln!(o);
            self.status_line_open = false;
        }
        let _ = writeln!(o, "{text}");
        let _ = o.flush();
    }

    fn speed(&self, kmh: f64) -> String {
        Speed::from_kmh(kmh.max(0.0))
            .map(|s| self.units.fmt_speed(s))
            .unwrap_or_else(|_| format!("{kmh:.1} km/h"))
    }

    fn show(&mut self, ev: &ControllerEvent) {
        match ev {
            ControllerEvent::Segment {
                index,
                label,
                duration_s,
                target_speed_kmh,
                target_incline_pct,
                ..
            } => {
                let text = format!(
                    "▸ {}/{} {label}: {} at {}{}",
                    index + 1,
                    self.segments.len(),
                    mmss(*duration_s),
                    self.speed(*target_speed_kmh),
                    if *target_incline_pct > 0.0 {
                        format!(", {target_incline_pct:.1} % incline")
                    } else {
                        String::new()
                    }
                );
                self.line(&text);
            }
            ControllerEvent::Cue { text, .. } => self.line(&format!("  » {text}")),
            ControllerEvent::Warning { message } => self.line(&format!("  ! {message}")),
            ControllerEvent::State { state } => match state {
                RunState::Paused => {
                    self.line("  ‖ paused: the belt is halted; type r and Enter to resume")
                }
                RunState::Stopping => self.line("  ■ stopping the belt…"),
                _ => {}
            },
            ControllerEvent::Telemetry(t) => self.telemetry(t),
            ControllerEvent::Stopped { .. } => {}
        }
    }

    fn telemetry(&mut self, t: &Telemetry) {
        let label = self
            .segments
            .get(t.segment)
            .map(|(_, l)| l.as_str())
            .unwrap_or("");
        let incline = match t.incline_pct {
            Some(i) => format!(" · incline {i:.1}/{:.1} %", t.target_incline_pct),
            None => String::new(),
        };
        let hr = t
            .heart_rate
            .map(|b| format!(" · HR {b}"))
            .unwrap_or_default();
        let text = format!(
            "[{}] {label} · {} left · speed {} (target {}){incline} · {:.0} m{hr}{}",
            mmss(u32::try_from(t.t_s).unwrap_or(u32::MAX)),
            mmss(t.segment_remaining_s),
            self.speed(t.speed_kmh),
            self.speed(t.target_speed_kmh),
            t.distance_m,
            if t.paused { " · PAUSED" } else { "" },
        );
        if self.tty {
            let mut o = self.out();
            // Carriage return and clear-to-end-of-line: one line, rewritten each second.
            let _ = write!(o, "\r\x1b[2K{text}");
            let _ = o.flush();
            self.status_line_open = true;
        } else {
            self.line(&text);
        }
    }

    fn stopped(&mut self, o: &Outcome) {
        let confirmed = if o.stop_confirmed {
            "the treadmill confirmed the stop"
        } else {
            "the treadmill did NOT confirm the stop"
        };
        self.line(&format!("Belt stopped: {} ({confirmed}).", o.reason));
    }
}

fn mmss(s: u32) -> String {
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrowalk_controller::{MemorySink, WithStrap};
    use retrowalk_core::screening::{Requirements, Tier};
    use retrowalk_core::session;
    use retrowalk_core::{BodyMass, ClinicianCaps, Incline, Limits, Load, RailUse};
    use retrowalk_ftms::{HeartRate, HeartRateMonitor};

    struct FakeStrap(tokio::sync::Mutex<mpsc::UnboundedReceiver<Notification>>);

    impl HeartRateMonitor for FakeStrap {
        fn name(&self) -> String {
            "test strap".into()
        }
        fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
            Box::pin(async move { self.0.lock().await.recv().await })
        }
    }

    /// What `run` hands the strap: a lost strap becomes the terminal's fault input.
    fn as_fault(faults: mpsc::UnboundedSender<Input>) -> StrapLost {
        Box::new(move |m| {
            let _ = faults.send(Input::Fault(m));
        })
    }

    fn strap() -> (mpsc::UnboundedSender<Notification>, Arc<FakeStrap>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (tx, Arc::new(FakeStrap(tokio::sync::Mutex::new(rx))))
    }

    fn bpm(bpm: u16) -> Notification {
        Notification::HeartRate(HeartRate {
            bpm,
            contact: Some(true),
            energy_kj: None,
            rr_ms: vec![],
        })
    }

    fn session(machine: Arc<dyn Treadmill>, hr_cap: u16) -> SessionHandle {
        let load = Load {
            backward_s: 300,
            speed: Speed::from_kmh(3.0).unwrap(),
            incline: Incline::FLAT,
            rails: RailUse::Light,
        };
        let plan = session::build(
            &load,
            Tier::Standard,
            Requirements::default(),
            Units::Kmh,
            BodyMass::from_kg(70.0).unwrap(),
        );
        let limits = Limits {
            target_backward_s: 1200,
            target_speed: Speed::from_kmh(4.8).unwrap(),
            max_incline: Incline::FLAT,
            rail_floor: RailUse::None,
            min_speed: Speed::from_kmh(0.8).unwrap(),
            speed_step: Speed::from_kmh(0.8).unwrap(),
            usual_pain: Default::default(),
        };
        SessionController::new(
            machine,
            plan,
            &limits,
            &ClinicianCaps::default(),
            Box::new(MemorySink::new()),
            Config {
                heartbeat_timeout: None,
                hr_cap: Some(hr_cap),
                ..Config::default()
            },
        )
        .spawn()
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_straps_heart_rate_counts_toward_the_cap() {
        let sim = Arc::new(SimTreadmill::new(SimConfig::default()));
        let (beats, s) = strap();
        let (faults, _f) = mpsc::unbounded_channel();
        let h = session(
            Arc::new(WithStrap::new(sim.clone(), s, as_fault(faults))),
            150,
        );
        beats.send(bpm(120)).unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!h.is_finished(), "stopped under the cap");
        beats.send(bpm(171)).unwrap();
        let out = h.finish().await;
        assert_eq!(out.reason, StopReason::HeartRate { bpm: 171, cap: 150 });
        assert!(out.stop_confirmed);
        assert!(!sim.is_running());
    }

    #[tokio::test(start_paused = true)]
    async fn losing_the_strap_is_reported_as_a_fault_and_the_treadmill_stays_connected() {
        let sim = Arc::new(SimTreadmill::new(SimConfig::default()));
        let (beats, s) = strap();
        let (faults, mut f) = mpsc::unbounded_channel();
        let h = session(
            Arc::new(WithStrap::new(sim.clone(), s, as_fault(faults))),
            150,
        );
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(beats);
        let Some(Input::Fault(message)) = f.recv().await else {
            panic!("no fault reported");
        };
        assert!(message.contains("test strap"), "{message}");
        // What `drive` does with it: the controller stops the belt as for an error.
        h.commands().send(Command::Fault { message }).unwrap();
        let out = h.finish().await;
        assert_eq!(out.reason.code(), "error");
        assert!(out.stop_confirmed);
        assert!(!sim.is_running());
    }
}
