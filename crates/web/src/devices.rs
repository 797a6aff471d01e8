//! Bluetooth treadmills and heart-rate straps for the web runner: the scan behind
//! `GET /api/devices`, and connecting to the devices a run names. The connecting itself is
//! `retrowalk_controller::connect_bluetooth`, the same code the terminal runner uses; this
//! module only turns its failures into answers a browser can show.
//!
//! Without the `bluetooth` cargo feature the facade in `retrowalk_ftms::bluetooth` answers
//! "not compiled in", which becomes a 501 saying how to build a server that can.

use crate::auth::Walker;
use crate::error::{ApiError, ApiResult};
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::Json;
use retrowalk_controller::{connect_bluetooth, ConnectError, DeviceRole};
use retrowalk_ftms::bluetooth::{self, BluetoothError, DeviceKind};
use retrowalk_ftms::Treadmill;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a server without Bluetooth says; the runner page shows it as it is.
pub const NO_BLUETOOTH: &str = "this retrowalk server was built without Bluetooth, so it cannot find or drive a real treadmill. \
    Build it with Bluetooth (`cargo build --release --features bluetooth`; on Linux this needs BlueZ running, \
    and libdbus-1-dev and pkg-config to build), or run the session with the simulated treadmill or none.";

/// How long `GET /api/devices` listens by default, and at most (`?seconds=`).
const SCAN_DEFAULT_S: u64 = 5;
const SCAN_MAX_S: u64 = 20;
/// How long starting a run looks for the named devices before giving up.
const CONNECT_SCAN: Duration = Duration::from_secs(10);

/// One adapter: scans and connections take turns rather than fight over it.
static RADIO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn seconds(query: Option<&str>) -> ApiResult<u64> {
    let Some(v) = query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("seconds="))
    else {
        return Ok(SCAN_DEFAULT_S);
    };
    v.parse::<u64>()
        .ok()
        .filter(|s| (1..=SCAN_MAX_S).contains(s))
        .ok_or_else(|| {
            ApiError::invalid(
                "seconds",
                format!("seconds must be a whole number from 1 to {SCAN_MAX_S} (got {v:?})"),
            )
        })
}

/// A Bluetooth failure that is not about a particular device.
fn radio_error(e: BluetoothError) -> ApiError {
    match e {
        BluetoothError::NotCompiledIn => ApiError::new(StatusCode::NOT_IMPLEMENTED, NO_BLUETOOTH),
        e @ BluetoothError::NoAdapter => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        e => ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("the Bluetooth scan failed: {e}"),
        ),
    }
}

/// `GET /api/devices`: treadmills (and fitness machines that may be one) and heart-rate
/// straps advertising within a few seconds, strongest signal first.
pub async fn list(_me: Walker, RawQuery(query): RawQuery) -> ApiResult<Json<Value>> {
    let secs = seconds(query.as_deref())?;
    let found = {
        let _radio = RADIO.lock().await;
        bluetooth::scan(Duration::from_secs(secs))
            .await
            .map_err(radio_error)?
    };
    let devices: Vec<Value> = found
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "address": d.address,
                "kind": match d.kind {
                    DeviceKind::Treadmill | DeviceKind::FitnessMachine => "treadmill",
                    DeviceKind::HeartRateStrap => "heart_rate_strap",
                    DeviceKind::Unknown => "unknown",
                },
                "label": d.kind.label(),
                "rssi": d.rssi,
            })
        })
        .collect();
    Ok(Json(json!({ "seconds": secs, "devices": devices })))
}

/// Why a run's devices could not be connected, as an answer: the build (501), a device
/// not in range (422 naming it and the field), no adapter (503), or the device refused or
/// broke the connection (502).
fn connect_error(e: ConnectError) -> ApiError {
    let field = match e.role {
        DeviceRole::Treadmill => "device",
        DeviceRole::HeartRateStrap => "hr_strap",
    };
    match e.source {
        BluetoothError::NotCompiledIn => radio_error(BluetoothError::NotCompiledIn),
        BluetoothError::NotFound(_) => ApiError::invalid(
            field,
            format!(
                "no {} named or addressed {:?} was found within {} s: wake it (press a key on its console), \
                 make sure no other app is connected to it, and check the name in the device list",
                e.role.label(),
                e.name,
                CONNECT_SCAN.as_secs()
            ),
        ),
        BluetoothError::NoAdapter => radio_error(BluetoothError::NoAdapter),
        _ => ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()).with_field(field),
    }
}

/// Connects to the run's treadmill (and strap). The receiver carries a lost strap's
/// message, to be handed to the controller as a fault.
pub async fn connect(
    device: &str,
    hr_strap: Option<&str>,
) -> ApiResult<(Arc<dyn Treadmill>, mpsc::UnboundedReceiver<String>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let _radio = RADIO.lock().await;
    let machine = connect_bluetooth(
        device,
        hr_strap,
        CONNECT_SCAN,
        Box::new(move |m| {
            let _ = tx.send(m);
        }),
    )
    .await
    .map_err(connect_error)?;
    Ok((machine, rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_time_is_bounded_and_named_when_wrong() {
        assert_eq!(seconds(None).unwrap(), SCAN_DEFAULT_S);
        assert_eq!(seconds(Some("seconds=3")).unwrap(), 3);
        for bad in ["seconds=0", "seconds=21", "seconds=x", "seconds="] {
            let e = seconds(Some(bad)).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("seconds"), "{bad}");
        }
    }

    #[test]
    fn connection_failures_map_to_what_went_wrong() {
        let err = |role, source| ConnectError {
            role,
            name: "FS-6041F1".into(),
            source,
        };
        let e = connect_error(err(DeviceRole::Treadmill, BluetoothError::NotCompiledIn));
        assert_eq!(e.status, StatusCode::NOT_IMPLEMENTED);
        assert!(e.message.contains("--features bluetooth"), "{}", e.message);
        let e = connect_error(err(
            DeviceRole::HeartRateStrap,
            BluetoothError::NotFound("FS-6041F1".into()),
        ));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("hr_strap"));
        assert!(
            e.message
                .contains("no heart-rate strap named or addressed \"FS-6041F1\""),
            "{}",
            e.message
        );
        let e = connect_error(err(
            DeviceRole::Treadmill,
            BluetoothError::Backend("le-connection-abort-by-local".into()),
        ));
        assert_eq!(e.status, StatusCode::BAD_GATEWAY);
        assert_eq!(e.field.as_deref(), Some("device"));
        assert!(e.message.contains("le-connection-abort"), "{}", e.message);
        let e = connect_error(err(DeviceRole::Treadmill, BluetoothError::NoAdapter));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
