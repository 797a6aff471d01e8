//! retrowalk's web app: the JSON API described in `/api/openapi.json`, sign-in with
//! database-backed sessions, and the embedded browser UI. Handlers are thin adapters over
//! `retrowalk_service`; the database is the only shared state, so several processes can
//! serve one PostgreSQL database.

mod assets;
pub mod auth;
mod devices;
mod error;
mod instance;
mod json;
pub mod listen;
mod live;
pub mod openapi;
mod query;
mod routes;
mod runs;
mod state;
mod validate;

pub use error::ApiError;
pub use json::BODY_LIMIT;
pub use state::{AppState, Settings};

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put, MethodRouter};
use axum::{middleware, Json, Router};
use retrowalk_service::Service;
use retrowalk_store::Store;
use std::net::SocketAddr;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// How `retrowalk serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// A file path, sqlite://…, or postgres://…
    pub db: String,
    /// Mark cookies Secure even without `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
}

/// The Content-Security-Policy: nothing from elsewhere, no inline script. Inline style
/// attributes are allowed because the charts are inline SVG.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Collects routes while remembering each (method, path), so tests can check that the
/// OpenAPI document and the authorization table cover every route served.
struct Api {
    router: Router<AppState>,
    registered: Vec<(&'static str, &'static str)>,
}

impl Api {
    fn new() -> Api {
        Api {
            router: Router::new(),
            registered: Vec::new(),
        }
    }

    fn add(mut self, method: &'static str, path: &'static str, mr: MethodRouter<AppState>) -> Api {
        self.registered.push((method, path));
        self.router = self.router.route(path, mr);
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Api {
        self.add("GET", path, get(h))
    }
    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Api {
        self.add("POST", path, post(h))
    }
    fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Api {
        self.add("PUT", path, put(h))
    }
}

fn api_routes() -> Api {
    use routes::{account, admin, clinician, exchange, walker};
    Api::new()
        // Signing in.
        .get("/api/csrf", account::csrf)
        .post("/api/signup", account::signup)
        .post("/api/login", account::login)
        .post("/api/logout", account::logout)
        .post("/api/sessions/revoke-all", account::revoke_all)
        .post("/api/password", account::change_password)
        .post("/api/password-reset", account::reset_password)
        .get("/api/me", account::me)
        // A person's own programme.
        .put("/api/profile", walker::put_profile)
        .get("/api/profile", walker::get_profile)
        .get("/api/screening", walker::screening)
        .get("/api/today", walker::today)
        .get("/api/plan", walker::plan)
        .get("/api/plan/{date}", walker::plan_on)
        .post("/api/log", walker::log)
        .post("/api/morning", walker::morning)
        .get("/api/history", walker::history)
        .get("/api/progress", walker::progress)
        .get("/api/audit", walker::audit)
        .post("/api/invites/accept", walker::accept_invite)
        .get("/api/clinicians", walker::clinicians)
        .post(
            "/api/clinicians/{clinician}/unlink",
            walker::unlink_clinician,
        )
        // The session runner.
        .post("/api/runs", runs::start)
        .post("/api/runs/{id}/heartbeat", runs::heartbeat)
        .post("/api/runs/{id}/stop", runs::stop)
        .post("/api/runs/{id}/pause", runs::pause)
        .post("/api/runs/{id}/resume", runs::resume)
        .get("/api/runs/{id}/live", runs::live)
        .get("/api/devices", devices::list)
        // Clinicians.
        .post("/api/invites", clinician::create_invite)
        .get("/api/invites", clinician::invites)
        .get("/api/invites/{code}/qr", clinician::invite_qr)
        .post("/api/invites/{code}/revoke", clinician::revoke_invite)
        .get("/api/patients", clinician::patients)
        .get("/api/patients/{id}", clinician::patient)
        .put("/api/patients/{id}/caps", clinician::set_caps)
        .post("/api/patients/{id}/pause", clinician::pause)
        .post("/api/patients/{id}/resume", clinician::resume)
        .post("/api/patients/{id}/clearance", clinician::clearance)
        .put("/api/patients/{id}/tier", clinician::set_tier)
        // Files for other tools: downloads, the calendar feed's link, FIT uploads.
        .get("/api/export/{file}", exchange::download)
        .get(
            "/api/patients/{id}/export/{file}",
            exchange::patient_download,
        )
        .get("/api/calendar/feed", exchange::feed_status)
        .post("/api/calendar/feed", exchange::feed_new)
        .add(
            "POST",
            "/api/import/fit",
            post(exchange::import_fit).layer(DefaultBodyLimit::max(exchange::IMPORT_LIMIT)),
        )
        .add(
            "POST",
            "/api/import/backup",
            post(exchange::import_backup).layer(DefaultBodyLimit::max(exchange::RESTORE_LIMIT)),
        )
        // The server's administrators.
        .get("/api/admin/clinicians", admin::clinicians)
        .post("/api/admin/clinicians/{id}/approve", admin::approve)
        .post("/api/admin/clinicians/{id}/revoke", admin::revoke)
        // About the API.
        .get("/api/openapi.json", openapi_json)
}

fn other_routes() -> Api {
    Api::new()
        .get("/healthz", healthz)
        .get("/assets/{*path}", assets::asset)
        .get("/sw.js", assets::service_worker)
        // A calendar app's subscription: the secret token in the URL is the credential.
        .get("/calendar/{file}", routes::exchange::feed)
}

/// Every (method, path) the app serves, in registration order.
pub fn registered_routes() -> Vec<(&'static str, &'static str)> {
    let mut r = api_routes().registered;
    r.extend(other_routes().registered);
    r
}

/// The whole app over `state`; `serve` binds it, tests call it in-process.
pub fn app(state: AppState) -> Router {
    let api = api_routes()
        .router
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // JSON shrinks several-fold, which matters on a phone on weak Wi-Fi. The default
        // predicate leaves event streams alone (a live run's events are never held in a
        // compressor's buffer) and bodies too small to gain; level 4 rather than brotli's
        // slow default keeps the cost per response small. The pages themselves are
        // compressed once each in `assets`, not per request.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)));
    let mut router = Router::new()
        .merge(api)
        .merge(other_routes().router)
        .fallback(fallback)
        .with_state(state.clone());
    let headers: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    if state.secure_cookies {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router.layer(TraceLayer::new_for_http())
}

async fn fallback(method: Method, uri: Uri, headers: axum::http::HeaderMap) -> Response {
    let p = uri.path();
    if p.starts_with("/api/") || p == "/api" || p.starts_with("/calendar/") {
        let mut res = ApiError::not_found(format!(
            "there is no API endpoint {method} {p}; see /api/openapi.json"
        ))
        .into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    if method == Method::GET || method == Method::HEAD {
        return assets::index(headers).await;
    }
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "pages are only read (GET)").into_response()
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document())
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.svc.store.ping().await {
        Ok(()) => Json(serde_json::json!({"ok": true, "db": "ok"})).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"ok": false, "db": e.to_string()})),
        )
            .into_response(),
    }
}

/// Opens the database, binds, prints `retrowalk listening on http://ADDR`, and serves
/// until SIGINT or SIGTERM, then finishes requests in flight.
pub async fn serve(cfg: ServeConfig) -> anyhow::Result<()> {
    let store = Store::open(&cfg.db)
        .await
        .with_context(|| format!("cannot open the database at {}", cfg.db))?;
    let mut state = AppState::new(
        Service::new(store.clone()),
        Settings::default(),
        cfg.secure_cookies,
    );
    let me = instance::register(&store)
        .await
        .context("registering this server process in the database")?;
    instance::keep_alive(store.clone(), me.clone());
    state.instance = Some(me.clone());
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.addr))?;
    let local = listener.local_addr().context("reading the bound address")?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "retrowalk listening on http://{local}").context("writing to stdout")?;
        out.flush().context("writing to stdout")?;
    }
    let live = state.clone();
    listen::serve_http1(
        listener,
        app(state),
        listen::HEADER_READ_TIMEOUT,
        async move {
            shutdown_signal().await;
            // Every belt this process drives stops before requests are drained (their
            // event streams end with it, so they do not hold the shutdown up).
            live.stop_live_runs("server shutting down").await;
        },
    )
    .await;
    if let Err(e) = store.end_instance(&me).await {
        tracing::warn!(error = %e, "could not record this process's end");
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
