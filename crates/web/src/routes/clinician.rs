//! What a clinician does, for linked patients only. Someone who is not a linked patient
//! is answered 404, exactly as an id that does not exist, so ids cannot be probed to
//! learn who uses retrowalk.

use crate::auth::Clinician;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, OptJson};
use crate::query::Day;
use crate::routes::walker::decision_json;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use retrowalk_core::{ClinicianCaps, Incline, Speed, Tier};
use retrowalk_service::ServiceError;
use retrowalk_store::{InviteState, Revoked, UserId};
use serde::Deserialize;
use serde_json::{json, Value};

/// No 0/O or 1/I: codes are read aloud and typed on phones.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..8)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// The page a patient opens from the QR code or a shared link: it fills in the code.
/// The origin is the one the clinician reached this server by, so the code works on the
/// same LAN address or public name.
pub fn join_url(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        // A Host header is the client's to send: only a plain host[:port] goes into a link.
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/join?code={code}")
}

pub async fn create_invite(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ttl = state.settings.invite_ttl_s;
    let code = new_code();
    state
        .svc
        .store
        .create_invite(&code, me.user_id, ttl)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": code,
            "expires_at": retrowalk_store::now() + ttl,
            "state": InviteState::Unused,
            "join_url": join_url(&state, &headers, &code),
        })),
    )
        .into_response())
}

/// The clinician's invitation codes, newest first, each unused, used, expired or revoked.
pub async fn invites(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let list = state
        .svc
        .store
        .invites_of(me.user_id, retrowalk_store::now())
        .await?;
    let out: Vec<Value> = list
        .into_iter()
        .map(|i| {
            let url = join_url(&state, &headers, &i.code);
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("join_url".into(), Value::String(url));
            }
            v
        })
        .collect();
    Ok(Json(Value::Array(out)))
}

/// Codes are typed by people: case and separators do not matter.
fn normal_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn no_such_code() -> ApiError {
    ApiError::not_found("no invitation code of yours has that name")
}

/// Revokes an unused (or expired) code: nobody can link with it any more.
pub async fn revoke_invite(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let code = normal_code(&code);
    match state.svc.store.revoke_invite(me.user_id, &code).await? {
        Revoked::Done => Ok(Json(json!({ "code": code, "state": InviteState::Revoked }))),
        Revoked::AlreadyUsed => Err(ApiError::conflict(
            "this code was already used: the patient it linked stays linked until they unlink in their settings",
        )),
        Revoked::NotFound => Err(no_such_code()),
    }
}

/// An unused code's join link as a QR code (SVG), for a patient to scan in clinic.
pub async fn invite_qr(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let code = normal_code(&code);
    let list = state
        .svc
        .store
        .invites_of(me.user_id, retrowalk_store::now())
        .await?;
    let invite = list
        .iter()
        .find(|i| i.code == code)
        .ok_or_else(no_such_code)?;
    if invite.state != InviteState::Unused {
        return Err(ApiError::conflict(format!(
            "this code is {}: create a new one to show as a QR code",
            match invite.state {
                InviteState::Used => "already used",
                InviteState::Expired => "expired",
                _ => "revoked",
            }
        )));
    }
    let url = join_url(&state, &headers, &code);
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| {
            tracing::error!("encoding an invitation QR code: {e}");
            ApiError::internal()
        })?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

pub async fn patients(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Day(d): Day,
) -> ApiResult<Json<Value>> {
    let list = state.svc.patients(me.user_id, d).await?;
    Ok(Json(serde_json::to_value(list).unwrap_or(Value::Null)))
}

fn no_such_patient() -> ApiError {
    ApiError::not_found("no patient with that id among your patients")
}

/// The patient's id, once it is known to be linked to this clinician.
async fn linked(state: &AppState, me: UserId, id: &str) -> ApiResult<UserId> {
    let id: UserId = id.parse().map_err(|_| no_such_patient())?;
    match state.svc.ensure_clinician_of(me, id).await {
        Ok(()) => Ok(id),
        Err(ServiceError::Forbidden(_)) => Err(no_such_patient()),
        Err(e) => Err(e.into()),
    }
}

/// Reads that fail for want of a profile or programme show as null on the patient page.
fn or_null<T: serde::Serialize>(r: retrowalk_service::Result<T>) -> ApiResult<Value> {
    match r {
        Ok(v) => Ok(serde_json::to_value(v).unwrap_or(Value::Null)),
        Err(
            ServiceError::NoProfile
            | ServiceError::NoProgramme
            | ServiceError::Store(retrowalk_store::StoreError::NotFound(_)),
        ) => Ok(Value::Null),
        Err(e) => Err(e.into()),
    }
}

pub async fn patient(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    Day(d): Day,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    let svc = &state.svc;
    let user = svc.store.user(id).await?.ok_or_else(no_such_patient)?;
    let programme = svc.store.programme(id).await?;
    let profile = svc.store.profile(id).await?;
    let p_units = profile.as_ref().map(|p| p.units).unwrap_or_default();
    Ok(Json(json!({
        "user": crate::routes::account::user_json(user.id, &user.email, &user.display_name, user.role),
        "profile": profile,
        "screening": or_null(svc.screening(id).await)?,
        "today": or_null(svc.today(id, d).await)?,
        "history": or_null(svc.history(id).await)?,
        "progress": or_null(svc.progress(id).await)?,
        "audit": or_null(svc.audit(id).await)?,
        "flags": or_null(svc.patient_flags(id, d).await)?,
        "caps": programme.as_ref().map(|p| p.state.caps),
        // The limits in the patient's unit, named, as the patient sees them.
        "caps_text": programme.as_ref().and_then(|p| {
            let units = p_units;
            crate::routes::walker::caps_text(&p.state.caps, units)
        }),
        "seq": programme.as_ref().map(|p| p.seq).unwrap_or(0),
    })))
}

#[derive(Deserialize)]
pub struct CapsBody {
    #[serde(default)]
    max_speed_kmh: Option<f64>,
    #[serde(default)]
    max_incline_pct: Option<f64>,
    #[serde(default)]
    max_backward_min: Option<f64>,
    expected_seq: i64,
}

fn caps_of(b: &CapsBody) -> ApiResult<ClinicianCaps> {
    let max_speed = b
        .max_speed_kmh
        .map(|v| {
            validate::range("max_speed_kmh", v, 0.1, Speed::MAX_KMH, "km/h")?;
            Speed::from_kmh(v).map_err(|e| ApiError::invalid("max_speed_kmh", e.to_string()))
        })
        .transpose()?;
    let max_incline = b
        .max_incline_pct
        .map(|v| {
            // Declines are never prescribed, so a negative cap means a typo.
            validate::range("max_incline_pct", v, 0.0, 40.0, "%")?;
            Incline::from_percent(v)
                .map_err(|e| ApiError::invalid("max_incline_pct", e.to_string()))
        })
        .transpose()?;
    let max_backward_s = b
        .max_backward_min
        .map(|v| {
            validate::range("max_backward_min", v, 1.0, 120.0, "minutes")
                .map(|m| (m * 60.0).round() as u32)
        })
        .transpose()?;
    let caps = ClinicianCaps {
        max_speed,
        max_incline,
        max_backward_s,
    };
    // ADA-11: a cap beyond the engine's own limits is refused, naming the limit.
    caps.validate().map_err(|e| {
        let field = match e.what {
            "max speed" => "max_speed_kmh",
            "max incline" => "max_incline_pct",
            _ => "max_backward_min",
        };
        ApiError::invalid(field, e.to_string())
    })?;
    Ok(caps)
}

async fn seq_of(state: &AppState, id: UserId) -> ApiResult<i64> {
    Ok(state
        .svc
        .store
        .programme(id)
        .await?
        .map(|p| p.seq)
        .unwrap_or(0))
}

async fn units_of(state: &AppState, id: UserId) -> ApiResult<retrowalk_core::Units> {
    Ok(state
        .svc
        .store
        .profile(id)
        .await?
        .map(|p| p.units)
        .unwrap_or_default())
}

async fn changed(
    state: &AppState,
    id: UserId,
    d: Option<retrowalk_core::Decision>,
) -> ApiResult<Json<Value>> {
    let units = units_of(state, id).await?;
    Ok(Json(json!({
        "decision": d.map(|d| decision_json(&d, d.sentence(units))),
        "seq": seq_of(state, id).await?,
    })))
}

pub async fn set_caps(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CapsBody>,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    let caps = caps_of(&b)?;
    let d = state
        .svc
        .set_caps(me.user_id, id, caps, Some(b.expected_seq))
        .await?;
    let mut out = changed(&state, id, d).await?;
    if let Some(o) = out.0.as_object_mut() {
        o.insert(
            "caps".into(),
            serde_json::to_value(caps).unwrap_or(Value::Null),
        );
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
    /// With a clearance: the tier the patient starts in (default supervised, SCR-12).
    #[serde(default)]
    tier: Option<String>,
}

fn check_reason(b: &ReasonBody) -> ApiResult<()> {
    if let Some(r) = &b.reason {
        validate::optional_text("reason", r, validate::NOTES_MAX)?;
    }
    if let Some(n) = &b.note {
        validate::optional_text("note", n, validate::NOTES_MAX)?;
    }
    Ok(())
}

pub async fn pause(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    Day(d): Day,
    OptJson(b): OptJson<ReasonBody>,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    check_reason(&b)?;
    // Shown to the patient; either name is accepted.
    let said = b.reason.as_deref().or(b.note.as_deref());
    let dec = state.svc.pause_with_reason(me.user_id, id, d, said).await?;
    changed(&state, id, dec).await
}

pub async fn resume(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    Day(d): Day,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    let dec = state.svc.resume(me.user_id, id, d).await?;
    changed(&state, id, dec).await
}

pub async fn clearance(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    Day(d): Day,
    OptJson(b): OptJson<ReasonBody>,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    check_reason(&b)?;
    let said = b.note.as_deref().or(b.reason.as_deref());
    let tier = match b.tier.as_deref() {
        None => Tier::Supervised,
        Some(t) => match t.parse::<Tier>() {
            Ok(t) if t != Tier::ClearanceRequired => t,
            _ => {
                return Err(ApiError::invalid(
                    "tier",
                    "tier: a clearance starts the patient in standard, caution or supervised",
                ))
            }
        },
    };
    let started = state
        .svc
        .record_clearance_in_tier(me.user_id, id, d, said, tier)
        .await?;
    Ok(Json(
        json!({ "programme_started": started, "seq": seq_of(&state, id).await? }),
    ))
}

#[derive(Deserialize)]
pub struct TierBody {
    tier: String,
}

pub async fn set_tier(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TierBody>,
) -> ApiResult<Json<Value>> {
    let id = linked(&state, me.user_id, &id).await?;
    let tier: Tier = b.tier.parse().map_err(|e: retrowalk_core::InvalidValue| {
        ApiError::invalid("tier", format!("tier: {e}"))
    })?;
    state.svc.set_tier(me.user_id, id, tier).await?;
    Ok(Json(
        json!({ "tier": tier, "seq": seq_of(&state, id).await? }),
    ))
}
