//! The session runner's server side: a run is recorded when it starts and when it stops,
//! with the reason the person gave. The database holds every run, so any process can
//! stop one; the registry here only caches who owns the runs this process started (so a
//! heartbeat a second does not cost a query) and will hold live treadmill handles.

use crate::auth::Walker;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::query::parse_date;
use crate::routes::walker::stop_reason;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use retrowalk_store::{Run, UserId};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
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
        .runs(user)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(no_such_run)
}

/// The reason word of a stored stop reason ("pain: sharp on the left" → "pain").
pub fn reason_word(stored: &str) -> &str {
    stored
        .split_once(':')
        .map(|(w, _)| w)
        .unwrap_or(stored)
        .trim()
}

#[derive(Deserialize)]
pub struct StartBody {
    date: String,
    #[serde(default = "none")]
    treadmill: String,
}

fn none() -> String {
    "none".into()
}

pub async fn start(
    State(state): State<AppState>,
    Walker(me): Walker,
    ApiJson(b): ApiJson<StartBody>,
) -> ApiResult<Response> {
    let date = parse_date("date", &b.date)?;
    match b.treadmill.as_str() {
        "none" => {}
        "sim" => {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "the simulated treadmill is not available in this build yet: start the run with treadmill \"none\"",
            )
            .with_field("treadmill"))
        }
        other => {
            return Err(ApiError::invalid(
                "treadmill",
                format!("treadmill must be \"none\" or \"sim\" (got {other:?})"),
            ))
        }
    }
    let (planned, plan) = state.svc.plan_for(me.user_id, date).await?;
    let id = crate::auth::new_token()[..32].to_string();
    let record = json!({ "treadmill": b.treadmill, "planned": planned, "plan": plan });
    state.svc.store.start_run(&id, me.user_id, &record).await?;
    state.runs.insert(&id, me.user_id);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "run_id": id, "plan": plan, "planned": planned, "treadmill": b.treadmill })),
    )
        .into_response())
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
        // Started by another process, or this one restarted: the database decides.
        let run = owned_run(&state, me.user_id, &id).await?;
        if run.ended_at.is_some() {
            return Err(ended());
        }
        state.runs.insert(&id, me.user_id);
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
    let run = owned_run(&state, me.user_id, &id).await?;
    if run.ended_at.is_some() {
        return Err(ended());
    }
    let stored = match &note {
        Some(n) => format!("{word}: {n}"),
        None => word.clone(),
    };
    state.svc.store.end_run(&id, Some(&stored)).await?;
    state.runs.remove(&id);
    let elapsed_s = (retrowalk_store::now() - run.started_at).max(0);
    tracing::info!(run = %id, user = me.user_id, reason = %word, "run stopped");
    Ok(Json(json!({
        "run_id": id,
        "reason": word,
        "stopped_early": reason,
        "elapsed_s": elapsed_s,
    })))
}

async fn set_paused(
    state: &AppState,
    user: UserId,
    id: &str,
    paused: bool,
) -> ApiResult<Json<Value>> {
    let run = owned_run(state, user, id).await?;
    if run.ended_at.is_some() {
        return Err(ended());
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
    let run = owned_run(&state, me.user_id, &id).await?;
    let treadmill = run
        .plan
        .get("treadmill")
        .and_then(Value::as_str)
        .unwrap_or("none");
    Err(ApiError::conflict(format!(
        "this run has no treadmill connected (treadmill \"{treadmill}\"), so there is no live telemetry; follow the timer on screen"
    )))
}
