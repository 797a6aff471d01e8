//! The starting dose, the targets a person works toward, and the days they train.

use crate::rules::Rule;
use crate::screening::{Goal, Profile, Screening, Tier};
use crate::units::{Incline, InvalidValue, Pain, RailUse, Speed, Units};
use serde::{Deserialize, Serialize};
use time::{Date, Weekday};

/// The dose of one session's backward walking: what progression moves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Load {
    /// Total backward walking time in seconds.
    pub backward_s: u32,
    pub speed: Speed,
    pub incline: Incline,
    pub rails: RailUse,
}

impl Load {
    /// The gentler of two loads in every dimension: less time, slower, flatter, more rail.
    pub fn gentler(self, other: Load) -> Load {
        Load {
            backward_s: self.backward_s.min(other.backward_s),
            speed: self.speed.min(other.speed),
            incline: self.incline.min(other.incline),
            rails: self.rails.max(other.rails),
        }
    }
}

/// Where progression stops for this person.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub target_backward_s: u32,
    pub target_speed: Speed,
    pub max_incline: Incline,
    /// The least rail reliance allowed; supervised people keep continuous contact.
    pub rail_floor: RailUse,
    /// The slowest backward speed ever prescribed.
    pub min_speed: Speed,
    pub speed_step: Speed,
    /// The person's usual knee pain (the profile's): the baseline the pain-monitoring model
    /// judges a session's pain against (ADA-07). 0 in limits stored before it existed, which
    /// keeps the old, stricter reading (only 0–2/10 lets the programme move on).
    #[serde(default)]
    pub usual_pain: Pain,
}

/// Limits a clinician set; they override the engine (ADA-11).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct ClinicianCaps {
    pub max_speed: Option<Speed>,
    pub max_incline: Option<Incline>,
    pub max_backward_s: Option<u32>,
}

/// The slowest speed cap a clinician may set: the lowest belt speed (0.5 mph), as a km/h
/// screen rounds it, so that "0.8 km/h" is accepted (ADA-11).
pub const MIN_SPEED_CAP: Speed = Speed::from_kmh_const(0.8);

impl ClinicianCaps {
    pub fn is_empty(&self) -> bool {
        self.max_speed.is_none() && self.max_incline.is_none() && self.max_backward_s.is_none()
    }

    /// ADA-11: caps the engine could only ignore are refused, naming the engine's limit,
    /// instead of being clamped without a word: a speed cap between the lowest belt speed
    /// and the backward walk-to-jog ceiling (SAF-03), an incline cap no higher than the
    /// programme's maximum (PRE-09), and 1 to 120 minutes of backward walking.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if let Some(s) = self.max_speed {
            if s.kmh() < MIN_SPEED_CAP.kmh() - 1e-9 || s > BACKWARD_SPEED_CEILING {
                return Err(InvalidValue {
                    what: "max speed",
                    accepted: "from the lowest belt speed, 0.8 km/h (0.5 mph), up to the engine's backward-walking ceiling, 5.76 km/h (3.6 mph, SAF-03)",
                    got: format!("{:.2} km/h", s.kmh()),
                });
            }
        }
        if let Some(i) = self.max_incline {
            if i > MAX_INCLINE {
                return Err(InvalidValue {
                    what: "max incline",
                    accepted: "0% up to the engine's maximum incline, 3% (PRE-09)",
                    got: format!("{}%", i.percent()),
                });
            }
        }
        if let Some(m) = self.max_backward_s {
            if !(60..=7200).contains(&m) {
                return Err(InvalidValue {
                    what: "max backward time",
                    accepted: "between 1 and 120 minutes",
                    got: format!("{m} s"),
                });
            }
        }
        Ok(())
    }
}

/// The fastest any segment of a session may go, forward warm-up and cool-down included:
/// the tier's target speed (never below the lowest belt speed), the backward ceiling and
/// the clinician's speed cap (ADA-11). The session plan shows and speaks it, and the
/// controller commands no more than it.
pub fn session_speed_ceiling(limits: &Limits, caps: &ClinicianCaps) -> Speed {
    let s = limits
        .target_speed
        .max(limits.min_speed)
        .min(BACKWARD_SPEED_CEILING);
    match caps.max_speed {
        Some(c) => s.min(c),
        None => s,
    }
}

/// SAF-03: above ~1.6 m/s people break into a backward jog.
pub const BACKWARD_SPEED_CEILING: Speed = Speed::from_kmh_const(1.6 * 3.6);
/// PRE-09
pub const MAX_INCLINE: Incline = Incline::from_percent_const(3.0);
/// The slowest a treadmill belt usually goes, and the speed for turning around.
pub const LOWEST_SPEED: Speed = Speed::from_mph_const(0.5);

fn mph(v: f64) -> Speed {
    Speed::from_mph_const(v)
}

/// PRE-01 / PRE-02: start speed.
pub fn start_speed(tier: Tier, profile: &Profile) -> (Speed, Rule) {
    let (default, ceiling) = match tier {
        Tier::Standard => (mph(1.0), mph(2.0)),
        Tier::Caution => (mph(0.8), mph(1.2)),
        Tier::Supervised | Tier::ClearanceRequired => (mph(0.5), mph(1.0)),
    };
    match profile.measured_backward_mps() {
        Some(mps) => {
            let measured = Speed::from_kmh_const(0.6 * mps * 3.6);
            (
                measured.max(LOWEST_SPEED).min(ceiling),
                Rule::Pre02MeasuredStartSpeed,
            )
        }
        None => (default, Rule::Pre01StartSpeed),
    }
}

/// Rounds a speed to what the person's units show, so "0.8 mph" is really 0.8 mph.
fn in_units(units: Units, s: Speed) -> Speed {
    let v = (units.speed_value(s) * 10.0).round() / 10.0;
    units.speed(v).unwrap_or(s).rounded()
}

pub fn start_load(screening: &Screening, profile: &Profile) -> Load {
    let tier = screening.tier;
    let (speed, _) = start_speed(tier, profile);
    // PRE-03
    let backward_s = match tier {
        Tier::Standard => 5 * 60,
        Tier::Caution => 4 * 60,
        _ => 3 * 60,
    };
    Load {
        backward_s,
        speed: in_units(profile.units, speed),
        incline: Incline::FLAT,
        // PRE-10
        rails: if tier >= Tier::Supervised {
            RailUse::Full
        } else {
            RailUse::Light
        },
    }
}

pub fn limits(screening: &Screening, profile: &Profile) -> Limits {
    let tier = screening.tier;
    // PRE-07
    let target_min = match profile.goal {
        Goal::KneeRehab | Goal::Variety => 10,
        Goal::Balance => 15,
        Goal::Strength | Goal::Fitness => {
            if tier == Tier::Standard {
                20
            } else {
                15
            }
        }
    };
    let target_min = if tier >= Tier::Supervised {
        target_min.min(15)
    } else {
        target_min
    };
    // PRE-08, SAF-03
    let target_speed = match tier {
        Tier::Standard => mph(3.0),
        Tier::Caution => mph(2.0),
        _ => mph(1.5),
    }
    .min(BACKWARD_SPEED_CEILING);
    Limits {
        target_backward_s: target_min * 60,
        target_speed: in_units(profile.units, target_speed),
        // Supervised people stay flat unless their clinician raises the cap (PRE-09).
        max_incline: if tier >= Tier::Supervised {
            Incline::FLAT
        } else {
            MAX_INCLINE
        },
        rail_floor: if tier >= Tier::Supervised {
            RailUse::Light
        } else {
            RailUse::None
        },
        min_speed: in_units(profile.units, LOWEST_SPEED),
        speed_step: profile.units.speed_step(),
        usual_pain: profile.knee_pain,
    }
}

/// Applies the clinician's caps and the absolute ceilings to a load.
pub fn capped(load: Load, limits: &Limits, caps: &ClinicianCaps) -> Load {
    let mut l = load;
    l.speed = l.speed.min(session_speed_ceiling(limits, caps));
    let mut max_incline = limits.max_incline;
    if let Some(i) = caps.max_incline {
        max_incline = i.min(MAX_INCLINE);
    }
    l.incline = l.incline.min(max_incline).max(Incline::FLAT);
    let mut max_s = limits.target_backward_s;
    if let Some(m) = caps.max_backward_s {
        max_s = m;
    }
    l.backward_s = l.backward_s.min(max_s);
    if l.rails < limits.rail_floor {
        l.rails = limits.rail_floor;
    }
    l
}

/// The days someone trains on: 2 or 3 weekdays (PRE-06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    days: Vec<Weekday>,
}

impl Schedule {
    pub fn new(mut days: Vec<Weekday>) -> Result<Schedule, InvalidValue> {
        days.sort_by_key(|d| d.number_days_from_monday());
        days.dedup();
        if !(2..=3).contains(&days.len()) {
            return Err(InvalidValue {
                what: "training days",
                accepted: "2 or 3 different weekdays, e.g. mon,wed,fri",
                got: format!("{} day(s)", days.len()),
            });
        }
        Ok(Schedule { days })
    }

    pub fn parse(s: &str) -> Result<Schedule, InvalidValue> {
        let days = s
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(parse_weekday)
            .collect::<Result<Vec<_>, _>>()?;
        Schedule::new(days)
    }

    pub fn days(&self) -> &[Weekday] {
        &self.days
    }

    pub fn sessions_per_week(&self) -> u32 {
        self.days.len() as u32
    }

    pub fn is_training_day(&self, d: Date) -> bool {
        self.days.contains(&d.weekday())
    }

    /// The first training day on or after `from`.
    pub fn next_on_or_after(&self, from: Date) -> Date {
        let mut d = from;
        for _ in 0..7 {
            if self.is_training_day(d) {
                return d;
            }
            d = d.next_day().unwrap_or(d);
        }
        from
    }

    /// Training days in the Monday-based week of `d`, from `d` on (inclusive).
    pub fn remaining_in_week(&self, d: Date) -> u32 {
        let from = d.weekday().number_days_from_monday();
        self.days
            .iter()
            .filter(|w| w.number_days_from_monday() >= from)
            .count() as u32
    }

    /// Training days from `from` (inclusive) for `weeks` weeks.
    pub fn dates(&self, from: Date, weeks: u32) -> Vec<Date> {
        (0..weeks as i64 * 7)
            .map(|i| crate::dates::add_days(from, i))
            .take_while(|d| *d != time::Date::MAX)
            .filter(|d| self.is_training_day(*d))
            .collect()
    }
}

pub fn parse_weekday(s: &str) -> Result<Weekday, InvalidValue> {
    let t = s.trim().to_ascii_lowercase();
    let day = match t.get(..3).unwrap_or(&t) {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => {
            return Err(InvalidValue {
                what: "weekday",
                accepted: "mon, tue, wed, thu, fri, sat or sun",
                got: s.to_string(),
            })
        }
    };
    Ok(day)
}

/// Monday-based week number, for the weekly cap.
pub fn week_index(d: Date) -> i32 {
    (d.to_julian_day() - d.weekday().number_days_from_monday() as i32).div_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::screen;
    use crate::units::{Age, BodyMass};
    use time::macros::date;

    fn profile(age: u8, goal: Goal) -> Profile {
        Profile::new(
            "T",
            Age::new(age).unwrap(),
            BodyMass::from_kg(70.0).unwrap(),
            goal,
        )
    }

    #[test]
    fn start_values_follow_the_tier() {
        let p = profile(30, Goal::Fitness);
        let s = screen(&p);
        let l = start_load(&s, &p);
        assert!((l.speed.mph() - 1.0).abs() < 1e-9);
        assert_eq!(l.backward_s, 300);
        assert_eq!(l.rails, RailUse::Light);
        assert_eq!(limits(&s, &p).target_backward_s, 20 * 60);

        let p = profile(80, Goal::Balance);
        let s = screen(&p);
        let l = start_load(&s, &p);
        assert!((l.speed.mph() - 0.5).abs() < 1e-9);
        assert_eq!(l.backward_s, 180);
        assert_eq!(l.rails, RailUse::Full);
        let lim = limits(&s, &p);
        assert_eq!(lim.rail_floor, RailUse::Light);
        assert_eq!(lim.max_incline, Incline::FLAT);
        assert!((lim.target_speed.mph() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn measured_walk_test_sets_start_speed_within_tier_ceiling() {
        // 3 m in 2 s = 1.5 m/s; 60% = 0.9 m/s = 2.01 mph, above the standard ceiling of 2.0.
        let mut p = profile(30, Goal::Fitness);
        p.backward_walk_test_s = Some(2.0);
        let (s, rule) = start_speed(Tier::Standard, &p);
        assert_eq!(rule, Rule::Pre02MeasuredStartSpeed);
        assert!((s.mph() - 2.0).abs() < 1e-9);
        // 3 m in 5 s = 0.6 m/s; 60% = 0.36 m/s = 0.81 mph.
        p.backward_walk_test_s = Some(5.0);
        let (s, _) = start_speed(Tier::Caution, &p);
        assert!((s.mps() - 0.36).abs() < 1e-9);
    }

    #[test]
    fn km_h_users_get_round_numbers() {
        let mut p = profile(30, Goal::Fitness);
        p.units = Units::Kmh;
        let s = screen(&p);
        let l = start_load(&s, &p);
        assert!((l.speed.kmh() - 1.6).abs() < 1e-9);
        assert!((limits(&s, &p).speed_step.kmh() - 0.8).abs() < 1e-9);
    }

    /// Regression (issue 12): a 10% incline cap was accepted and silently clamped to 3%.
    #[test]
    fn caps_beyond_the_engines_limits_are_refused() {
        let ok = ClinicianCaps {
            max_speed: Some(MIN_SPEED_CAP),
            max_incline: Some(MAX_INCLINE),
            max_backward_s: Some(60),
        };
        assert!(ok.validate().is_ok());
        assert!(ClinicianCaps {
            max_speed: Some(BACKWARD_SPEED_CEILING),
            ..Default::default()
        }
        .validate()
        .is_ok());
        let steep = ClinicianCaps {
            max_incline: Some(Incline::from_percent(10.0).unwrap()),
            ..Default::default()
        };
        let e = steep.validate().unwrap_err();
        assert_eq!(e.what, "max incline");
        assert!(e.to_string().contains("3%"), "{e}");
        for kmh in [0.5, 6.0] {
            let e = ClinicianCaps {
                max_speed: Some(Speed::from_kmh(kmh).unwrap()),
                ..Default::default()
            }
            .validate()
            .unwrap_err();
            assert_eq!(e.what, "max speed");
        }
        for s in [30, 7201] {
            assert!(ClinicianCaps {
                max_backward_s: Some(s),
                ..Default::default()
            }
            .validate()
            .is_err());
        }
    }

    #[test]
    fn caps_always_win() {
        let p = profile(30, Goal::Fitness);
        let s = screen(&p);
        let lim = limits(&s, &p);
        let big = Load {
            backward_s: 9999,
            speed: Speed::from_mph(9.0).unwrap(),
            incline: Incline::from_percent(9.0).unwrap(),
            rails: RailUse::None,
        };
        let caps = ClinicianCaps {
            max_speed: Some(Speed::from_mph(1.2).unwrap()),
            max_incline: Some(Incline::from_percent(1.0).unwrap()),
            max_backward_s: Some(420),
        };
        let c = capped(big, &lim, &caps);
        assert!((c.speed.mph() - 1.2).abs() < 1e-9);
        assert_eq!(c.incline.percent(), 1.0);
        assert_eq!(c.backward_s, 420);
        // A clinician cannot lift speed above the backward-jog ceiling (SAF-03).
        let loose = ClinicianCaps {
            max_speed: Some(Speed::from_mph(8.0).unwrap()),
            ..Default::default()
        };
        let c = capped(big, &lim, &loose);
        assert!(c.speed <= BACKWARD_SPEED_CEILING);
    }

    #[test]
    fn schedule_needs_two_or_three_days() {
        assert!(Schedule::parse("mon").is_err());
        assert!(Schedule::parse("mon,tue,wed,thu").is_err());
        assert!(Schedule::parse("mon,xyz").is_err());
        let s = Schedule::parse("fri, mon wed").unwrap();
        assert_eq!(
            s.days(),
            &[Weekday::Monday, Weekday::Wednesday, Weekday::Friday]
        );
        // 2026-11-24 is a Tuesday.
        assert_eq!(
            s.next_on_or_after(date!(2026 - 11 - 24)),
            date!(2026 - 11 - 25)
        );
        assert_eq!(s.remaining_in_week(date!(2026 - 11 - 25)), 2);
        assert_eq!(s.dates(date!(2026 - 11 - 23), 2).len(), 6);
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(
            week_index(date!(2026 - 11 - 23)),
            week_index(date!(2026 - 11 - 29))
        );
        assert_eq!(
            week_index(date!(2026 - 11 - 23)) + 1,
            week_index(date!(2026 - 11 - 30))
        );
    }
}
