//! The btleplug backend (cargo feature `bluetooth`; BlueZ over D-Bus on Linux).
//!
//! One task per connection pumps the peripheral's notification stream: Treadmill Data parts
//! go through a [`TreadmillDataAssembler`], statuses and heart rate are decoded, and control
//! point indications are broadcast to whichever procedure is waiting. Undecodable bytes are
//! logged and skipped, never fatal: one bad notification must not end a session.

use crate::bluetooth::{classify, BluetoothError, DeviceInfo, DeviceKind};
use crate::codec::{self, names, uuid16, FitnessMachineFeature, TreadmillDataAssembler};
use crate::model::{Capabilities, ControlRequest, ControlResponse};
use crate::transport::{BoxFuture, HeartRateMonitor, Notification, TransportError, Treadmill};
use btleplug::api::bleuuid::{uuid_from_u16, BleUuid};
use btleplug::api::{
    Central, Characteristic, Manager as _, Peripheral as _, ScanFilter, ValueNotification,
    WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::{Stream, StreamExt};
use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, Mutex};

/// How long a control procedure may take, write plus response indication.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

type Notifications = Pin<Box<dyn Stream<Item = ValueNotification> + Send>>;

fn backend(e: btleplug::Error) -> BluetoothError {
    BluetoothError::Backend(e.to_string())
}

fn transport(e: btleplug::Error) -> TransportError {
    match e {
        btleplug::Error::NotConnected => TransportError::Disconnected,
        other => TransportError::Bluetooth(other.to_string()),
    }
}

async fn first_adapter() -> Result<Adapter, BluetoothError> {
    let manager = Manager::new().await.map_err(backend)?;
    manager
        .adapters()
        .await
        .map_err(backend)?
        .into_iter()
        .next()
        .ok_or(BluetoothError::NoAdapter)
}

async fn describe(p: &Peripheral) -> Option<DeviceInfo> {
    let props = p.properties().await.ok()??;
    let services: Vec<u16> = props
        .services
        .iter()
        .filter_map(|u| u.to_ble_u16())
        .collect();
    let ftms_data = props
        .service_data
        .get(&uuid_from_u16(uuid16::FITNESS_MACHINE_SERVICE))
        .map(Vec::as_slice);
    Some(DeviceInfo {
        name: props.local_name.or(props.advertisement_name),
        address: props.address.to_string(),
        kind: classify(&services, ftms_data).unwrap_or(DeviceKind::Unknown),
        rssi: props.rssi,
    })
}

/// Scans without a service filter: BlueZ merges filters across D-Bus clients, and treadmills
/// that do not advertise FTMS must still be visible to `scan_all`. Results are filtered here.
pub(crate) async fn scan(
    timeout: Duration,
    include_unknown: bool,
) -> Result<Vec<DeviceInfo>, BluetoothError> {
    let adapter = first_adapter().await?;
    adapter
        .start_scan(ScanFilter::default())
        .await
        .map_err(backend)?;
    tokio::time::sleep(timeout).await;
    let peripherals = adapter.peripherals().await.map_err(backend);
    let _ = adapter.stop_scan().await;
    let mut out = Vec::new();
    for p in peripherals? {
        if let Some(info) = describe(&p).await {
            let known = info.kind != DeviceKind::Unknown;
            if known || (include_unknown && info.name.is_some()) {
                out.push(info);
            }
        }
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.rssi.unwrap_or(i16::MIN)));
    Ok(out)
}

/// Scans until a device matching `wanted` shows up or `timeout` passes.
async fn find(wanted: &str, timeout: Duration) -> Result<(Peripheral, String), BluetoothError> {
    let adapter = first_adapter().await?;
    adapter
        .start_scan(ScanFilter::default())
        .await
        .map_err(backend)?;
    let deadline = tokio::time::Instant::now() + timeout;
    let found = 'search: loop {
        for p in adapter.peripherals().await.map_err(backend)? {
            if let Some(info) = describe(&p).await {
                if info.matches(wanted) {
                    break 'search Some((p, info.name.unwrap_or(info.address)));
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let _ = adapter.stop_scan().await;
    found.ok_or_else(|| BluetoothError::NotFound(wanted.to_string()))
}

async fn open(p: &Peripheral) -> Result<BTreeSet<Characteristic>, BluetoothError> {
    if !p.is_connected().await.map_err(backend)? {
        p.connect().await.map_err(backend)?;
    }
    p.discover_services().await.map_err(backend)?;
    Ok(p.characteristics())
}

fn find_char(chars: &BTreeSet<Characteristic>, uuid: u16) -> Option<Characteristic> {
    let want = uuid_from_u16(uuid);
    chars.iter().find(|c| c.uuid == want).cloned()
}

fn require_char(
    chars: &BTreeSet<Characteristic>,
    uuid: u16,
    characteristic: &'static str,
    device: &str,
) -> Result<Characteristic, BluetoothError> {
    find_char(chars, uuid).ok_or_else(|| BluetoothError::MissingCharacteristic {
        device: device.to_string(),
        characteristic,
        uuid,
    })
}

async fn read_decoded<T>(
    p: &Peripheral,
    c: &Characteristic,
    device: &str,
    decode: impl Fn(&[u8]) -> Result<T, codec::DecodeError>,
) -> Result<T, BluetoothError> {
    let bytes = p.read(c).await.map_err(backend)?;
    decode(&bytes).map_err(|source| BluetoothError::Decode {
        device: device.to_string(),
        source,
    })
}

/// Routes notifications until the stream ends or the link is found down, then reports
/// `Disconnected` and closes the channels (by dropping their senders).
async fn pump(
    mut stream: Notifications,
    peripheral: Peripheral,
    notes: mpsc::UnboundedSender<Notification>,
    responses: Option<broadcast::Sender<Option<ControlResponse>>>,
    connected: Arc<AtomicBool>,
) {
    let mut assembler = TreadmillDataAssembler::new();
    // BlueZ does not always end the stream on a link loss; poll the state as well.
    let mut check = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            n = stream.next() => match n {
                Some(n) => route(&n, &mut assembler, &notes, responses.as_ref()),
                None => break,
            },
            _ = check.tick() => {
                if !peripheral.is_connected().await.unwrap_or(false) {
                    break;
                }
            }
        }
    }
    connected.store(false, Ordering::SeqCst);
    // Wakes a procedure waiting for its indication: there will be none.
    if let Some(tx) = &responses {
        let _ = tx.send(None);
    }
    if let Some(d) = assembler.flush() {
        let _ = notes.send(Notification::Data(d));
    }
    let _ = notes.send(Notification::Disconnected);
}

fn route(
    n: &ValueNotification,
    assembler: &mut TreadmillDataAssembler,
    notes: &mpsc::UnboundedSender<Notification>,
    responses: Option<&broadcast::Sender<Option<ControlResponse>>>,
) {
    let bytes = n.value.as_slice();
    match n.uuid.to_ble_u16() {
        Some(uuid16::TREADMILL_DATA) => match assembler.push(bytes) {
            Ok(Some(d)) => {
                if let Some(w) = assembler.take_warning() {
                    tracing::debug!(%w, "treadmill data truncated; kept the fields before it");
                }
                let _ = notes.send(Notification::Data(d));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%e, ?bytes, "skipped a treadmill data notification"),
        },
        Some(uuid16::FITNESS_MACHINE_STATUS) => match codec::decode_machine_status(bytes) {
            Ok(s) => {
                let _ = notes.send(Notification::Status(s));
            }
            Err(e) => tracing::warn!(%e, ?bytes, "skipped a machine status notification"),
        },
        Some(uuid16::FITNESS_MACHINE_CONTROL_POINT) => match codec::decode_response(bytes) {
            Ok(r) => {
                if let Some(tx) = responses {
                    let _ = tx.send(Some(r));
                }
            }
            Err(e) => tracing::warn!(%e, ?bytes, "skipped a control point indication"),
        },
        Some(uuid16::HEART_RATE_MEASUREMENT) => match codec::decode_heart_rate(bytes) {
            Ok(hr) => {
                let _ = notes.send(Notification::HeartRate(hr));
            }
            Err(e) => tracing::warn!(%e, ?bytes, "skipped a heart rate notification"),
        },
        _ => {}
    }
}

fn disconnect_in_background(p: &Peripheral) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        let p = p.clone();
        handle.spawn(async move {
            let _ = p.disconnect().await;
        });
    }
}

/// A treadmill connected over Bluetooth FTMS.
pub struct BleTreadmill {
    name: String,
    peripheral: Peripheral,
    control_point: Characteristic,
    capabilities: Capabilities,
    feature: Option<FitnessMachineFeature>,
    /// Response indications; `None` once the link is gone.
    responses: broadcast::Sender<Option<ControlResponse>>,
    /// Serialises ordinary procedures (FTMS allows one at a time).
    procedure: Mutex<()>,
    notifications: Mutex<mpsc::UnboundedReceiver<Notification>>,
    connected: Arc<AtomicBool>,
    pump: tokio::task::JoinHandle<()>,
    response_timeout: Duration,
}

impl BleTreadmill {
    /// See [`crate::bluetooth::connect_treadmill`].
    pub async fn connect(wanted: &str, scan_timeout: Duration) -> Result<Self, BluetoothError> {
        let (p, name) = find(wanted, scan_timeout).await?;
        let chars = open(&p).await?;
        let cp = require_char(
            &chars,
            uuid16::FITNESS_MACHINE_CONTROL_POINT,
            names::CONTROL_POINT,
            &name,
        )?;
        let data = require_char(&chars, uuid16::TREADMILL_DATA, names::TREADMILL_DATA, &name)?;
        // Without the speed range there is nothing to clamp commands against: refuse.
        let speed_char = require_char(
            &chars,
            uuid16::SUPPORTED_SPEED_RANGE,
            names::SPEED_RANGE,
            &name,
        )?;
        let speed = read_decoded(&p, &speed_char, &name, codec::decode_speed_range).await?;
        let incline = match find_char(&chars, uuid16::SUPPORTED_INCLINATION_RANGE) {
            Some(c) => Some(read_decoded(&p, &c, &name, codec::decode_inclination_range).await?),
            None => None,
        };
        let feature = match find_char(&chars, uuid16::FITNESS_MACHINE_FEATURE) {
            Some(c) => read_decoded(&p, &c, &name, FitnessMachineFeature::decode)
                .await
                .map_err(|e| tracing::warn!(%e, "feature characteristic unreadable"))
                .ok(),
            None => None,
        };
        let capabilities = Capabilities {
            speed,
            incline,
            speed_target_supported: feature.is_none_or(|f| f.speed_target_supported()),
            incline_target_supported: incline.is_some()
                && feature.is_none_or(|f| f.inclination_target_supported()),
        };

        // Indications on the control point must be on before the first write (else the
        // machine may answer ATT error 0xFD).
        p.subscribe(&cp).await.map_err(backend)?;
        p.subscribe(&data).await.map_err(backend)?;
        if let Some(status) = find_char(&chars, uuid16::FITNESS_MACHINE_STATUS) {
            p.subscribe(&status).await.map_err(backend)?;
        }
        let stream = p.notifications().await.map_err(backend)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (responses, _) = broadcast::channel(16);
        let connected = Arc::new(AtomicBool::new(true));
        let pump = tokio::spawn(pump(
            stream,
            p.clone(),
            tx,
            Some(responses.clone()),
            connected.clone(),
        ));
        Ok(BleTreadmill {
            name,
            peripheral: p,
            control_point: cp,
            capabilities,
            feature,
            responses,
            procedure: Mutex::new(()),
            notifications: Mutex::new(rx),
            connected,
            pump,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
        })
    }

    pub fn with_response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// The Fitness Machine Feature characteristic, when the machine has one.
    pub fn feature(&self) -> Option<FitnessMachineFeature> {
        self.feature
    }

    async fn procedure(&self, request: ControlRequest) -> Result<ControlResponse, TransportError> {
        let bytes = codec::encode_request(&request)
            .map_err(|e| TransportError::InvalidRequest(e.to_string()))?;
        // Stop and pause never queue behind a procedure whose answer is overdue.
        let _turn = if request.halts_belt() {
            None
        } else {
            Some(self.procedure.lock().await)
        };
        // Subscribe before looking at the link: the pump marks it down before it sends the
        // final `None`, so a waiter can never miss both.
        let mut answers = self.responses.subscribe();
        if !self.connected.load(Ordering::SeqCst) {
            return Err(TransportError::Disconnected);
        }
        let exchange = async {
            self.peripheral
                .write(&self.control_point, &bytes, WriteType::WithResponse)
                .await
                .map_err(transport)?;
            loop {
                match answers.recv().await {
                    Ok(Some(r)) if r.request_opcode == request.opcode() => return Ok(r),
                    Ok(Some(_)) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Ok(None) | Err(broadcast::error::RecvError::Closed) => {
                        return Err(TransportError::Disconnected)
                    }
                }
            }
        };
        tokio::time::timeout(self.response_timeout, exchange)
            .await
            .map_err(|_| {
                TransportError::Timeout(
                    u64::try_from(self.response_timeout.as_millis()).unwrap_or(u64::MAX),
                )
            })?
    }
}

impl Treadmill for BleTreadmill {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>> {
        Box::pin(self.procedure(request))
    }

    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move { self.notifications.lock().await.recv().await })
    }
}

impl Drop for BleTreadmill {
    fn drop(&mut self) {
        self.pump.abort();
        disconnect_in_background(&self.peripheral);
    }
}

/// A heart-rate strap connected over the Heart Rate Service.
pub struct BleHeartRateStrap {
    name: String,
    peripheral: Peripheral,
    notifications: Mutex<mpsc::UnboundedReceiver<Notification>>,
    pump: tokio::task::JoinHandle<()>,
}

impl BleHeartRateStrap {
    /// See [`crate::bluetooth::connect_heart_rate`].
    pub async fn connect(wanted: &str, scan_timeout: Duration) -> Result<Self, BluetoothError> {
        let (p, name) = find(wanted, scan_timeout).await?;
        let chars = open(&p).await?;
        let hr = require_char(
            &chars,
            uuid16::HEART_RATE_MEASUREMENT,
            names::HEART_RATE,
            &name,
        )?;
        p.subscribe(&hr).await.map_err(backend)?;
        let stream = p.notifications().await.map_err(backend)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let connected = Arc::new(AtomicBool::new(true));
        let pump = tokio::spawn(pump(stream, p.clone(), tx, None, connected));
        Ok(BleHeartRateStrap {
            name,
            peripheral: p,
            notifications: Mutex::new(rx),
            pump,
        })
    }
}

impl HeartRateMonitor for BleHeartRateStrap {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move { self.notifications.lock().await.recv().await })
    }
}

impl Drop for BleHeartRateStrap {
    fn drop(&mut self) {
        self.pump.abort();
        disconnect_in_background(&self.peripheral);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MachineStatus, ResultCode};

    fn note(uuid: u16, value: &[u8]) -> ValueNotification {
        ValueNotification {
            uuid: uuid_from_u16(uuid),
            service_uuid: uuid_from_u16(uuid16::FITNESS_MACHINE_SERVICE),
            value: value.to_vec(),
        }
    }

    #[test]
    fn routing_decodes_assembles_and_skips_garbage() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (responses, mut answers) = broadcast::channel(4);
        let mut a = TreadmillDataAssembler::new();
        let mut feed = |n: ValueNotification| route(&n, &mut a, &tx, Some(&responses));

        // A record split in two parts: nothing until the part with the speed.
        feed(note(
            uuid16::TREADMILL_DATA,
            &[0x05, 0x00, 0x10, 0x27, 0x00],
        ));
        assert!(rx.try_recv().is_err());
        feed(note(uuid16::TREADMILL_DATA, &[0x00, 0x00, 0xF4, 0x01]));
        let Ok(Notification::Data(d)) = rx.try_recv() else {
            panic!("no data")
        };
        assert_eq!((d.speed_kmh, d.total_distance_m), (Some(5.0), Some(10000)));

        feed(note(uuid16::FITNESS_MACHINE_STATUS, &[0x02, 0x01]));
        assert_eq!(
            rx.try_recv().ok(),
            Some(Notification::Status(MachineStatus::StoppedByUser))
        );

        feed(note(
            uuid16::FITNESS_MACHINE_CONTROL_POINT,
            &[0x80, 0x08, 0x01],
        ));
        assert_eq!(
            answers.try_recv().ok().flatten(),
            Some(ControlResponse {
                request_opcode: 0x08,
                result: ResultCode::Success
            })
        );

        // Garbage on every characteristic is skipped, nothing is emitted.
        feed(note(uuid16::TREADMILL_DATA, &[0x01]));
        feed(note(uuid16::FITNESS_MACHINE_STATUS, &[]));
        feed(note(uuid16::FITNESS_MACHINE_CONTROL_POINT, &[0x05]));
        feed(note(uuid16::HEART_RATE_MEASUREMENT, &[0x01, 0x48]));
        feed(note(0x2A19, &[0x64]));
        assert!(rx.try_recv().is_err());
        assert!(answers.try_recv().is_err());

        feed(note(uuid16::HEART_RATE_MEASUREMENT, &[0x06, 0x48]));
        let Ok(Notification::HeartRate(hr)) = rx.try_recv() else {
            panic!("no heart rate")
        };
        assert_eq!((hr.bpm, hr.contact), (72, Some(true)));
    }
}
