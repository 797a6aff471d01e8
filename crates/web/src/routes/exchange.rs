//! Downloads and uploads in the formats other tools speak: a session as FIT or TCX, the
//! log as CSV, the whole record as the JSON backup, the programme as iCalendar (a file,
//! and a feed calendar apps subscribe to), and FIT activities uploaded as logged sessions.
//! The files are the CLI's, built by `retrowalk_service`'s exchange module.

use crate::auth::{self, Clinician, Walker};
use crate::error::{ApiError, ApiResult};
use crate::query::{local_today, param, parse_date, Day};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use retrowalk_core::{Effort, Pain, RailUse, StopReason};
use retrowalk_formats::{fit, tcx};
use retrowalk_service::{parse_backup, ImportAnswers, ServiceError};
use retrowalk_store::{StoreError, UserId};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use time::Time;

/// Uploads may carry many FIT files; a 10-hour walk at 1 Hz is about 650 KB.
pub const IMPORT_LIMIT: usize = 8 * 1024 * 1024;
/// A backup carries every run's 1 Hz telemetry, about 210 bytes a second as the download
/// writes it (pretty JSON): a year of three 30-minute walks a week (281,000 samples)
/// measured 58.7 MB, restored in 7.9 s on SQLite and 15.9 s on PostgreSQL (release build).
/// This route alone takes that much; every other JSON body stays at 64 KiB.
pub const RESTORE_LIMIT: usize = 64 * 1024 * 1024;
/// Files per upload: enough for a season of walks, few enough to answer promptly.
const MAX_FILES: usize = 60;
/// How far ahead the subscribed calendar reaches.
const FEED_WEEKS: u32 = 12;
/// How far back it reaches: calendar apps drop events a feed no longer lists.
const FEED_PAST_WEEKS: u32 = 4;

/// What can be downloaded, by the file name in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    SessionFit,
    SessionTcx,
    SessionsCsv,
    SegmentsCsv,
    Backup,
    Programme,
}

pub const EXPORT_NAMES: &str =
    "session.fit, session.tcx, sessions.csv, segments.csv, backup.json or programme.ics";

impl Export {
    fn parse(name: &str) -> ApiResult<Export> {
        Ok(match name {
            "session.fit" => Export::SessionFit,
            "session.tcx" => Export::SessionTcx,
            "sessions.csv" => Export::SessionsCsv,
            "segments.csv" => Export::SegmentsCsv,
            "backup.json" => Export::Backup,
            "programme.ics" => Export::Programme,
            _ => {
                return Err(ApiError::not_found(format!(
                    "there is no export named {name:?}; choose {EXPORT_NAMES}"
                )))
            }
        })
    }
}

/// `?date=` (the session's day; for programme.ics the first day), `?run=` (a treadmill
/// run, for session.fit/.tcx), `?weeks=` (programme.ics, 1–26, default 8) and `?at=HH:MM`
/// (programme.ics: a start time instead of all-day events).
pub struct ExportQuery {
    date: Option<time::Date>,
    run: Option<String>,
    weeks: u32,
    at: Option<Time>,
}

impl<S: Send + Sync> FromRequestParts<S> for ExportQuery {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let some = |name| param(parts, name).filter(|s| !s.is_empty());
        let date = some("date").map(|s| parse_date("date", s)).transpose()?;
        let run = some("run")
            .map(|s| {
                let ok = s.len() <= 100
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ok.then(|| s.to_string())
                    .ok_or_else(|| ApiError::invalid("run", "run must be a run id"))
            })
            .transpose()?;
        let weeks = match some("weeks") {
            None => 8,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=26).contains(w))
                .ok_or_else(|| {
                    ApiError::invalid("weeks", "weeks must be a whole number from 1 to 26")
                })?,
        };
        let at = some("at")
            .map(|s| {
                let (h, m) = s
                    .split_once(':')
                    .or(s.split_once("%3A"))
                    .unwrap_or(("", ""));
                h.parse::<u8>()
                    .ok()
                    .zip(m.parse::<u8>().ok())
                    .and_then(|(h, m)| Time::from_hms(h, m, 0).ok())
                    .ok_or_else(|| ApiError::invalid("at", "at must be a time like 07:30"))
            })
            .transpose()?;
        Ok(ExportQuery {
            date,
            run,
            weeks,
            at,
        })
    }
}

/// A file to save: its type, and a name the browser offers.
fn attachment(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Names are built here from dates and fixed words, so they need no escaping.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A stored session FIT cannot represent (a value past a field's range, written before the
/// checks on input existed or by hand) is a fact about the data, not a server fault: say
/// which value, and which formats still carry it.
fn fit_refusal(e: fit::FitError) -> ApiError {
    match e {
        fit::FitError::OutOfRange { .. } | fit::FitError::TooLarge(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("this session cannot be written as FIT: {e}. Export it as TCX or CSV instead."),
        ),
        other => internal("encoding FIT", other),
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!("{what}: {e}");
    ApiError::internal()
}

async fn export(
    state: &AppState,
    user: UserId,
    what: Export,
    q: ExportQuery,
) -> ApiResult<Response> {
    let svc = &state.svc;
    Ok(match what {
        Export::SessionFit | Export::SessionTcx => {
            let s = svc.session_export(user, q.run.as_deref(), q.date).await?;
            if what == Export::SessionFit {
                let bytes =
                    fit::encode(&s.activity, fit::EncodeOptions::default()).map_err(fit_refusal)?;
                attachment(bytes, "application/vnd.ant.fit", &s.file_name("fit"))
            } else {
                let text = tcx::write(&s.activity, &s.notes);
                attachment(
                    text.into_bytes(),
                    "application/vnd.garmin.tcx+xml",
                    &s.file_name("tcx"),
                )
            }
        }
        Export::SessionsCsv => attachment(
            svc.sessions_csv(user).await?.into_bytes(),
            "text/csv; charset=utf-8",
            "retrowalk-sessions.csv",
        ),
        Export::SegmentsCsv => attachment(
            svc.segments_csv(user).await?.into_bytes(),
            "text/csv; charset=utf-8",
            "retrowalk-segments.csv",
        ),
        Export::Backup => {
            let b = svc.store.backup(user).await?;
            let text = serde_json::to_vec_pretty(&b).map_err(|e| internal("backup", e))?;
            attachment(text, "application/json", "retrowalk-backup.json")
        }
        Export::Programme => {
            let from = q.date.unwrap_or_else(local_today);
            let cal = svc.programme_calendar(user, from, q.weeks, q.at).await?;
            attachment(
                cal.text.into_bytes(),
                "text/calendar; charset=utf-8",
                "retrowalk-programme.ics",
            )
        }
    })
}

/// `GET /api/export/{file}`: the person's own data.
pub async fn download(
    State(state): State<AppState>,
    Walker(me): Walker,
    Path(file): Path<String>,
    q: ExportQuery,
) -> ApiResult<Response> {
    export(&state, me.user_id, Export::parse(&file)?, q).await
}

/// `GET /api/patients/{id}/export/{file}`: what a linked clinician already sees on the
/// patient's page, as files. The backup is the person's own to take, not the clinician's.
pub async fn patient_download(
    State(state): State<AppState>,
    Clinician(me): Clinician,
    Path((id, file)): Path<(String, String)>,
    q: ExportQuery,
) -> ApiResult<Response> {
    let no_such = || ApiError::not_found("no patient with that id among your patients");
    let id: UserId = id.parse().map_err(|_| no_such())?;
    match state.svc.ensure_clinician_of(me.user_id, id).await {
        Ok(()) => {}
        Err(ServiceError::Forbidden(_)) => return Err(no_such()),
        Err(e) => return Err(e.into()),
    }
    let what = Export::parse(&file)?;
    if what == Export::Backup {
        return Err(ApiError::forbidden(
            "a backup is the person's own to download; ask them to send it",
        ));
    }
    export(&state, id, what, q).await
}

/// The feed's path for a token: the token is the only credential, so it is the URL.
fn feed_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// `GET /api/calendar/feed`: whether a feed exists. Its URL is shown only when made (the
/// token is kept as a hash), so a lost URL is replaced by making a new one.
pub async fn feed_status(
    State(state): State<AppState>,
    Walker(me): Walker,
) -> ApiResult<Json<Value>> {
    let created = state.svc.store.calendar_feed_created(me.user_id).await?;
    Ok(Json(
        json!({ "active": created.is_some(), "created_at": created }),
    ))
}

/// `POST /api/calendar/feed`: a new feed URL; any earlier one stops working.
pub async fn feed_new(
    State(state): State<AppState>,
    Walker(me): Walker,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // A programme must exist for the feed to have anything in it.
    state
        .svc
        .store
        .programme(me.user_id)
        .await?
        .ok_or(ServiceError::NoProgramme)?;
    let token = auth::new_token();
    let created = state
        .svc
        .store
        .set_calendar_feed(me.user_id, &auth::token_hash(&token))
        .await?;
    let path = feed_path(&token);
    let scheme = if auth::secure(&state, &headers) {
        "https"
    } else {
        "http"
    };
    let url = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| format!("{scheme}://{host}{path}"));
    Ok((
        StatusCode::CREATED,
        Json(json!({ "path": path, "url": url, "created_at": created })),
    )
        .into_response())
}

/// `GET /calendar/{token}.ics`: the subscribed calendar, the sessions logged in the last 4
/// weeks and the plan from today for 12 weeks, under stable UIDs. No
/// cookie: calendar apps cannot send one, so the secret token in the URL is the key. A
/// wrong or replaced token is 404, the same as a URL that never existed.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let gone = || ApiError::not_found("no such calendar (the link may have been replaced)");
    let token = file.strip_suffix(".ics").ok_or_else(gone)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let user = state
        .svc
        .store
        .calendar_feed_user(&auth::token_hash(token))
        .await?
        .ok_or_else(gone)?;
    let cal = state
        .svc
        .calendar_feed(user, local_today(), FEED_PAST_WEEKS, FEED_WEEKS)
        .await?;
    let mut res = (StatusCode::OK, cal.text).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    // The URL is a credential: keep it out of shared caches.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=600"),
    );
    Ok(res)
}

fn score<T>(
    q: &Parts,
    name: &str,
    new: fn(u8) -> Result<T, retrowalk_core::InvalidValue>,
) -> ApiResult<T> {
    let bad = || {
        ApiError::invalid(
            name,
            format!("{name} is needed: a whole number from 0 to 10"),
        )
    };
    param(q, name)
        .and_then(|s| s.parse::<u8>().ok())
        .ok_or_else(bad)
        .and_then(|v| new(v).map_err(|_| bad()))
}

fn flag(q: &Parts, name: &str) -> bool {
    matches!(param(q, name), Some("true" | "1" | "on"))
}

fn named<T: DeserializeOwned>(q: &Parts, name: &str, choices: &str) -> ApiResult<Option<T>> {
    match param(q, name).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => serde_json::from_value(Value::String(s.to_string()))
            .map(Some)
            .map_err(|_| ApiError::invalid(name, format!("{name} must be one of {choices}"))),
    }
}

/// The answers a FIT file cannot give, from the query string: `effort`, `pain_before`,
/// `pain_during`, `pain_after` (0–10, required), `dizziness`, `near_fall`, `fall`
/// (true/false), `rails` (none/light/full) and `stopped` (a stop reason).
fn answers(q: &Parts) -> ApiResult<ImportAnswers> {
    Ok(ImportAnswers {
        effort: score(q, "effort", Effort::new)?,
        pain_before: score(q, "pain_before", Pain::new)?,
        pain_during: score(q, "pain_during", Pain::new)?,
        pain_after: score(q, "pain_after", Pain::new)?,
        dizziness: flag(q, "dizziness"),
        near_fall: flag(q, "near_fall"),
        fall: flag(q, "fall"),
        rails: named::<RailUse>(q, "rails", "none, light, full")?,
        stopped_early: named::<StopReason>(
            q,
            "stopped",
            "dizziness, pain, discomfort, slip, fall, other",
        )?,
    })
}

fn body_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the upload is larger than 8 MiB; send fewer files at a time",
        )
    } else {
        ApiError::bad_request("the upload could not be read; send it again")
    }
}

/// The files of an upload: every part of a multipart form that carries a file, or a raw
/// body (one file, named by `?name=`).
async fn files(req: Request, state: &AppState) -> ApiResult<Vec<(String, Bytes)>> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let name = param_of(&req, "name").unwrap_or_else(|| "upload.fit".into());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_error(r.status()))?;
        return Ok(vec![(name, bytes)]);
    }
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|r| body_error(r.status()))?;
    let mut out = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| body_error(e.status()))?
    {
        let Some(name) = field.file_name().map(file_name) else {
            continue; // a plain form field, not a file
        };
        if out.len() == MAX_FILES {
            return Err(ApiError::invalid(
                "file",
                format!("at most {MAX_FILES} files per upload"),
            ));
        }
        let bytes = field.bytes().await.map_err(|e| body_error(e.status()))?;
        out.push((name, bytes));
    }
    Ok(out)
}

fn param_of<B>(req: &axum::http::Request<B>, name: &str) -> Option<String> {
    req.uri()
        .query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| file_name(&percent_decode(v)))
}

/// `+` and `%XX` as a query string encodes them (URLSearchParams, curl --data-urlencode).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file's name as shown back and kept with its run: no control characters, no folders,
/// at most 200 characters.
fn file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    base.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// `POST /api/import/fit`: each file becomes a logged session with its telemetry, or an
/// error that says why; the good files are kept whatever happens to the others. 200 when
/// at least one was imported, 422 when none was (the per-file results ride along).
pub async fn import_fit(
    State(state): State<AppState>,
    Walker(me): Walker,
    Day(today): Day,
    req: Request,
) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let answers = answers(&parts)?;
    let req_query = Request::from_parts(parts.clone(), ());
    let files = files(Request::from_parts(parts, body), &state).await?;
    if files.is_empty() {
        return Err(ApiError::invalid(
            "file",
            format!(
                "no file in the upload: attach one or more activity files ({})",
                retrowalk_formats::incoming::SUPPORTED
            ),
        ));
    }
    // The browser's offset from UTC (minutes east, as -Date.getTimezoneOffset() gives),
    // for files that do not carry their own.
    let offset = match param_of(&req_query, "utc_offset_min") {
        None => None,
        Some(v) => Some(
            v.parse::<i32>()
                .ok()
                .filter(|m| m.abs() <= 18 * 60)
                .map(|m| m * 60)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "utc_offset_min",
                        "utc_offset_min must be minutes from -1080 to 1080",
                    )
                })?,
        ),
    };
    let found =
        retrowalk_service::prepare_imports(files.iter().map(|(n, b)| (n.as_str(), b.as_ref())));
    let mut results = Vec::with_capacity(found.len());
    let mut first_error = None;
    for (place, f) in &found {
        let name = &f.label;
        let r = state
            .svc
            .import_activity(me.user_id, f, &answers, today, offset)
            .await;
        let result = match r {
            Ok(i) => json!({
                "name": name, "ok": true, "date": i.date, "backward_min": i.backward_min,
                "records": i.records, "run": i.run,
            }),
            Err(e) => {
                // Database trouble is not this file's fault: say so as the server would.
                let message = match e {
                    ServiceError::Store(s) => ApiError::from(s).message,
                    other => other.to_string(),
                };
                first_error.get_or_insert_with(|| format!("{name}: {message}"));
                json!({ "name": name, "ok": false, "error": message })
            }
        };
        results.push((*place, result));
    }
    // Processed in date order; reported in the order the files were sent.
    results.sort_by_key(|(place, _)| *place);
    let results: Vec<Value> = results.into_iter().map(|(_, r)| r).collect();
    let imported = results.iter().filter(|r| r["ok"] == json!(true)).count();
    let mut body = json!({
        "imported": imported,
        "failed": results.len() - imported,
        "files": results,
    });
    if imported == 0 {
        body["error"] = json!(format!(
            "none of the {} activit(ies) could be imported; {}",
            found.len(),
            first_error.unwrap_or_default()
        ));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    Ok(Json(body).into_response())
}

/// `POST /api/import/backup[?replace=true]`: the body is a backup file (as GET
/// /api/export/backup.json or `retrowalk backup` wrote it), restored as the signed-in
/// person's own record by the same code as `retrowalk restore`: it replaces profile,
/// programme, history and runs, and without `replace=true` is refused (409) when a
/// programme exists. Nothing in the file chooses the account: it is always the caller's.
/// A malformed file is 422 with `field` naming where in it (e.g. `runs[0].samples[3].t_ms`).
pub async fn import_backup(
    State(state): State<AppState>,
    Walker(me): Walker,
    req: Request,
) -> ApiResult<Json<Value>> {
    let (parts, body) = req.into_parts();
    let replace = flag(&parts, "replace");
    let bytes = Bytes::from_request(Request::from_parts(parts, body), &state)
        .await
        .map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the backup is larger than 64 MiB; restore it with `retrowalk restore` instead",
                )
            } else {
                ApiError::bad_request("the upload could not be read; send it again")
            }
        })?;
    let backup = parse_backup(&bytes).map_err(|e| ApiError::invalid(&e.field, e.to_string()))?;
    let done = match state.svc.restore_backup(me.user_id, &backup, replace).await {
        Ok(d) => d,
        // The store's checks say where in the file, as `path: what was expected`.
        Err(ServiceError::Store(StoreError::Invalid(m))) => {
            return Err(match invalid_field(&m) {
                Some(f) => ApiError::invalid(f, m.clone()),
                None => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            })
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Json(json!({
        "restored": true,
        "events": done.events,
        "runs": done.runs,
        "samples": done.samples,
    })))
}

/// The path a store refusal starts with (`programme.seq: …`, `runs[2].id: …`), if any.
fn invalid_field(message: &str) -> Option<&str> {
    let (head, _) = message.split_once(": ")?;
    let ok = !head.is_empty()
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']'));
    ok.then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_decoded_and_tamed() {
        assert_eq!(
            file_name(&percent_decode("my+walk%20(2).fit")),
            "my walk (2).fit"
        );
        assert_eq!(
            file_name(&percent_decode("..%2F..%2Fetc%2Fpasswd")),
            "passwd"
        );
        assert_eq!(file_name("C:\\watch\\run.fit"), "run.fit");
        assert_eq!(file_name(&percent_decode("a%0Ab%zz%")), "ab%zz%");
        assert_eq!(file_name(&"x".repeat(500)).len(), 200);
        assert_eq!(percent_decode("%C3%A9t%C3%A9.fit"), "été.fit");
    }

    #[test]
    fn store_refusals_name_their_field() {
        assert_eq!(
            invalid_field("programme.seq: expected 3, found 9"),
            Some("programme.seq")
        );
        assert_eq!(invalid_field("runs[2].id: too long"), Some("runs[2].id"));
        assert_eq!(invalid_field("not a retrowalk backup (format x)"), None);
        assert_eq!(
            invalid_field("event 6 cannot be read (events[5].data): x"),
            None
        );
    }
}
