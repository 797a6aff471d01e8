//! What every request handler shares: the service, the settings, and the few in-process
//! structures that are only caches or local hardware (never the source of truth, so any
//! number of processes can serve one database).

use crate::runs::RunRegistry;
use retrowalk_service::Service;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// Tunables; the defaults are the contract's numbers, tests shrink the timeouts.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request (12 h).
    pub session_idle_s: i64,
    /// How often an active session's token is renewed (which slides its expiry).
    pub session_renew_s: i64,
    /// Sign-in attempts per client address and email answered at once; after that each
    /// attempt must wait twice as long as the one before (429 with Retry-After).
    pub login_max_failures: i64,
    /// Quiet time after which an address and email's count starts again (also the window
    /// for wrong invitation codes).
    pub login_window_s: i64,
    /// The first wait after the free attempts (30 s); each later one doubles it. It starts
    /// when the attempt is counted, before the password is hashed, so a wait shorter than
    /// a hash would hold nobody back.
    pub login_first_wait_s: i64,
    /// The longest a run of failed sign-ins makes the next attempt wait.
    pub login_max_wait_s: i64,
    pub invite_ttl_s: i64,
    /// Wrong invitation codes per person within the login window before 429.
    pub invite_max_failures: i64,
    /// A live run whose heartbeats stop for this long has its belt stopped.
    pub heartbeat_timeout: Duration,
    /// argon2id memory (KiB) and passes; OWASP's 12 MiB / 3 passes by default.
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            session_idle_s: 12 * 3600,
            session_renew_s: 15 * 60,
            login_max_failures: 5,
            login_window_s: 15 * 60,
            login_first_wait_s: 30,
            login_max_wait_s: 15 * 60,
            invite_ttl_s: 7 * 24 * 3600,
            invite_max_failures: 10,
            heartbeat_timeout: Duration::from_secs(5),
            argon2_m_kib: 12 * 1024,
            argon2_t: 3,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
    pub settings: Arc<Settings>,
    /// Always mark cookies Secure (the server sits behind TLS).
    pub secure_cookies: bool,
    /// argon2 uses megabytes per hash: at most two at once keeps memory flat under load.
    pub(crate) hashing: Arc<Semaphore>,
    /// A hash to verify against when the email is unknown, so timing does not tell
    /// whether an account exists.
    pub(crate) dummy_hash: Arc<OnceCell<String>>,
    pub(crate) runs: Arc<RunRegistry>,
    pub(crate) users: Arc<crate::auth::UserCache>,
    /// This server process as registered in the database (`retrowalk serve` sets it; see
    /// `instance.rs`); the runs it starts name it as their driver.
    pub instance: Option<Arc<str>>,
}

impl AppState {
    pub fn new(svc: Service, settings: Settings, secure_cookies: bool) -> AppState {
        AppState {
            svc,
            settings: Arc::new(settings),
            secure_cookies,
            hashing: Arc::new(Semaphore::new(2)),
            dummy_hash: Arc::new(OnceCell::new()),
            runs: Arc::new(RunRegistry::default()),
            users: Arc::new(crate::auth::UserCache::default()),
            instance: None,
        }
    }
}
