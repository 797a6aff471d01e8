//! Sign-up, sign-in, sign-out, and who am I.

use crate::auth::{self, ClientAddr, MaybeMe, Me};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use retrowalk_store::{LoginGate, Role, StoreError, User};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn user_json(id: i64, email: &str, name: &str, role: Role) -> Value {
    json!({"id": id, "email": email, "name": name, "role": auth::role_name(role)})
}

fn user_of(u: &User) -> Value {
    user_json(u.id, &u.email, &u.display_name, u.role)
}

/// `GET /api/csrf`: the token to echo in X-CSRF-Token; also set as the rw_csrf cookie.
pub async fn csrf(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeMe(authed): MaybeMe,
) -> Response {
    let token = match authed {
        Some(a) => a.csrf.clone(),
        None => auth::cookie(&headers, auth::CSRF_COOKIE)
            .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string)
            .unwrap_or_else(auth::new_token),
    };
    let mut res = Json(json!({ "token": token })).into_response();
    auth::set_csrf_cookie(
        res.headers_mut(),
        &token,
        state.settings.session_idle_s,
        auth::secure(&state, &headers),
    );
    res
}

#[derive(Deserialize)]
pub struct Signup {
    email: String,
    password: String,
    name: String,
    role: String,
}

/// The CSRF token the request proved it holds; a new session keeps it.
fn request_csrf(headers: &HeaderMap) -> ApiResult<String> {
    headers
        .get(auth::CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| ApiError::forbidden("missing CSRF token"))
}

pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<Signup>,
) -> ApiResult<Response> {
    let email = validate::email(&b.email)?;
    let name = validate::required_text("name", &b.name, validate::NAME_MAX)?;
    validate::password(&b.password)?;
    let role = match b.role.as_str() {
        "walker" => Role::Person,
        "clinician" => Role::Clinician,
        other => {
            return Err(ApiError::invalid(
                "role",
                format!("role must be \"walker\" or \"clinician\" (got {other:?})"),
            ))
        }
    };
    let hash = auth::hash_password(&state, b.password).await?;
    let id = match state
        .svc
        .store
        .create_user(&email, &name, Some(&hash), role)
        .await
    {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::conflict(
                "an account with this email already exists: sign in instead",
            )
            .with_field("email"))
        }
        Err(e) => return Err(e.into()),
    };
    let csrf = request_csrf(&headers)?;
    let mut res = (
        StatusCode::CREATED,
        Json(json!({ "user": user_json(id, &email, &name, role) })),
    )
        .into_response();
    auth::start_session(&state, &headers, res.headers_mut(), id, &csrf).await?;
    Ok(res)
}

#[derive(Deserialize)]
pub struct Login {
    email: String,
    password: String,
}

/// "40 seconds", "1 minute", "15 minutes".
fn wait_words(seconds: i64) -> String {
    match seconds {
        ..=59 => format!(
            "{} second{}",
            seconds.max(1),
            if seconds == 1 { "" } else { "s" }
        ),
        _ => {
            let m = (seconds + 59) / 60;
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(b): ApiJson<Login>,
) -> ApiResult<Response> {
    let email = b.email.trim().to_ascii_lowercase();
    if email.len() > validate::EMAIL_MAX {
        return Err(ApiError::invalid(
            "email",
            "email must be at most 254 characters",
        ));
    }
    if b.password.chars().count() > validate::PASSWORD_MAX {
        return Err(ApiError::invalid(
            "password",
            "password must be at most 1024 characters",
        ));
    }
    let store = &state.svc.store;
    let s = &state.settings;
    // Counted per address and account, before the password is checked and in one
    // statement, so parallel guesses cannot outrun the count; someone guessing from
    // elsewhere cannot lock the real person out, and the wait grows with each failure
    // instead of a fixed lock.
    let key = format!("login:{client}:{email}");
    if let LoginGate::Wait { seconds } = store
        .login_attempt(
            &key,
            s.login_max_failures,
            s.login_window_s,
            (s.login_first_wait_s, s.login_max_wait_s),
        )
        .await?
    {
        return Err(ApiError::too_many(
            format!(
                "too many failed sign-ins for this email from here: wait {} and try again",
                wait_words(seconds)
            ),
            seconds as u64,
        ));
    }
    let user = store.user_by_email(&email).await?;
    let (hash, user) = match user {
        Some(u) => match u.password_hash.clone() {
            Some(h) => (h, Some(u)),
            None => (auth::dummy_hash(&state).await?, None),
        },
        None => (auth::dummy_hash(&state).await?, None),
    };
    let ok = auth::verify_password(&state, b.password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong email or password: check both and try again",
        ));
    };
    store.login_succeeded(&key).await?;
    let csrf = request_csrf(&headers)?;
    let mut res = Json(json!({ "user": user_of(&user) })).into_response();
    auth::start_session(&state, &headers, res.headers_mut(), user.id, &csrf).await?;
    Ok(res)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeMe(authed): MaybeMe,
) -> ApiResult<Response> {
    if let Some(a) = authed {
        // The whole sign-in ends: tokens it was renewed from stay valid otherwise.
        state.svc.store.revoke_session_family(&a.family).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    auth::clear_session_cookie(res.headers_mut(), auth::secure(&state, &headers));
    Ok(res)
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the signed-in person's password after checking the current one (throttled like
/// a sign-in, since a stolen session could otherwise guess it), and signs out every other
/// device: whoever knew the old password should not stay in.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Me(me): Me,
    ApiJson(b): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    if b.current.chars().count() > validate::PASSWORD_MAX {
        return Err(ApiError::invalid("current", "wrong current password"));
    }
    validate::password(&b.new).map_err(|e| e.with_field("new"))?;
    let store = &state.svc.store;
    let s = &state.settings;
    let key = format!("password:{client}:{}", me.user_id);
    if let LoginGate::Wait { seconds } = store
        .login_attempt(
            &key,
            s.login_max_failures,
            s.login_window_s,
            (s.login_first_wait_s, s.login_max_wait_s),
        )
        .await?
    {
        return Err(ApiError::too_many(
            format!(
                "too many wrong passwords: wait {} and try again",
                wait_words(seconds)
            ),
            seconds as u64,
        ));
    }
    let user = store
        .user(me.user_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let hash = match user.password_hash {
        Some(h) => h,
        None => auth::dummy_hash(&state).await?,
    };
    if !auth::verify_password(&state, b.current, hash).await? {
        return Err(ApiError::invalid(
            "current",
            "that is not your current password",
        ));
    }
    store.login_succeeded(&key).await?;
    let new_hash = auth::hash_password(&state, b.new).await?;
    store.set_password_hash(me.user_id, &new_hash).await?;
    store.revoke_other_sessions(me.user_id, &me.family).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct PasswordReset {
    token: String,
    password: String,
}

fn dead_link() -> ApiError {
    ApiError::invalid(
        "token",
        "this reset link is unknown, already used or expired: ask the server's administrator for a new one",
    )
}

/// `POST /api/password-reset`: the person chooses a new password with the one-time link an
/// administrator printed (`retrowalk user reset-password EMAIL`). The link works once, and
/// every sign-in of theirs ends: whoever knew the old password should not stay in.
pub async fn reset_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PasswordReset>,
) -> ApiResult<Response> {
    let token = b.token.trim();
    if !auth::well_formed(token) {
        return Err(ApiError::invalid(
            "token",
            "this reset link is incomplete: open the whole link the administrator gave you",
        ));
    }
    let token_hash = auth::token_hash(token);
    let store = &state.svc.store;
    // Checked before the password is hashed, so made-up links cost no hashing.
    if store.password_reset_user(&token_hash).await?.is_none() {
        return Err(dead_link());
    }
    validate::password(&b.password)?;
    let hash = auth::hash_password(&state, b.password).await?;
    match store.reset_password(&token_hash, &hash).await {
        Ok(_) => {}
        // Used by another request in the meantime.
        Err(StoreError::Invalid(_)) => return Err(dead_link()),
        Err(e) => return Err(e.into()),
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    auth::clear_session_cookie(res.headers_mut(), auth::secure(&state, &headers));
    Ok(res)
}

pub async fn revoke_all(
    State(state): State<AppState>,
    headers: HeaderMap,
    Me(me): Me,
) -> ApiResult<Response> {
    state.svc.store.revoke_all_sessions(me.user_id).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    auth::clear_session_cookie(res.headers_mut(), auth::secure(&state, &headers));
    Ok(res)
}

pub async fn me(State(state): State<AppState>, Me(me): Me) -> ApiResult<Json<Value>> {
    let profile = state.svc.store.profile(me.user_id).await?;
    Ok(Json(json!({
        "id": me.user_id,
        "email": me.email,
        "name": me.name,
        "role": auth::role_name(me.role),
        "has_profile": profile.is_some(),
        "units": profile.map(|p| p.units).unwrap_or_default(),
        "admin": me.admin,
        // A clinician waiting for approval sees why their patient pages stay empty.
        "approved": (me.role == Role::Clinician).then_some(me.approved),
    })))
}
