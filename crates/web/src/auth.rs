//! Sign-in: argon2id password hashes, random session tokens stored only as SHA-256
//! hashes, cookies, the CSRF double-submit check, and the extractors that say who is
//! asking. Everything lives in the database so several processes can share it.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use retrowalk_store::{Role, UserId};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "rw_session";
pub const CSRF_COOKIE: &str = "rw_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who is asking, for a request that carried a live session.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: UserId,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub csrf: String,
    /// The hash of the token the request carried, and of its renewal if one was issued.
    pub token_hashes: Vec<String>,
    /// The sign-in these tokens belong to (see `Store::revoke_session_family`).
    pub family: String,
    /// An approved clinician (read with the session, so never stale).
    pub approved: bool,
    /// A server administrator (read with the session, so never stale).
    pub admin: bool,
}

/// 256 random bits as 64 hex characters.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares without stopping at the first difference.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Secure when configured, or when a TLS-terminating proxy says the request was https.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
    max_age: i64,
    http_only: bool,
    secure: bool,
) {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&c) {
        headers.append(SET_COOKIE, v);
    }
}

pub fn set_session_cookies(
    headers: &mut HeaderMap,
    token: &str,
    csrf: &str,
    ttl: i64,
    secure: bool,
) {
    set_cookie(headers, SESSION_COOKIE, token, ttl, true, secure);
    set_cookie(headers, CSRF_COOKIE, csrf, ttl, false, secure);
}

pub fn set_csrf_cookie(headers: &mut HeaderMap, csrf: &str, ttl: i64, secure: bool) {
    set_cookie(headers, CSRF_COOKIE, csrf, ttl, false, secure);
}

pub fn clear_session_cookie(headers: &mut HeaderMap, secure: bool) {
    set_cookie(headers, SESSION_COOKIE, "", 0, true, secure);
}

fn argon(state: &AppState) -> ApiResult<Argon2<'static>> {
    let params = Params::new(
        state.settings.argon2_m_kib,
        state.settings.argon2_t,
        1,
        None,
    )
    .map_err(|e| {
        tracing::error!("argon2 parameters: {e}");
        ApiError::internal()
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes on the blocking pool, at most two at a time (each takes megabytes).
pub async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| ApiError::internal())?;
    let a = argon(state)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        a.hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| {
        tracing::error!("hashing a password: {e}");
        ApiError::internal()
    })
}

/// True when `password` matches `hash`. The parameters come from the stored hash, so
/// old hashes keep working after the defaults change.
pub async fn verify_password(state: &AppState, password: String, hash: String) -> ApiResult<bool> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| ApiError::internal())?;
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|_| ApiError::internal())
}

/// A hash of a random password, verified against when no account matches the email.
pub async fn dummy_hash(state: &AppState) -> ApiResult<String> {
    state
        .dummy_hash
        .get_or_try_init(|| hash_password(state, new_token()))
        .await
        .cloned()
}

/// Creates a session for `user` and sets its cookies on `headers`.
pub async fn start_session(
    state: &AppState,
    req_headers: &HeaderMap,
    out: &mut HeaderMap,
    user: UserId,
    csrf: &str,
) -> ApiResult<()> {
    let token = new_token();
    let ttl = state.settings.session_idle_s;
    state
        .svc
        .store
        .create_auth_session(&token_hash(&token), user, csrf, ttl, None)
        .await?;
    set_session_cookies(out, &token, csrf, ttl, secure(state, req_headers));
    Ok(())
}

fn mutating(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The CSRF token a mutating request proved it can read (header equal to cookie).
fn csrf_of(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(CSRF_HEADER)?.to_str().ok()?;
    let cookie = cookie(headers, CSRF_COOKIE)?;
    (well_formed(header) && same(header, cookie)).then_some(header)
}

fn csrf_refused() -> ApiError {
    ApiError::forbidden(
        "missing or wrong CSRF token: send the rw_csrf cookie's value in the X-CSRF-Token header (GET /api/csrf sets it)",
    )
}

/// Runs before every /api handler: checks CSRF on mutating requests, resolves the
/// session cookie into an [`Authed`], and renews a session that has been in use for a
/// while so its idle expiry slides forward.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let is_mutating = mutating(req.method());
    let csrf = if is_mutating {
        match csrf_of(req.headers()) {
            Some(c) => Some(c.to_string()),
            None => return csrf_refused().into_response(),
        }
    } else {
        None
    };
    let mut renewal: Option<(String, String)> = None;
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE).filter(|t| well_formed(t)) {
        let hash = token_hash(token);
        match resolve(&state, &hash).await {
            Ok(Some((mut authed, expires_at))) => {
                if let Some(c) = &csrf {
                    // The token must also be the one this session was given, so a cookie
                    // planted by a sibling site cannot stand in for it.
                    if !same(c, &authed.csrf) {
                        return csrf_refused().into_response();
                    }
                }
                let s = &state.settings;
                let issued = expires_at - s.session_idle_s;
                if retrowalk_store::now() - issued >= s.session_renew_s {
                    let token = new_token();
                    let new_hash = token_hash(&token);
                    // The old token is left to expire on its own rather than revoked, so
                    // requests already in flight with it do not fail; it shares the new
                    // one's family, so signing out ends both.
                    if let Err(e) = state
                        .svc
                        .store
                        .create_auth_session(
                            &new_hash,
                            authed.user_id,
                            &authed.csrf,
                            s.session_idle_s,
                            Some(&authed.family),
                        )
                        .await
                    {
                        return ApiError::from(e).into_response();
                    }
                    authed.token_hashes.push(new_hash);
                    renewal = Some((token, authed.csrf.clone()));
                }
                req.extensions_mut().insert(authed);
            }
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
    }
    let secure = secure(&state, req.headers());
    let mut res = next.run(req).await;
    if let Some((token, csrf)) = renewal {
        // A handler that ended the session (logout, revoke-all) has cleared the cookie.
        let ended = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("rw_session=;")));
        if !ended {
            set_session_cookies(
                res.headers_mut(),
                &token,
                &csrf,
                state.settings.session_idle_s,
                secure,
            );
        }
    }
    res
}

/// Who a user id is (role, email, name), cached for a minute: a role never changes, and
/// the session itself is still checked against the database on every request, so
/// revocation and expiry take effect at once on every process.
#[derive(Default)]
pub struct UserCache {
    map: std::sync::Mutex<HashMap<UserId, (Role, String, String, Instant)>>,
}

const USER_TTL: Duration = Duration::from_secs(60);
const USER_CACHE_MAX: usize = 10_000;

impl UserCache {
    fn get(&self, id: UserId) -> Option<(Role, String, String)> {
        let m = self.map.lock().ok()?;
        let (role, email, name, at) = m.get(&id)?;
        (at.elapsed() < USER_TTL).then(|| (*role, email.clone(), name.clone()))
    }

    fn put(&self, id: UserId, role: Role, email: &str, name: &str) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= USER_CACHE_MAX {
                m.clear();
            }
            m.insert(
                id,
                (role, email.to_string(), name.to_string(), Instant::now()),
            );
        }
    }
}

async fn resolve(state: &AppState, hash: &str) -> ApiResult<Option<(Authed, i64)>> {
    let store = &state.svc.store;
    let Some(s) = store.auth_session(hash).await? else {
        return Ok(None);
    };
    let (role, email, name) = match state.users.get(s.user_id) {
        Some(u) => u,
        None => {
            let Some(u) = store.user(s.user_id).await? else {
                return Ok(None);
            };
            state.users.put(u.id, u.role, &u.email, &u.display_name);
            (u.role, u.email, u.display_name)
        }
    };
    Ok(Some((
        Authed {
            user_id: s.user_id,
            role,
            email,
            name,
            csrf: s.csrf,
            token_hashes: vec![hash.to_string()],
            family: s.family,
            approved: s.approved,
            admin: s.admin,
        },
        s.expires_at,
    )))
}

/// Any signed-in person.
pub struct Me(pub Authed);
/// The signed-in person, if any (for routes that also serve strangers).
pub struct MaybeMe(pub Option<Authed>);
/// A signed-in person who walks (acting on their own data).
pub struct Walker(pub Authed);
/// A signed-in clinician whom a server administrator has approved: every route that
/// reads or changes a patient (or invites one) takes this.
pub struct Clinician(pub Authed);
/// A signed-in server administrator.
pub struct Admin(pub Authed);

fn authed(parts: &Parts) -> ApiResult<Authed> {
    parts
        .extensions
        .get::<Authed>()
        .cloned()
        .ok_or_else(ApiError::unauthorized)
}

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        authed(parts).map(Me)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeMe {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeMe(parts.extensions.get::<Authed>().cloned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Walker {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let a = authed(parts)?;
        if a.role != Role::Person {
            return Err(ApiError::forbidden(
                "this is for people who walk; a clinician account has no programme of its own",
            ));
        }
        Ok(Walker(a))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Clinician {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let a = authed(parts)?;
        if a.role != Role::Clinician {
            return Err(ApiError::forbidden("only a clinician account can do this"));
        }
        if !a.approved {
            return Err(retrowalk_service::ServiceError::NotApproved.into());
        }
        Ok(Clinician(a))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let a = authed(parts)?;
        if !a.admin {
            return Err(ApiError::forbidden(
                "only this server's administrator can do this (`retrowalk admin grant EMAIL` makes one)",
            ));
        }
        Ok(Admin(a))
    }
}

/// The role names the API uses.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::Person => "walker",
        Role::Clinician => "clinician",
    }
}

/// The address a request came from: the TCP peer `retrowalk serve` recorded, or
/// "unknown" (in-process tests, which add a `ConnectInfo` themselves when they need one).
/// Forwarded headers are not trusted: anyone could write them.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_hex_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn cookie_parsing_finds_the_named_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; rw_csrf=xyz;rw_session=abc"),
        );
        assert_eq!(cookie(&h, "rw_csrf"), Some("xyz"));
        assert_eq!(cookie(&h, "rw_session"), Some("abc"));
        assert_eq!(cookie(&h, "rw"), None);
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
