//! Every failure leaves the API as a status and `{"error": "...", "field": "..."}`, where
//! the sentence says what was wrong and how to fix it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use retrowalk_service::ServiceError;
use retrowalk_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// A value that parsed but is out of range or otherwise unacceptable.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message).with_field(field)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "you are not signed in (or your session expired): sign in and try again",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    pub fn too_many(message: impl Into<String>, retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on the server; nothing was lost, please try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: &self.message,
            field: self.field.as_deref(),
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound("programme") => ApiError::conflict(
                "there is no programme yet: finish onboarding (or record clearance) first",
            ),
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            e @ StoreError::Unavailable(_) => {
                tracing::warn!("database unavailable: {e}");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
            e @ StoreError::DiskFull => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, e.to_string())
            }
            other => {
                // Details stay in the server log: they can name tables and values.
                tracing::error!("store error: {other}");
                ApiError::internal()
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::NoProfile => ApiError::not_found(e.to_string()),
            ServiceError::NoProgramme | ServiceError::NeedsClearance | ServiceError::Paused(_) => {
                ApiError::conflict(e.to_string())
            }
            ServiceError::Forbidden(_) | ServiceError::NotApproved => {
                ApiError::forbidden(e.to_string())
            }
            ServiceError::SetByAnother(m) => ApiError::forbidden(m),
            ServiceError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            ServiceError::NotFound(m) => ApiError::not_found(m),
            ServiceError::Store(s) => s.into(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
