//! The calendar window retrowalk accepts, and date arithmetic that cannot panic.
//!
//! `time::Date` panics when `+`/`-` leave its range (years ±9999). A date typed by a person
//! or read from a backup once reached that edge (`9999-12-20`) and every later page that
//! added a week to it panicked. So every date that enters the system is checked against
//! [`WINDOW`], and the engine's own arithmetic saturates instead of panicking, so even a
//! database written before the window existed cannot bring a page down.

use time::{Date, Duration, Month};

/// The earliest date retrowalk accepts anywhere: a log, a programme start, an import.
pub const EARLIEST: Date = match Date::from_calendar_date(2000, Month::January, 1) {
    Ok(d) => d,
    Err(_) => panic!("2000-01-01 is a date"),
};

/// The latest date retrowalk accepts anywhere.
pub const LATEST: Date = match Date::from_calendar_date(2099, Month::December, 31) {
    Ok(d) => d,
    Err(_) => panic!("2099-12-31 is a date"),
};

/// A date outside [`EARLIEST`]..=[`LATEST`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be between {EARLIEST} and {LATEST} (got {got})")]
pub struct OutOfWindow {
    pub field: &'static str,
    pub got: Date,
}

/// Checks that `d` lies in the accepted window.
pub fn in_window(field: &'static str, d: Date) -> Result<Date, OutOfWindow> {
    if (EARLIEST..=LATEST).contains(&d) {
        Ok(d)
    } else {
        Err(OutOfWindow { field, got: d })
    }
}

/// `d` plus `days` (negative to go back), stopping at the calendar's ends instead of
/// panicking.
pub fn add_days(d: Date, days: i64) -> Date {
    d.checked_add(Duration::days(days))
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// The Monday of `d`'s week (or the calendar's first day, at its very start).
pub fn monday_of(d: Date) -> Date {
    add_days(d, -i64::from(d.weekday().number_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date_from(julian: i32) -> Date {
        Date::from_julian_day(julian).unwrap_or(Date::MIN)
    }

    proptest! {
        #[test]
        fn add_days_never_panics_and_is_exact_inside_the_range(
            j in Date::MIN.to_julian_day()..=Date::MAX.to_julian_day(),
            n in -10_000i64..=10_000,
        ) {
            let d = date_from(j);
            let r = add_days(d, n);
            match d.checked_add(Duration::days(n)) {
                Some(exact) => prop_assert_eq!(r, exact),
                None => prop_assert!(r == Date::MIN || r == Date::MAX),
            }
        }

        #[test]
        fn monday_of_is_a_monday_on_or_before(j in (Date::MIN.to_julian_day() + 7)..=Date::MAX.to_julian_day()) {
            let d = date_from(j);
            let m = monday_of(d);
            prop_assert_eq!(m.weekday(), time::Weekday::Monday);
            prop_assert!(m <= d && (d - m).whole_days() < 7);
        }
    }

    #[test]
    fn window_refuses_the_far_past_and_future() {
        let far = Date::from_calendar_date(9999, Month::December, 31).unwrap();
        assert!(in_window("date", far).is_err());
        let old = Date::from_calendar_date(1900, Month::January, 1).unwrap();
        let e = in_window("date", old).unwrap_err();
        assert_eq!(
            e.to_string(),
            "date must be between 2000-01-01 and 2099-12-31 (got 1900-01-01)"
        );
        let ok = Date::from_calendar_date(2026, Month::December, 4).unwrap();
        assert_eq!(in_window("date", ok), Ok(ok));
        assert!(in_window("date", EARLIEST).is_ok() && in_window("date", LATEST).is_ok());
    }

    #[test]
    fn add_days_saturates_at_the_ends() {
        assert_eq!(add_days(Date::MAX, 7), Date::MAX);
        assert_eq!(add_days(Date::MIN, -7), Date::MIN);
    }
}
