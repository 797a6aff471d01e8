//! JSON request bodies whose errors name the field that was wrong.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Body size limit for every JSON endpoint.
pub const BODY_LIMIT: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request("the request body could not be read; send it again")
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Like [`ApiJson`], but an empty body means the type's default (for optional notes).
pub struct OptJson<T>(pub T);

impl<S, T> FromRequest<S> for OptJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(OptJson(T::default()));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request("the request body could not be read; send it again")
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptJson(T::default()));
        }
        parse(&bytes).map(OptJson)
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than {} KiB; send less",
            BODY_LIMIT / 1024
        ),
    )
}

/// Parses a JSON body; syntax errors are 400, values of the wrong type or out of range
/// are 422 with the field's path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let msg = strip_position(&inner.to_string());
                let field = if path == "." {
                    missing_field(&msg)
                } else {
                    Some(path)
                };
                let sentence = match &field {
                    Some(f) => format!("{f}: {msg}"),
                    None => msg,
                };
                let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, sentence);
                match field {
                    Some(f) => err.with_field(f),
                    None => err,
                }
            }
            _ => ApiError::bad_request(format!(
                "the request body is not valid JSON ({}); send a JSON object",
                strip_position(&inner.to_string())
            )),
        }
    })
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// serde reports a missing field at the object's path; the name is in the message.
fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        pain: retrowalk_core::Pain,
        name: String,
    }

    #[test]
    fn out_of_range_names_the_field() {
        let e = parse::<T>(br#"{"pain": 11, "name": "x"}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("pain"));
        assert!(e.message.contains("0 to 10"), "{}", e.message);
    }

    #[test]
    fn missing_field_is_named() {
        let e = parse::<T>(br#"{"pain": 1}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("name"));
    }

    #[test]
    fn bad_syntax_is_400() {
        let e = parse::<T>(b"{nope").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(!e.message.contains("line"), "{}", e.message);
    }
}
