//! What a person who walks does with their own programme.

use crate::auth::Walker;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::query::{self, parse_date, Day, Weeks};
use crate::runs;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use retrowalk_core::{Decision, Effort, Pain, Profile, RailUse, Schedule, SessionLog, StopReason};
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;

/// A decision as the API shows it: the engine's facts plus the sentence in the person's
/// units.
pub fn decision_json(d: &Decision, sentence: String) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("sentence".into(), Value::String(sentence));
    }
    v
}

fn to_json<T: serde::Serialize>(v: &T) -> ApiResult<Json<Value>> {
    serde_json::to_value(v).map(Json).map_err(|e| {
        tracing::error!("serializing a response: {e}");
        ApiError::internal()
    })
}

/// Checks a profile and names the field at fault.
pub fn check_profile(p: &Profile) -> ApiResult<()> {
    validate::required_text("name", &p.name, validate::NAME_MAX)?;
    if let Some(s) = &p.schedule {
        let days = s.days().to_vec();
        let ok = Schedule::new(days.clone()).is_ok_and(|n| n.days().len() == days.len());
        if !ok {
            return Err(ApiError::invalid(
                "schedule",
                "schedule must be 2 or 3 different weekdays, e.g. Monday, Wednesday, Friday",
            ));
        }
    } else {
        return Err(ApiError::invalid(
            "schedule",
            "choose 2 or 3 training days, e.g. Monday, Wednesday, Friday",
        ));
    }
    p.validate().map_err(|e| {
        let field = match e.what {
            "name" => "name",
            "3-m backward walk test time" => "backward_walk_test_s",
            "months since knee surgery" => "knee_surgery_months",
            other => other,
        };
        ApiError::invalid(field, format!("{field}: {e}"))
    })
}

pub async fn put_profile(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(today): Day,
    ApiJson(profile): ApiJson<Profile>,
) -> ApiResult<Json<Value>> {
    check_profile(&profile)?;
    let out = state.svc.onboard(me.user_id, profile, today).await?;
    to_json(&out)
}

pub async fn get_profile(
    State(state): State<AppState>,
    Walker(me): Walker,
) -> ApiResult<Json<Value>> {
    let p = state
        .svc
        .store
        .profile(me.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no profile yet: complete onboarding first"))?;
    to_json(&p)
}

pub async fn screening(
    State(state): State<AppState>,
    Walker(me): Walker,
) -> ApiResult<Json<Value>> {
    to_json(&state.svc.screening(me.user_id).await?)
}

pub use retrowalk_service::caps_text;

pub async fn today(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(d): Day,
) -> ApiResult<Json<Value>> {
    to_json(&state.svc.today(me.user_id, d).await?)
}

pub async fn plan(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(d): Day,
    Weeks(w): Weeks,
) -> ApiResult<Json<Value>> {
    to_json(&state.svc.upcoming(me.user_id, d, w).await?)
}

pub async fn plan_on(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(date): Path<String>,
) -> ApiResult<Json<Value>> {
    let d = parse_date("date", &date)?;
    let (planned, plan) = state.svc.plan_for(me.user_id, d).await?;
    // What guides intensity in this session: a person whose medicine slows the heart is told
    // to go by effort before the belt starts (SCR-16), never shown an age-based limit as theirs.
    let (profile, rec) = state.svc.store.profile_and_programme(me.user_id).await?;
    let heart_rate = profile.zip(rec).map(|(p, rec)| {
        let g = retrowalk_core::heart_rate_guide(&p, rec.state.tier);
        json!({ "by_effort": g.by_effort, "bpm": g.cap.bpm, "text": g.describe() })
    });
    Ok(Json(
        json!({ "planned": planned, "plan": plan, "heart_rate": heart_rate }),
    ))
}

/// `stopped_early` may be a reason ("dizziness"), true (then `stop_reason` gives it,
/// default "other"), or false/null.
#[derive(Deserialize, Default)]
#[serde(untagged)]
pub enum StoppedEarly {
    #[default]
    No,
    Flag(bool),
    Reason(String),
}

#[derive(Deserialize)]
pub struct LogBody {
    date: Date,
    backward_min: f64,
    effort: Effort,
    pain_before: Pain,
    pain_during: Pain,
    pain_after: Pain,
    #[serde(default)]
    dizziness: bool,
    #[serde(default)]
    near_fall: bool,
    #[serde(default)]
    fall: bool,
    #[serde(alias = "rails_used")]
    rails: RailUse,
    #[serde(default)]
    stopped_early: Option<StoppedEarly>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    run_id: Option<String>,
    /// The client's key for this log: a retry with it answers the first answer and records
    /// nothing (the `Idempotency-Key` header says the same; if both come they must agree).
    #[serde(default)]
    idempotency_key: Option<String>,
}

/// The idempotency key of a log request, from the `Idempotency-Key` header and/or the
/// body's `idempotency_key`.
fn idempotency_key(headers: &HeaderMap, body: Option<&str>) -> ApiResult<Option<String>> {
    let field = "idempotency_key";
    let header = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::invalid(field, "the Idempotency-Key header must be printable ASCII")
        })?),
        None => None,
    };
    let key =
        match (header, body) {
            (Some(h), Some(b)) if h != b => return Err(ApiError::invalid(
                field,
                "the Idempotency-Key header and the body's idempotency_key differ; send one key",
            )),
            (Some(k), _) | (None, Some(k)) => Some(k),
            (None, None) => None,
        };
    if let Some(k) = key {
        retrowalk_service::check_key(k).map_err(|e| ApiError::invalid(field, e.to_string()))?;
    }
    Ok(key.map(str::to_owned))
}

/// A service refusal of a log or a morning check, with the field it is about.
fn log_error(e: retrowalk_service::ServiceError) -> ApiError {
    match e {
        retrowalk_service::ServiceError::Invalid(m) if m.starts_with("idempotency_key") => {
            ApiError::invalid("idempotency_key", m)
        }
        retrowalk_service::ServiceError::Invalid(m) if m.contains("date") => {
            ApiError::invalid("date", m)
        }
        other => other.into(),
    }
}

/// Parses a stop reason as the API names them; "finished" means not stopped early.
pub fn stop_reason(field: &str, s: &str) -> ApiResult<Option<StopReason>> {
    if s.trim().eq_ignore_ascii_case("finished") {
        return Ok(None);
    }
    s.parse::<StopReason>().map(Some).map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} must be one of dizziness, pain, discomfort, slip, fall, other or finished (got {s:?})"),
        )
    })
}

pub async fn log(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(today): Day,
    headers: HeaderMap,
    ApiJson(b): ApiJson<LogBody>,
) -> ApiResult<Json<Value>> {
    query::in_window("date", b.date)?;
    let key = idempotency_key(&headers, b.idempotency_key.as_deref())?;
    let minutes = validate::range("backward_min", b.backward_min, 0.0, 120.0, "minutes")?;
    if let Some(n) = &b.notes {
        validate::optional_text("notes", n, validate::NOTES_MAX)?;
    }
    let mut stopped = match (b.stopped_early.unwrap_or_default(), &b.stop_reason) {
        (StoppedEarly::Reason(r), _) => stop_reason("stopped_early", &r)?,
        (StoppedEarly::Flag(true), Some(r)) => stop_reason("stop_reason", r)?,
        (StoppedEarly::Flag(true), None) => Some(StopReason::Other),
        (StoppedEarly::Flag(false) | StoppedEarly::No, _) => None,
    };
    let mut notes = b
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if let Some(id) = &b.run_id {
        let run = runs::owned_run(&state, me.user_id, id).await?;
        // What was typed on the STOP sheet stays with the log, where the clinician reads
        // it, beside what the log form says (once, if the form already repeats it).
        if let Some(said) = run.stop_reason.as_deref().and_then(runs::stop_note) {
            notes = Some(match notes {
                Some(n) if n.contains(said) => n,
                Some(n) => format!("At STOP: {said}\n{n}"),
                None => format!("At STOP: {said}"),
            });
        }
        // The reason given at the STOP button reaches the log, and so the history and the
        // clinician's flags, even when the form does not repeat it.
        if stopped.is_none() {
            stopped = run.stop_reason.as_deref().and_then(|r| {
                stop_reason("stop_reason", runs::reason_word(r))
                    .ok()
                    .flatten()
            });
        }
    }
    let log = SessionLog {
        date: b.date,
        backward_s: (minutes * 60.0).round() as u32,
        effort: b.effort,
        pain_before: b.pain_before,
        pain_during: b.pain_during,
        pain_after: b.pain_after,
        dizziness: b.dizziness,
        near_fall: b.near_fall,
        fall: b.fall,
        rails_used: b.rails,
        stopped_early: stopped,
        // The service decides, from what is already logged (PRG-08).
        extra: false,
    };
    let (d, sentence, next) = state
        .svc
        .log_session_today(
            me.user_id,
            log,
            me.user_id,
            today,
            notes.as_deref(),
            today.max(b.date),
            key.as_deref(),
        )
        .await
        .map_err(log_error)?;
    Ok(Json(
        json!({ "decision": decision_json(&d, sentence), "next": next }),
    ))
}

#[derive(Deserialize)]
pub struct MorningBody {
    date: Date,
    pain: Pain,
}

pub async fn morning(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(today): Day,
    ApiJson(b): ApiJson<MorningBody>,
) -> ApiResult<Json<Value>> {
    query::in_window("date", b.date)?;
    let d = state
        .svc
        .log_morning_pain(me.user_id, b.date, b.pain, today)
        .await
        .map_err(log_error)?;
    Ok(Json(json!({
        "decision": d.map(|(d, s)| decision_json(&d, s)),
    })))
}

pub async fn history(State(state): State<AppState>, Walker(me): Walker) -> ApiResult<Json<Value>> {
    to_json(&state.svc.history(me.user_id).await?)
}

pub async fn progress(State(state): State<AppState>, Walker(me): Walker) -> ApiResult<Json<Value>> {
    to_json(&state.svc.progress(me.user_id).await?)
}

pub async fn audit(State(state): State<AppState>, Walker(me): Walker) -> ApiResult<Json<Value>> {
    to_json(&state.svc.audit(me.user_id).await?)
}

#[derive(Deserialize)]
pub struct AcceptBody {
    code: String,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    Walker(me): Walker,
    ApiJson(b): ApiJson<AcceptBody>,
) -> ApiResult<Json<Value>> {
    let code: String = b
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::invalid(
            "code",
            "code must be the 8-character code your clinician gave you",
        ));
    }
    let store = &state.svc.store;
    let s = &state.settings;
    // Guessing codes is throttled like guessing passwords.
    let key = format!("invite:{}", me.user_id);
    if store.login_failures(&key, s.login_window_s).await? >= s.invite_max_failures {
        return Err(ApiError::too_many(
            "too many wrong invitation codes: wait 15 minutes and try again",
            s.login_window_s as u64,
        ));
    }
    let clinician = match store.accept_invite(&code, me.user_id).await {
        Ok(c) => c,
        Err(retrowalk_store::StoreError::Invalid(m)) => {
            store.note_login_failure(&key, s.login_window_s).await?;
            return Err(ApiError::invalid("code", m));
        }
        Err(e) => return Err(e.into()),
    };
    let name = store
        .user(clinician)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(Json(
        json!({ "clinician": { "id": clinician, "name": name } }),
    ))
}

/// The clinicians linked to me, and the limits in force on my programme.
pub async fn clinicians(
    State(state): State<AppState>,
    Walker(me): Walker,
) -> ApiResult<Json<Value>> {
    let store = &state.svc.store;
    let list = store.linked_clinicians(me.user_id).await?;
    let (profile, programme) = store.profile_and_programme(me.user_id).await?;
    let units = profile.map(|p| p.units).unwrap_or_default();
    let caps = programme.map(|p| p.state.caps).unwrap_or_default();
    Ok(Json(json!({
        "clinicians": list,
        "caps": caps,
        "caps_text": caps_text(&caps, units),
        "units": units,
    })))
}

/// Ends my link with a clinician: they can no longer see or change my programme. What
/// they set stays in force (their limits, a pause): those were safety decisions about me,
/// which only a clinician (one I link later) may undo, and the answer says so.
pub async fn unlink_clinician(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(id): Path<String>,
    Day(d): Day,
) -> ApiResult<Json<Value>> {
    // Any id that is not one of my clinicians is the same answer, so ids cannot be probed.
    let not_mine = || ApiError::not_found("you are not linked to a clinician with that id");
    let id: retrowalk_store::UserId = id.parse().map_err(|_| not_mine())?;
    let store = &state.svc.store;
    let who = store
        .linked_clinicians(me.user_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(not_mine)?;
    if !store.unlink(id, me.user_id).await? {
        return Err(not_mine());
    }
    let (profile, programme) = store.profile_and_programme(me.user_id).await?;
    let units = profile.map(|p| p.units).unwrap_or_default();
    let caps = programme.map(|p| p.state.caps).unwrap_or_default();
    let paused = matches!(
        state.svc.today(me.user_id, d).await.map(|t| t.status),
        Ok(retrowalk_service::Status::Paused { .. })
    );
    let limits = caps_text(&caps, units);
    let kept = match (&limits, paused) {
        (Some(l), true) => format!(
            " Your programme stays paused and the limits in force stay ({l}): they were set for your safety, and only a clinician can change them."
        ),
        (Some(l), false) => format!(
            " The limits in force stay ({l}): they were set for your safety, and only a clinician can change them."
        ),
        (None, true) => " Your programme stays paused: only a clinician can resume it.".to_string(),
        (None, false) => String::new(),
    };
    Ok(Json(json!({
        "unlinked": { "id": who.id, "name": who.name },
        "caps": caps,
        "caps_text": limits,
        "paused": paused,
        "message": format!(
            "You are no longer linked to {}: they can no longer see your sessions or change your plan.{kept}",
            who.name
        ),
    })))
}
