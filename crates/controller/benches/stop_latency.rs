//! Stop latency: from a STOP handed to a running session controller to the Stop
//! control-point write arriving at the simulated treadmill (the simulator stamps each
//! request as it arrives, after the request has been encoded to bytes and decoded by the
//! "machine"). Real time on a multi-threaded tokio runtime, as in the CLI and the server.
//!
//! Each iteration starts a session on a fresh simulator, waits until the belt runs, sends
//! the STOP at a random moment, and reads the arrival time off the simulator's log. Two
//! situations:
//! - `idle`: the controller is between ticks (most of a session);
//! - `write_in_flight`: control writes take 30 ms to be answered and the controller writes
//!   one every 50 ms, so most STOPs land while it waits for an answer it must abandon.
//!
//! Criterion reports the mean; the percentiles the target is stated in (p50, p99, max) are
//! printed first from their own samples. Run:
//! `cargo bench -p retrowalk-controller --bench stop_latency`
//! (`STOP_LATENCY_SAMPLES=N` changes the sample count, default 2000 per situation).

use criterion::Criterion;
use retrowalk_controller::{Config, MemorySink, SessionController, SessionHandle};
use retrowalk_core::screening::{Requirements, Tier};
use retrowalk_core::session::{self, SessionPlan};
use retrowalk_core::{BodyMass, ClinicianCaps, Incline, Limits, Load, RailUse, Speed, Units};
use retrowalk_ftms::{ControlRequest, SimConfig, SimOutcome, SimTreadmill};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::time::Instant;

#[derive(Clone, Copy)]
enum Situation {
    Idle,
    WriteInFlight,
}

impl Situation {
    fn name(self) -> &'static str {
        match self {
            Situation::Idle => "idle",
            Situation::WriteInFlight => "write_in_flight",
        }
    }
    fn sim(self) -> SimConfig {
        match self {
            Situation::Idle => SimConfig::default(),
            Situation::WriteInFlight => SimConfig {
                response_delay: Duration::from_millis(30),
                ..SimConfig::default()
            },
        }
    }
    fn config(self) -> Config {
        Config {
            heartbeat_timeout: None,
            // 20 session seconds per second: a ramp write every 50 ms.
            time_scale: match self {
                Situation::Idle => 1.0,
                Situation::WriteInFlight => 20.0,
            },
            ..Config::default()
        }
    }
}

fn limits() -> Limits {
    Limits {
        target_backward_s: 1200,
        target_speed: Speed::from_kmh(4.8).unwrap(),
        max_incline: Incline::from_percent(3.0).unwrap(),
        rail_floor: RailUse::None,
        min_speed: Speed::from_kmh(0.8).unwrap(),
        speed_step: Speed::from_kmh(0.8).unwrap(),
        usual_pain: Default::default(),
    }
}

fn plan() -> SessionPlan {
    let load = Load {
        backward_s: 600,
        speed: Speed::from_kmh(3.0).unwrap(),
        incline: Incline::from_percent(2.0).unwrap(),
        rails: RailUse::Light,
    };
    session::build(
        &load,
        Tier::Standard,
        Requirements::default(),
        Units::Kmh,
        BodyMass::from_kg(70.0).unwrap(),
    )
}

/// A cheap, dependency-free spread of STOP moments (xorshift).
struct Jitter(u64);
impl Jitter {
    fn next_ms(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

async fn running_session(s: Situation) -> (Arc<SimTreadmill>, SessionHandle) {
    let sim = Arc::new(SimTreadmill::new(s.sim()));
    let h = SessionController::new(
        sim.clone(),
        plan(),
        &limits(),
        &ClinicianCaps::default(),
        Box::new(MemorySink::new()),
        s.config(),
    )
    .spawn()
    .expect("plan has segments");
    while !sim.is_running() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (sim, h)
}

/// One STOP; returns the time until the Stop write arrived at the simulator, and whether
/// it landed while another write was waiting for its answer (abandoned, so left pending).
async fn one_stop(s: Situation, jitter: &mut Jitter) -> (Duration, bool) {
    let (sim, h) = running_session(s).await;
    tokio::time::sleep(Duration::from_millis(5 + jitter.next_ms(60))).await;
    let sent = Instant::now();
    h.stop("bench");
    // The simulator stamped the Stop as it arrived; read the log only afterwards, so the
    // measurement does not compete with the controller for the simulator's lock.
    let out = h.finish().await;
    assert!(out.stop_confirmed || matches!(s, Situation::WriteInFlight));
    let entries = sim.entries();
    let arrived = entries
        .iter()
        .find(|e| e.request == ControlRequest::Stop && e.at >= sent)
        .expect("a Stop reached the simulator")
        .at;
    let interrupted = entries
        .iter()
        .any(|e| e.request != ControlRequest::Stop && e.outcome == SimOutcome::Pending);
    (arrived.saturating_duration_since(sent), interrupted)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(rt: &Runtime, s: Situation, n: usize) {
    let mut jitter = Jitter(0x9E37_79B9_7F4A_7C15);
    let (mut samples, interrupted) = rt.block_on(async {
        let mut v = Vec::with_capacity(n);
        let mut interrupted = 0usize;
        for _ in 0..n {
            let (d, i) = one_stop(s, &mut jitter).await;
            v.push(d);
            interrupted += usize::from(i);
        }
        (v, interrupted)
    });
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "stop_latency/{:<16} n={n}  p50 {:>7.1} µs  p90 {:>7.1} µs  p99 {:>7.1} µs  max {:>7.1} µs  ({}% landed during a write)",
        s.name(),
        us(percentile(&samples, 0.50)),
        us(percentile(&samples, 0.90)),
        us(percentile(&samples, 0.99)),
        us(*samples.last().unwrap()),
        interrupted * 100 / n.max(1),
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let n = std::env::var("STOP_LATENCY_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    // `cargo test --benches` runs this with `--bench` absent: keep it short there.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let n = if bench_mode { n } else { 20 };
    for s in [Situation::Idle, Situation::WriteInFlight] {
        report(&rt, s, n);
    }
    if !bench_mode {
        return;
    }
    let mut c = Criterion::default().sample_size(50).configure_from_args();
    let mut g = c.benchmark_group("stop_latency");
    for s in [Situation::Idle, Situation::WriteInFlight] {
        let mut jitter = Jitter(0xD1B5_4A32_D192_ED03);
        g.bench_function(s.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += one_stop(s, &mut jitter).await.0;
                    }
                    total
                })
            })
        });
    }
    g.finish();
    c.final_summary();
}
