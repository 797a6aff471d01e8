//! The session runner's server side: a run is recorded when it starts and when it stops,
//! with the reason the person gave. The database holds every run, so any process can
//! stop a run without a treadmill; the registry here caches who owns the runs this process
//! started (so a heartbeat a second does not cost a query) and holds the live treadmill
//! controllers ([`crate::live`]), which only the process that started them can reach.

use crate::auth::Walker;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::live::{Live, LiveRuns, LiveSpec, TREADMILL_PREFIX};
use crate::query::parse_date;
use crate::routes::walker::stop_reason;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use retrowalk_controller::Command;
use retrowalk_core::session::SessionPlan;
use retrowalk_store::{Run, UserId};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Clone)]
struct LiveRun {
    user: UserId,
    last_beat: Instant,
    paused: bool,
}

#[derive(Default)]
pub struct RunRegistry {
    runs: Mutex<HashMap<String, LiveRun>>,
    /// Treadmill controllers driven by this process.
    pub(crate) live: Arc<LiveRuns>,
}

/// Runs left open longer than this (the tab was closed) are dropped from the cache.
const STALE_S: u64 = 6 * 3600;

impl RunRegistry {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, LiveRun>) -> R) -> R {
        let mut g = match self.runs.lock() {
            Ok(g) => g,
            // A panic elsewhere while holding the lock leaves a plain map, still usable.
            Err(p) => p.into_inner(),
        };
        f(&mut g)
    }

    fn insert(&self, id: &str, user: UserId) {
        self.with(|m| {
            m.retain(|_, r| r.last_beat.elapsed().as_secs() < STALE_S);
            m.insert(
                id.to_string(),
                LiveRun {
                    user,
                    last_beat: Instant::now(),
                    paused: false,
                },
            );
        });
    }

    /// Notes a heartbeat; None when this process does not know the run for this user.
    fn beat(&self, id: &str, user: UserId) -> Option<()> {
        self.with(|m| {
            let r = m.get_mut(id).filter(|r| r.user == user)?;
            r.last_beat = Instant::now();
            Some(())
        })
    }

    fn set_paused(&self, id: &str, paused: bool) {
        self.with(|m| {
            if let Some(r) = m.get_mut(id) {
                r.paused = paused;
            }
        });
    }

    fn remove(&self, id: &str) {
        self.with(|m| {
            m.remove(id);
        });
    }
}

fn well_formed(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn no_such_run() -> ApiError {
    ApiError::not_found("no run with that id among your runs")
}

/// The run with this id if it belongs to `user`; anyone else's run is "not found", so
/// ids cannot be probed.
pub async fn owned_run(state: &AppState, user: UserId, id: &str) -> ApiResult<Run> {
    if !well_formed(id) {
        return Err(no_such_run());
    }
    state
        .svc
        .store
        .run(id)
        .await?
        .filter(|r| r.user_id == user)
        .ok_or_else(no_such_run)
}

/// The reason word of a stored stop reason ("pain: sharp on the left" → "pain",
/// "dizziness (after the treadmill stopped: …)" → "dizziness").
pub fn reason_word(stored: &str) -> &str {
    let s = stored.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// What the person typed on the STOP sheet, from a stored stop reason ("pain: sharp on
/// the left (after the treadmill heartbeat_lost)" → "sharp on the left"): not the reason
/// word, nor what the server added about the treadmill, nor the runner's own note when
/// the page was left mid-session.
pub fn stop_note(stored: &str) -> Option<&str> {
    let s = stored.trim_start();
    let word = reason_word(s);
    if word == TREADMILL_PREFIX.trim_end() {
        return None;
    }
    let rest = s.get(word.len()..)?.strip_prefix(": ")?;
    let rest = match rest.rfind(" (after the ") {
        Some(i) if rest.ends_with(')') && rest[i..].starts_with(" (after the treadmill") => {
            &rest[..i]
        }
        _ => rest,
    };
    Some(rest.trim()).filter(|n| !n.is_empty() && *n != LEFT_THE_SCREEN)
}

/// The runner's note when the page is left mid-session (run.js), which is no one's words.
const LEFT_THE_SCREEN: &str = "left the session screen";

/// The run's treadmill as it was started ("none", "sim", "bluetooth", or a device name
/// for runs the terminal started).
fn treadmill_of(run: &Run) -> &str {
    run.plan
        .get("treadmill")
        .and_then(Value::as_str)
        .unwrap_or("none")
}

/// A treadmill run that is still going but not driven by this process: another process
/// on the same database started it (or one that has since died).
fn elsewhere() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "this run's treadmill is driven by another retrowalk server process, which this request did not reach; \
         try again. STOP works from any process (the belt stops within about a second), and without heartbeats that process stops the belt by itself",
    )
}

/// A treadmill run whose controller is gone: the process that drove it stopped (killed,
/// crashed) before the run was ended.
fn lost_link() -> ApiError {
    ApiError::conflict(
        "this run's treadmill link was lost: the server process driving it stopped, and without it the belt stops; \
         send STOP with a reason to close the run, and start a new one",
    )
}

/// A controller records a sample every second, paused or not; a treadmill run with nothing
/// recorded for this long is driven by no process at all.
const ORPHAN_AFTER_S: i64 = 10;

/// Whether some process is still recording this (unended treadmill) run. Reads only the
/// latest sample's time, not the run's samples.
async fn recorded_lately(state: &AppState, run: &Run) -> ApiResult<bool> {
    let last_ms = state.svc.store.last_sample_ms(&run.id).await?;
    let last = run.started_at + last_ms.unwrap_or(0) / 1000;
    Ok(retrowalk_store::now() - last <= ORPHAN_AFTER_S)
}

/// Where a run's truth is.
enum Found {
    /// Its treadmill is driven by this process.
    Here(Arc<Live>),
    /// The database alone: a run without a treadmill, or one whose treadmill has stopped.
    Stored(Run),
    /// A treadmill run that no process drives any more.
    Lost,
}

/// Finds the run for its owner; a treadmill run another process drives is a 503.
async fn locate(state: &AppState, user: UserId, id: &str) -> ApiResult<Found> {
    if let Some(l) = state.runs.live.get(id, user) {
        return Ok(Found::Here(l));
    }
    let run = owned_run(state, user, id).await?;
    if run.ended_at.is_some() {
        return Ok(Found::Stored(run));
    }
    match state.svc.store.run_driver_alive(&run.id).await? {
        // Its process died (killed, crashed): the run is closed, not "driven elsewhere".
        Some(false) => {
            state.svc.store.close_orphaned_runs().await?;
            return Ok(Found::Stored(owned_run(state, user, id).await?));
        }
        Some(true) if treadmill_of(&run) != "none" => return Err(elsewhere()),
        _ => {}
    }
    if treadmill_of(&run) == "none" {
        return Ok(Found::Stored(run));
    }
    if recorded_lately(state, &run).await? {
        return Err(elsewhere());
    }
    Ok(Found::Lost)
}

#[derive(Deserialize)]
pub struct StartBody {
    date: String,
    #[serde(default = "none")]
    treadmill: String,
    /// With treadmill "bluetooth": the treadmill's advertised name or address.
    #[serde(default)]
    device: Option<String>,
    /// With treadmill "bluetooth": a heart-rate strap's name or address (optional).
    #[serde(default)]
    hr_strap: Option<String>,
    /// Resuming a session after a reload: the seconds into the plan to carry on from. The
    /// run drives only the rest of the plan, so a reconnected belt starts at the segment the
    /// person was on, not back at the warm-up.
    #[serde(default)]
    from_s: Option<u32>,
}

/// The part of `plan` from `from_s` seconds on: earlier segments dropped, the one it falls
/// in shortened (with its later cues and its share of the energy).
fn rest_of(mut plan: SessionPlan, from_s: u32) -> SessionPlan {
    let mut skip = from_s;
    let mut rest = Vec::new();
    for mut seg in std::mem::take(&mut plan.segments) {
        if skip >= seg.duration_s {
            skip -= seg.duration_s;
            continue;
        }
        if skip > 0 {
            let left = seg.duration_s - skip;
            let share = f64::from(left) / f64::from(seg.duration_s);
            seg.cues.retain(|c| c.at_s >= skip);
            for c in &mut seg.cues {
                c.at_s -= skip;
            }
            seg.energy.kcal *= share;
            seg.duration_s = left;
            skip = 0;
        }
        rest.push(seg);
    }
    plan.energy.kcal = rest.iter().map(|s| s.energy.kcal).sum();
    plan.segments = rest;
    plan
}

/// A device name from the request: trimmed, non-empty, of a sane length.
fn device_name(field: &str, v: Option<&str>) -> ApiResult<Option<String>> {
    let Some(v) = v.map(str::trim) else {
        return Ok(None);
    };
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be a device's name or address as the device list shows it (1 to 100 characters)"),
        ));
    }
    Ok(Some(v.to_string()))
}

fn none() -> String {
    "none".into()
}

/// The controller's ceilings for this person: the prescription's limits, the clinician's
/// caps and the heart-rate cap of their age and tier.
async fn live_spec(
    state: &AppState,
    user: UserId,
    plan: retrowalk_core::session::SessionPlan,
) -> ApiResult<LiveSpec> {
    let store = &state.svc.store;
    let profile = store
        .profile(user)
        .await?
        .ok_or_else(|| ApiError::conflict("finish the screening before starting a session"))?;
    let rec = store
        .programme(user)
        .await?
        .ok_or_else(|| ApiError::conflict("there is no programme to run yet"))?;
    // With a medicine that slows the heart the same ceiling is only a backstop (SCR-16).
    let hr = retrowalk_core::heart_rate_guide(&profile, rec.state.tier).cap;
    Ok(LiveSpec {
        plan,
        limits: rec.state.limits,
        caps: rec.state.caps,
        hr_cap: Some(hr.bpm),
        heartbeat_timeout: state.settings.heartbeat_timeout,
    })
}

pub async fn start(
    State(state): State<AppState>,
    Walker(me): Walker,
    ApiJson(b): ApiJson<StartBody>,
) -> ApiResult<Response> {
    let date = parse_date("date", &b.date)?;
    if !matches!(b.treadmill.as_str(), "none" | "sim" | "bluetooth") {
        return Err(ApiError::invalid(
            "treadmill",
            format!(
                "treadmill must be \"none\", \"sim\" or \"bluetooth\" (got {:?})",
                b.treadmill
            ),
        ));
    }
    let device = device_name("device", b.device.as_deref())?;
    let hr_strap = device_name("hr_strap", b.hr_strap.as_deref())?;
    if b.treadmill != "bluetooth" && (device.is_some() || hr_strap.is_some()) {
        return Err(ApiError::invalid(
            "device",
            "device and hr_strap go with treadmill \"bluetooth\" only",
        ));
    }
    let (planned, mut plan) = state.svc.plan_for(me.user_id, date).await?;
    if let Some(from) = b.from_s.filter(|s| *s > 0) {
        let total = plan.total_s();
        if from >= total {
            return Err(ApiError::invalid(
                "from_s",
                format!("from_s must be within the session's {total} s: a session at its end is logged, not resumed"),
            ));
        }
        plan = rest_of(plan, from);
    }
    let spec = match b.treadmill.as_str() {
        "sim" | "bluetooth" => Some(live_spec(&state, me.user_id, plan.clone()).await?),
        _ => None,
    };
    // A real treadmill is connected before the run exists, so a device that cannot be
    // reached leaves nothing behind and never starts a belt.
    let connected = match b.treadmill.as_str() {
        "bluetooth" => {
            let Some(device) = device.as_deref() else {
                return Err(ApiError::invalid(
                    "device",
                    "treadmill \"bluetooth\" needs device: the treadmill's name or address from GET /api/devices",
                ));
            };
            Some(crate::devices::connect(device, hr_strap.as_deref()).await?)
        }
        _ => None,
    };
    let id = crate::auth::new_token()[..32].to_string();
    let mut record = json!({ "treadmill": b.treadmill, "planned": planned, "plan": plan });
    if let Some(from) = b.from_s.filter(|s| *s > 0) {
        record["resumed_from_s"] = json!(from);
    }
    if let Some(d) = &device {
        record["device"] = json!(d);
    }
    if let Some(h) = &hr_strap {
        record["hr_strap"] = json!(h);
    }
    state
        .svc
        .store
        .start_run_by(&id, me.user_id, &record, state.instance.as_deref())
        .await?;
    if let Some(spec) = spec {
        let store = state.svc.store.clone();
        let started = match connected {
            Some((machine, faults)) => state
                .runs
                .live
                .start_on(store, &id, me.user_id, spec, machine, faults),
            None => state.runs.live.start_sim(store, &id, me.user_id, spec),
        };
        if let Err(e) = started {
            // The run never moved a belt; close it so it does not look live.
            state
                .svc
                .store
                .end_run(&id, Some(&format!("{TREADMILL_PREFIX}error: {e}")))
                .await?;
            return Err(e.into());
        }
        tracing::info!(run = %id, user = me.user_id, treadmill = %b.treadmill, device = ?device, "treadmill run started");
    } else {
        state.runs.insert(&id, me.user_id);
    }
    let mut answer =
        json!({ "run_id": id, "plan": plan, "planned": planned, "treadmill": b.treadmill });
    if let Some(from) = b.from_s.filter(|s| *s > 0) {
        answer["resumed_from_s"] = json!(from);
    }
    if let Some(d) = device {
        answer["device"] = json!(d);
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

fn ended() -> ApiError {
    ApiError::conflict("this run has already stopped; start a new one")
}

pub async fn heartbeat(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.runs.beat(&id, me.user_id).is_none() {
        // Started by another process, this one restarted, or a treadmill run (never
        // cached: its controller ends it by itself): the controller or database decides.
        match locate(&state, me.user_id, &id).await? {
            Found::Here(l) => {
                l.send(Command::Heartbeat);
            }
            Found::Stored(run) if run.ended_at.is_some() => return Err(ended()),
            Found::Stored(_) => state.runs.insert(&id, me.user_id),
            Found::Lost => return Err(lost_link()),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct StopBody {
    reason: String,
    #[serde(default)]
    note: Option<String>,
}

pub async fn stop(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StopBody>,
) -> ApiResult<Json<Value>> {
    let reason = stop_reason("reason", &b.reason)?;
    let word = match reason {
        None => "finished".to_string(),
        Some(_) => b.reason.trim().to_ascii_lowercase(),
    };
    let note = b
        .note
        .as_deref()
        .map(|n| validate::optional_text("note", n, validate::NOTES_MAX))
        .transpose()?
        .filter(|n| !n.is_empty());
    // The belt first: the stop is handed to the controller before anything is written.
    let live = state.runs.live.get(&id, me.user_id);
    if let Some(l) = &live {
        l.stop_by_person(&format!("screen ({word})"));
    }
    let run = owned_run(&state, me.user_id, &id).await?;
    let mut stored = match &note {
        Some(n) => format!("{word}: {n}"),
        None => word.clone(),
    };
    let unended_treadmill = run.ended_at.is_none() && treadmill_of(&run) != "none";
    // Whether another process drives this run's belt: it reads the ended run from the
    // database within a second and stops the belt.
    let mut forwarded = false;
    if live.is_none() && unended_treadmill {
        if recorded_lately(&state, &run).await? {
            forwarded = true;
        } else {
            stored = format!("{stored} (after the treadmill link was lost)");
        }
    }
    match run.stop_reason.as_deref() {
        _ if run.ended_at.is_none() => {}
        // The treadmill stopped first (heartbeat lost, session complete…); the person's
        // reason is still wanted, and the treadmill's is kept beside it.
        Some(t) if t.starts_with(TREADMILL_PREFIX) => {
            stored = format!("{stored} (after the {t})");
        }
        _ => return Err(ended()),
    }
    state.svc.store.end_run(&id, Some(&stored)).await?;
    state.runs.remove(&id);
    let elapsed_s = (retrowalk_store::now() - run.started_at).max(0);
    tracing::info!(run = %id, user = me.user_id, reason = %word, "run stopped");
    Ok(Json(json!({
        "run_id": id,
        "reason": word,
        "stopped_early": reason,
        "elapsed_s": elapsed_s,
        "treadmill_stopped": live.is_some(),
        "treadmill_forwarded": forwarded,
    })))
}

async fn set_paused(
    state: &AppState,
    user: UserId,
    id: &str,
    paused: bool,
) -> ApiResult<Json<Value>> {
    match locate(state, user, id).await? {
        Found::Here(l) => {
            let cmd = if paused {
                Command::Pause
            } else {
                Command::Resume
            };
            if !l.send(cmd) {
                return Err(ApiError::conflict(
                    "the treadmill has already stopped this run; start a new one",
                ));
            }
        }
        Found::Stored(run) if run.ended_at.is_some() => return Err(ended()),
        Found::Stored(_) => {}
        Found::Lost => return Err(lost_link()),
    }
    state.runs.set_paused(id, paused);
    Ok(Json(
        json!({ "run_id": id, "state": if paused { "paused" } else { "running" } }),
    ))
}

pub async fn pause(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_paused(&state, me.user_id, &id, true).await
}

pub async fn resume(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_paused(&state, me.user_id, &id, false).await
}

pub async fn live(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let run = match locate(&state, me.user_id, &id).await? {
        Found::Here(l) => return Ok(state.runs.live.stream(&l)),
        Found::Lost => return Err(lost_link()),
        Found::Stored(run) => run,
    };
    let treadmill = treadmill_of(&run);
    if treadmill != "none" {
        return Err(ApiError::conflict(
            "this run's treadmill has stopped; its telemetry is stored with the run",
        ));
    }
    Err(ApiError::conflict(format!(
        "this run has no treadmill connected (treadmill \"{treadmill}\"), so there is no live telemetry; follow the timer on screen"
    )))
}

impl AppState {
    /// The simulated treadmill of a run this process drives, for tests and diagnostics.
    #[doc(hidden)]
    pub fn live_treadmill(
        &self,
        run_id: &str,
        user: UserId,
    ) -> Option<Arc<retrowalk_ftms::SimTreadmill>> {
        self.runs.live.get(run_id, user).and_then(|l| l.sim())
    }

    /// Stops every belt this process drives (server shutdown).
    pub async fn stop_live_runs(&self, by: &str) {
        self.runs.live.stop_all(by).await;
    }
}

#[cfg(test)]
mod tests {
    use super::{reason_word, rest_of};
    use retrowalk_core::session::SessionPlan;

    fn plan() -> SessionPlan {
        let load = retrowalk_core::Load {
            backward_s: 300,
            speed: retrowalk_core::Speed::from_mph(1.0).expect("a speed"),
            incline: retrowalk_core::Incline::FLAT,
            rails: retrowalk_core::RailUse::Light,
        };
        retrowalk_core::session::build_within(
            &load,
            retrowalk_core::Tier::Standard,
            retrowalk_core::screening::Requirements::default(),
            retrowalk_core::Units::Mph,
            retrowalk_core::BodyMass::from_kg(70.0).expect("a body mass"),
            retrowalk_core::Speed::from_mph(3.5).expect("a speed"),
        )
    }

    #[test]
    fn the_rest_of_a_plan_starts_where_the_person_left_it() {
        let full = plan();
        let total = full.total_s();
        let first = full.segments[0].duration_s;
        // Half way into the second segment.
        let from = first + full.segments[1].duration_s / 2;
        let rest = rest_of(full.clone(), from);
        assert_eq!(rest.total_s(), total - from);
        assert_eq!(rest.segments.len(), full.segments.len() - 1);
        assert_eq!(rest.segments[0].kind, full.segments[1].kind);
        assert_eq!(rest.segments[0].speed, full.segments[1].speed);
        assert!(rest.energy.kcal < full.energy.kcal);
        assert!(rest.segments[0]
            .cues
            .iter()
            .all(|c| c.at_s < rest.segments[0].duration_s));
        // On a segment's boundary nothing is cut short.
        let at_boundary = rest_of(full.clone(), first);
        assert_eq!(at_boundary.segments[0], full.segments[1]);
        assert_eq!(rest_of(full.clone(), 0), full);
    }

    #[test]
    fn the_reason_word_is_the_leading_word_whatever_follows() {
        assert_eq!(reason_word("pain: sharp on the left"), "pain");
        assert_eq!(reason_word("dizziness"), "dizziness");
        assert_eq!(
            reason_word("other (after the treadmill heartbeat_lost: no word)"),
            "other"
        );
        // What the treadmill stored by itself is no person's reason.
        assert_eq!(reason_word("treadmill completed"), "treadmill");
        assert_eq!(reason_word(""), "");
    }

    #[test]
    fn the_stop_note_is_the_persons_words_alone() {
        use super::stop_note;
        assert_eq!(
            stop_note("pain: sharp on the left"),
            Some("sharp on the left")
        );
        assert_eq!(
            stop_note("pain: sharp (left): knee (after the treadmill heartbeat_lost)"),
            Some("sharp (left): knee")
        );
        assert_eq!(
            stop_note("other: hmm (after the treadmill link was lost)"),
            Some("hmm")
        );
        assert_eq!(stop_note("dizziness"), None);
        assert_eq!(stop_note("finished"), None);
        assert_eq!(stop_note("treadmill completed"), None);
        assert_eq!(stop_note("treadmill error: a: b"), None);
        assert_eq!(stop_note("other: left the session screen"), None);
        assert_eq!(stop_note("other:    "), None);
    }
}
