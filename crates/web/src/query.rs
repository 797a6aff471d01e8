//! Query-string values (`?date=`, `?weeks=`) with errors that name the parameter.

use crate::error::{ApiError, ApiResult};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use time::Date;

pub fn param<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .uri
        .query()?
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn parse_date(field: &'static str, s: &str) -> ApiResult<Date> {
    let d = Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{field} must be a date like 2026-11-24 (got {s:?})"),
            )
        })?;
    in_window(field, d)
}

/// Every date a request carries, in the path, the query or the body, passes through here:
/// dates far outside any training calendar once overflowed the engine's arithmetic.
pub fn in_window(field: &'static str, d: Date) -> ApiResult<Date> {
    retrowalk_core::dates::in_window(field, d).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// The server's local date, read per request so a long-running server moves with the
/// calendar.
pub fn local_today() -> Date {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    u8::try_from(d.month())
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .and_then(|m| Date::from_calendar_date(d.year(), m, d.day() as u8).ok())
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
}

/// `?date=YYYY-MM-DD`, defaulting to the server's local date.
pub struct Day(pub Date);

impl<S: Send + Sync> FromRequestParts<S> for Day {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match param(parts, "date") {
            Some(s) if !s.is_empty() => parse_date("date", s).map(Day),
            _ => Ok(Day(local_today())),
        }
    }
}

/// `?weeks=N` for the plan view: 1–26, default 6.
pub struct Weeks(pub u32);

impl<S: Send + Sync> FromRequestParts<S> for Weeks {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match param(parts, "weeks") {
            None | Some("") => Ok(Weeks(6)),
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=26).contains(w))
                .map(Weeks)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "weeks",
                        format!("weeks must be a whole number from 1 to 26 (got {s:?})"),
                    )
                }),
        }
    }
}
