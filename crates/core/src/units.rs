//! Physical quantities and scores as types whose constructors refuse bad values, so the
//! rest of the engine can never hold an impossible speed, pain score or body mass.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused; the message says what was wrong and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} must be {accepted} (got {got})")]
pub struct InvalidValue {
    pub what: &'static str,
    pub accepted: &'static str,
    pub got: String,
}

fn invalid(what: &'static str, accepted: &'static str, got: impl fmt::Display) -> InvalidValue {
    InvalidValue {
        what,
        accepted,
        got: got.to_string(),
    }
}

pub const KMH_PER_MPH: f64 = 1.609_344;

/// The units a person reads speeds in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Units {
    #[default]
    Mph,
    Kmh,
}

impl Units {
    pub fn label(self) -> &'static str {
        match self {
            Units::Mph => "mph",
            Units::Kmh => "km/h",
        }
    }

    /// A speed in this unit system, as a plain number.
    pub fn speed_value(self, s: Speed) -> f64 {
        match self {
            Units::Mph => s.mph(),
            Units::Kmh => s.kmh(),
        }
    }

    /// Builds a speed from a number in this unit system.
    pub fn speed(self, value: f64) -> Result<Speed, InvalidValue> {
        match self {
            Units::Mph => Speed::from_mph(value),
            Units::Kmh => Speed::from_kmh(value),
        }
    }

    /// "1.5 mph" / "2.4 km/h".
    pub fn fmt_speed(self, s: Speed) -> String {
        format!("{:.1} {}", self.speed_value(s), self.label())
    }

    /// The speed step of one progression (PRG-01): 0.5 mph, or 0.8 km/h for km/h users so
    /// the numbers they see stay round.
    pub fn speed_step(self) -> Speed {
        match self {
            Units::Mph => Speed::from_mph_const(0.5),
            Units::Kmh => Speed::from_kmh_const(0.8),
        }
    }

    /// Distance for display: miles or kilometres.
    pub fn fmt_distance(self, metres: f64) -> String {
        match self {
            Units::Mph => format!("{:.2} mi", metres / 1609.344),
            Units::Kmh => format!("{:.2} km", metres / 1000.0),
        }
    }
}

impl std::str::FromStr for Units {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mph" | "imperial" => Ok(Units::Mph),
            "kmh" | "km/h" | "kph" | "metric" => Ok(Units::Kmh),
            other => Err(invalid("units", "mph or kmh", other)),
        }
    }
}

/// Belt speed. Stored in km/h because that is what treadmills speak (FTMS uses 0.01 km/h).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Speed(f64);

impl Speed {
    /// Above this no one walks on a treadmill; it catches unit mix-ups (m/min typed as km/h).
    pub const MAX_KMH: f64 = 30.0;
    pub const ZERO: Speed = Speed(0.0);

    pub fn from_kmh(kmh: f64) -> Result<Speed, InvalidValue> {
        if kmh.is_finite() && (0.0..=Self::MAX_KMH).contains(&kmh) {
            Ok(Speed(kmh))
        } else {
            Err(invalid(
                "speed",
                "between 0 and 30 km/h (0 and 18.6 mph)",
                kmh,
            ))
        }
    }

    pub fn from_mph(mph: f64) -> Result<Speed, InvalidValue> {
        if !mph.is_finite() {
            return Err(invalid("speed", "a number of mph", mph));
        }
        Self::from_kmh(mph * KMH_PER_MPH)
            .map_err(|_| invalid("speed", "between 0 and 18.6 mph", mph))
    }

    pub fn from_mps(mps: f64) -> Result<Speed, InvalidValue> {
        Self::from_kmh(mps * 3.6)
    }

    /// For constants written in this crate; values are known to be in range.
    pub(crate) const fn from_mph_const(mph: f64) -> Speed {
        Speed(mph * KMH_PER_MPH)
    }

    pub(crate) const fn from_kmh_const(kmh: f64) -> Speed {
        Speed(kmh)
    }

    pub fn kmh(self) -> f64 {
        self.0
    }
    pub fn mph(self) -> f64 {
        self.0 / KMH_PER_MPH
    }
    pub fn mps(self) -> f64 {
        self.0 / 3.6
    }
    pub fn m_per_min(self) -> f64 {
        self.0 * 1000.0 / 60.0
    }

    pub fn min(self, other: Speed) -> Speed {
        if other.0 < self.0 {
            other
        } else {
            self
        }
    }
    pub fn max(self, other: Speed) -> Speed {
        if other.0 > self.0 {
            other
        } else {
            self
        }
    }
    pub fn saturating_add(self, other: Speed) -> Speed {
        Speed((self.0 + other.0).min(Self::MAX_KMH))
    }
    pub fn saturating_sub(self, other: Speed) -> Speed {
        Speed((self.0 - other.0).max(0.0))
    }
    /// Removes float dust left by unit conversions and sums, so equal speeds compare
    /// equal, while keeping mph values exact enough to show as typed.
    pub fn rounded(self) -> Speed {
        Speed((self.0 * 1e6).round() / 1e6)
    }
}

impl TryFrom<f64> for Speed {
    type Error = InvalidValue;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Speed::from_kmh(v)
    }
}
impl From<Speed> for f64 {
    fn from(s: Speed) -> f64 {
        s.0
    }
}

/// Treadmill grade in percent. Negative grades exist on some machines but are never
/// prescribed here.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Incline(f64);

impl Incline {
    pub const FLAT: Incline = Incline(0.0);

    pub fn from_percent(p: f64) -> Result<Incline, InvalidValue> {
        if p.is_finite() && (-10.0..=40.0).contains(&p) {
            Ok(Incline(p))
        } else {
            Err(invalid("incline", "between -10 and 40 %", p))
        }
    }
    pub(crate) const fn from_percent_const(p: f64) -> Incline {
        Incline(p)
    }
    pub fn percent(self) -> f64 {
        self.0
    }
    pub fn grade(self) -> f64 {
        self.0 / 100.0
    }
    pub fn min(self, other: Incline) -> Incline {
        if other.0 < self.0 {
            other
        } else {
            self
        }
    }
    pub fn max(self, other: Incline) -> Incline {
        if other.0 > self.0 {
            other
        } else {
            self
        }
    }
}

impl TryFrom<f64> for Incline {
    type Error = InvalidValue;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Incline::from_percent(v)
    }
}
impl From<Incline> for f64 {
    fn from(i: Incline) -> f64 {
        i.0
    }
}

macro_rules! score_0_10 {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[serde(try_from = "u8", into = "u8")]
        pub struct $name(u8);

        impl $name {
            pub fn new(v: u8) -> Result<Self, InvalidValue> {
                if v <= 10 {
                    Ok(Self(v))
                } else {
                    Err(invalid($what, "a whole number from 0 to 10", v))
                }
            }
            pub fn value(self) -> u8 {
                self.0
            }
        }
        impl TryFrom<u8> for $name {
            type Error = InvalidValue;
            fn try_from(v: u8) -> Result<Self, Self::Error> {
                Self::new(v)
            }
        }
        impl From<$name> for u8 {
            fn from(p: $name) -> u8 {
                p.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}/10", self.0)
            }
        }
    };
}

score_0_10!(
    /// Knee pain on the 0–10 numeric rating scale.
    Pain,
    "knee pain"
);
score_0_10!(
    /// Perceived effort on the Borg CR10 scale (0 nothing at all … 10 maximal).
    Effort,
    "effort (Borg CR10)"
);

/// Body mass in kilograms.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct BodyMass(f64);

impl BodyMass {
    pub fn from_kg(kg: f64) -> Result<BodyMass, InvalidValue> {
        if kg.is_finite() && (20.0..=350.0).contains(&kg) {
            Ok(BodyMass(kg))
        } else {
            Err(invalid(
                "body mass",
                "between 20 and 350 kg (44 and 770 lb)",
                kg,
            ))
        }
    }
    pub fn from_lb(lb: f64) -> Result<BodyMass, InvalidValue> {
        Self::from_kg(lb * 0.453_592_37)
            .map_err(|_| invalid("body mass", "between 44 and 770 lb", lb))
    }
    pub fn kg(self) -> f64 {
        self.0
    }
}
impl TryFrom<f64> for BodyMass {
    type Error = InvalidValue;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        BodyMass::from_kg(v)
    }
}
impl From<BodyMass> for f64 {
    fn from(m: BodyMass) -> f64 {
        m.0
    }
}

/// Age in whole years. Children are outside what the evidence here covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Age(u8);

impl Age {
    pub fn new(years: u8) -> Result<Age, InvalidValue> {
        if (16..=110).contains(&years) {
            Ok(Age(years))
        } else {
            Err(invalid("age", "between 16 and 110 years", years))
        }
    }
    pub fn years(self) -> u8 {
        self.0
    }
}
impl TryFrom<u8> for Age {
    type Error = InvalidValue;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Age::new(v)
    }
}
impl From<Age> for u8 {
    fn from(a: Age) -> u8 {
        a.0
    }
}

/// How much a person holds the rails.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum RailUse {
    /// No hands on the rails.
    None,
    /// Fingertips resting on the rails for reassurance.
    #[default]
    Light,
    /// Holding on firmly, or continuous contact throughout.
    Full,
}

impl RailUse {
    /// One level less reliance; `None` stays `None`.
    pub fn step_down(self) -> RailUse {
        match self {
            RailUse::Full => RailUse::Light,
            _ => RailUse::None,
        }
    }
    /// One level more support; `Full` stays `Full`.
    pub fn step_up(self) -> RailUse {
        match self {
            RailUse::None => RailUse::Light,
            _ => RailUse::Full,
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            RailUse::None => "hands free",
            RailUse::Light => "light grip on the rails",
            RailUse::Full => "firm grip on the rails",
        }
    }
}

impl std::str::FromStr for RailUse {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "free" | "no" => Ok(RailUse::None),
            "light" => Ok(RailUse::Light),
            "full" | "firm" => Ok(RailUse::Full),
            other => Err(invalid("rail use", "none, light or full", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mph_kmh_round_trip() {
        let s = Speed::from_mph(1.0).unwrap();
        assert!((s.kmh() - 1.609_344).abs() < 1e-9);
        assert!((s.mph() - 1.0).abs() < 1e-12);
        assert!((Units::Kmh.speed_value(s) - 1.609_344).abs() < 1e-9);
    }

    #[test]
    fn constructors_refuse_nonsense() {
        assert!(Speed::from_kmh(-0.1).is_err());
        assert!(Speed::from_kmh(f64::NAN).is_err());
        assert!(Speed::from_mph(40.0).is_err());
        assert!(Pain::new(11).is_err());
        assert!(Effort::new(10).is_ok());
        assert!(BodyMass::from_kg(5.0).is_err());
        assert!(Age::new(12).is_err());
        assert!(Incline::from_percent(55.0).is_err());
        let e = Pain::new(12).unwrap_err();
        assert_eq!(
            e.to_string(),
            "knee pain must be a whole number from 0 to 10 (got 12)"
        );
    }

    #[test]
    fn serde_refuses_out_of_range() {
        assert!(serde_json::from_str::<Pain>("11").is_err());
        assert_eq!(serde_json::from_str::<Pain>("4").unwrap().value(), 4);
        assert!(serde_json::from_str::<Speed>("-1").is_err());
    }

    #[test]
    fn rail_use_steps_down_to_none() {
        assert_eq!(RailUse::Full.step_down(), RailUse::Light);
        assert_eq!(RailUse::Light.step_down(), RailUse::None);
        assert_eq!(RailUse::None.step_down(), RailUse::None);
    }
}
