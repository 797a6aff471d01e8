//! What a server administrator does: approve clinicians before they can see any patient
//! (issue 14), and withdraw an approval.

use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use retrowalk_store::{StoreError, User, UserId};
use serde_json::{json, Value};

/// A clinician as the administrator's list shows them.
pub fn clinician_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "name": u.display_name,
        "approved": u.approved_at.is_some(),
        "approved_at": u.approved_at,
        "created_at": u.created_at,
        "admin": u.is_admin(),
    })
}

pub async fn clinicians(State(state): State<AppState>, Admin(_): Admin) -> ApiResult<Json<Value>> {
    let list = state.svc.store.clinicians().await?;
    Ok(Json(Value::Array(
        list.iter().map(clinician_json).collect(),
    )))
}

async fn set_approved(state: &AppState, id: &str, approved: bool) -> ApiResult<Json<Value>> {
    let no_such = || ApiError::not_found("no clinician account with that id");
    let id: UserId = id.parse().map_err(|_| no_such())?;
    match state.svc.store.set_clinician_approved(id, approved).await {
        Ok(u) => Ok(Json(clinician_json(&u))),
        Err(StoreError::NotFound(_) | StoreError::Invalid(_)) => Err(no_such()),
        Err(e) => Err(e.into()),
    }
}

pub async fn approve(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_approved(&state, &id, true).await
}

pub async fn revoke(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_approved(&state, &id, false).await
}
