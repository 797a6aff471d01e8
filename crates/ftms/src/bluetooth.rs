//! Finding and connecting to Bluetooth treadmills and heart-rate straps. This module is
//! always compiled so callers build the same way with or without Bluetooth; the btleplug
//! backend behind it exists only with the `bluetooth` cargo feature, and without it every
//! function returns [`BluetoothError::NotCompiledIn`].

use crate::codec::{uuid16, DecodeError};
use crate::transport::{HeartRateMonitor, Treadmill};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// What a scanned device looks like from its advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    /// Advertises the Fitness Machine Service with the treadmill type bit.
    Treadmill,
    /// Advertises the Fitness Machine Service without saying it is a treadmill (many cheap
    /// treadmills advertise no type at all, so it may well be one).
    FitnessMachine,
    /// Advertises the Heart Rate Service.
    HeartRateStrap,
    /// Neither; listed only by [`scan_all`]. Some treadmills advertise no service and are
    /// recognised only after connecting.
    Unknown,
}

impl DeviceKind {
    pub fn label(&self) -> &'static str {
        match self {
            DeviceKind::Treadmill => "treadmill",
            DeviceKind::FitnessMachine => "fitness machine",
            DeviceKind::HeartRateStrap => "heart-rate strap",
            DeviceKind::Unknown => "unknown",
        }
    }
}

/// One device seen in a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub name: Option<String>,
    /// The Bluetooth address (or the platform's identifier where addresses are hidden);
    /// pass it to [`connect_treadmill`] / [`connect_heart_rate`].
    pub address: String,
    pub kind: DeviceKind,
    pub rssi: Option<i16>,
}

impl DeviceInfo {
    /// Whether `wanted` names this device: its address or advertised name, ignoring case.
    pub fn matches(&self, wanted: &str) -> bool {
        let wanted = wanted.trim();
        self.address.eq_ignore_ascii_case(wanted)
            || self
                .name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
    }
}

/// The Fitness Machine Service data in an advertisement: `u8 flags`, `u16 machine types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FtmsAdvertisement {
    /// Flag bit 0: the machine is available (not in use by another client).
    pub available: bool,
    pub machine_types: u16,
}

impl FtmsAdvertisement {
    pub const TREADMILL: u16 = 1 << 0;

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        const C: &str = "Fitness Machine advertisement";
        match bytes {
            [flags, lo, hi, ..] => Ok(FtmsAdvertisement {
                available: flags & 0x01 != 0,
                machine_types: u16::from_le_bytes([*lo, *hi]),
            }),
            [] => Err(DecodeError::Empty { characteristic: C }),
            short => Err(DecodeError::TooShort {
                characteristic: C,
                field: "flags and machine type",
                needed: 3,
                remaining: short.len(),
            }),
        }
    }

    pub fn is_treadmill(&self) -> bool {
        self.machine_types & Self::TREADMILL != 0
    }
}

/// Classifies an advertisement from its 16-bit service UUIDs and the FTMS service data, if
/// any. `None`: neither a fitness machine nor a heart-rate strap.
pub fn classify(services: &[u16], ftms_service_data: Option<&[u8]>) -> Option<DeviceKind> {
    let ftms = services.contains(&uuid16::FITNESS_MACHINE_SERVICE) || ftms_service_data.is_some();
    if ftms {
        let advert = ftms_service_data.and_then(|d| FtmsAdvertisement::decode(d).ok());
        return Some(match advert {
            Some(a) if a.is_treadmill() => DeviceKind::Treadmill,
            _ => DeviceKind::FitnessMachine,
        });
    }
    services
        .contains(&uuid16::HEART_RATE_SERVICE)
        .then_some(DeviceKind::HeartRateStrap)
}

#[derive(Debug, thiserror::Error)]
pub enum BluetoothError {
    #[error(
        "this build of retrowalk has no Bluetooth support; rebuild with `--features bluetooth`"
    )]
    NotCompiledIn,
    #[error("no Bluetooth adapter found (is bluetoothd running and are you allowed to use it?)")]
    NoAdapter,
    #[error("no device named or addressed {0:?} was seen within the scan time")]
    NotFound(String),
    #[error("{device} has no {characteristic} characteristic ({uuid:#06x})")]
    MissingCharacteristic {
        device: String,
        characteristic: &'static str,
        uuid: u16,
    },
    #[error("{device}: {source}")]
    Decode {
        device: String,
        #[source]
        source: DecodeError,
    },
    #[error("bluetooth: {0}")]
    Backend(String),
}

/// Lists devices advertising the Fitness Machine or Heart Rate Service seen within
/// `timeout`, strongest signal first.
pub async fn scan(timeout: Duration) -> Result<Vec<DeviceInfo>, BluetoothError> {
    #[cfg(feature = "bluetooth")]
    {
        crate::ble::scan(timeout, false).await
    }
    #[cfg(not(feature = "bluetooth"))]
    {
        let _ = timeout;
        Err(BluetoothError::NotCompiledIn)
    }
}

/// Like [`scan`], plus every other device that advertises a name (for treadmills that do
/// not advertise their service).
pub async fn scan_all(timeout: Duration) -> Result<Vec<DeviceInfo>, BluetoothError> {
    #[cfg(feature = "bluetooth")]
    {
        crate::ble::scan(timeout, true).await
    }
    #[cfg(not(feature = "bluetooth"))]
    {
        let _ = timeout;
        Err(BluetoothError::NotCompiledIn)
    }
}

/// Finds the device whose address or advertised name equals `wanted` (case-insensitive),
/// connects, reads its ranges and subscribes to its data, status and control point.
/// Control must still be requested (`ControlRequest::RequestControl`) before commands.
pub async fn connect_treadmill(
    wanted: &str,
    scan_timeout: Duration,
) -> Result<Arc<dyn Treadmill>, BluetoothError> {
    #[cfg(feature = "bluetooth")]
    {
        let t = crate::ble::BleTreadmill::connect(wanted, scan_timeout).await?;
        Ok(Arc::new(t))
    }
    #[cfg(not(feature = "bluetooth"))]
    {
        let _ = (wanted, scan_timeout);
        Err(BluetoothError::NotCompiledIn)
    }
}

/// Finds and connects to a heart-rate strap by address or name.
pub async fn connect_heart_rate(
    wanted: &str,
    scan_timeout: Duration,
) -> Result<Arc<dyn HeartRateMonitor>, BluetoothError> {
    #[cfg(feature = "bluetooth")]
    {
        let s = crate::ble::BleHeartRateStrap::connect(wanted, scan_timeout).await?;
        Ok(Arc::new(s))
    }
    #[cfg(not(feature = "bluetooth"))]
    {
        let _ = (wanted, scan_timeout);
        Err(BluetoothError::NotCompiledIn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        // FTMS service data: available, type bit 0 = treadmill.
        assert_eq!(
            classify(&[0x1826], Some(&[0x01, 0x01, 0x00])),
            Some(DeviceKind::Treadmill)
        );
        // Indoor bike (bit 5).
        assert_eq!(
            classify(&[0x1826], Some(&[0x01, 0x20, 0x00])),
            Some(DeviceKind::FitnessMachine)
        );
        assert_eq!(classify(&[0x1826], None), Some(DeviceKind::FitnessMachine));
        assert_eq!(
            classify(&[0x180D, 0x180F], None),
            Some(DeviceKind::HeartRateStrap)
        );
        assert_eq!(classify(&[0x180F], None), None);
        // Truncated service data does not hide that it is a fitness machine.
        assert_eq!(
            classify(&[], Some(&[0x01])),
            Some(DeviceKind::FitnessMachine)
        );
    }

    #[test]
    fn matching_by_address_or_name() {
        let d = DeviceInfo {
            name: Some("FS-6041F1".into()),
            address: "C0:11:22:33:44:55".into(),
            kind: DeviceKind::Treadmill,
            rssi: Some(-60),
        };
        assert!(d.matches("c0:11:22:33:44:55"));
        assert!(d.matches("fs-6041f1 "));
        assert!(!d.matches("FS-6041"));
        let nameless = DeviceInfo { name: None, ..d };
        assert!(!nameless.matches(""));
    }

    #[test]
    fn advertisement_decoding() {
        let a = FtmsAdvertisement::decode(&[0x01, 0x01, 0x00]).unwrap();
        assert!(a.available && a.is_treadmill());
        let a = FtmsAdvertisement::decode(&[0x00, 0x20, 0x00, 0xAA]).unwrap();
        assert!(!a.available && !a.is_treadmill());
        assert!(FtmsAdvertisement::decode(&[0x01, 0x01]).is_err());
        assert!(FtmsAdvertisement::decode(&[]).is_err());
    }

    #[cfg(not(feature = "bluetooth"))]
    #[tokio::test]
    async fn without_the_feature_everything_says_how_to_get_it() {
        let err = scan(Duration::from_secs(1)).await.unwrap_err();
        assert!(err.to_string().contains("--features bluetooth"), "{err}");
        assert!(matches!(
            connect_treadmill("x", Duration::from_secs(1)).await,
            Err(BluetoothError::NotCompiledIn)
        ));
        assert!(matches!(
            connect_heart_rate("x", Duration::from_secs(1)).await,
            Err(BluetoothError::NotCompiledIn)
        ));
        assert!(matches!(
            scan_all(Duration::ZERO).await,
            Err(BluetoothError::NotCompiledIn)
        ));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn advertisement_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(FtmsAdvertisement::decode(&bytes).is_ok(), bytes.len() >= 3);
            let _ = classify(&[0x1826], Some(&bytes));
        }
    }
}
