//! The belt and deck as a rate-limited system: speed and incline move toward their targets
//! at fixed rates, and distance is the exact integral of the piecewise-linear speed.

/// Moves `value` toward `goal` by at most `rate * dt`; returns the new value and the time
/// spent ramping (the rest of `dt` is spent at `goal`).
fn ramp(value: f64, goal: f64, rate: f64, dt: f64) -> (f64, f64) {
    let diff = goal - value;
    if rate <= 0.0 || !rate.is_finite() {
        return (goal, 0.0);
    }
    let t_ramp = diff.abs() / rate;
    if dt >= t_ramp {
        (goal, t_ramp)
    } else {
        (value + diff.signum() * rate * dt, dt)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Belt {
    pub speed_kmh: f64,
    pub target_speed_kmh: f64,
    pub incline_percent: f64,
    pub target_incline_percent: f64,
    /// Started and not stopped/paused: the belt heads for the target speed; otherwise for 0.
    pub running: bool,
    pub distance_m: f64,
    pub elapsed_s: f64,
}

impl Belt {
    pub(crate) fn new(incline_percent: f64) -> Self {
        Belt {
            speed_kmh: 0.0,
            target_speed_kmh: 0.0,
            incline_percent,
            target_incline_percent: incline_percent,
            running: false,
            distance_m: 0.0,
            elapsed_s: 0.0,
        }
    }

    /// Advances the model by `dt` seconds.
    pub(crate) fn advance(&mut self, dt: f64, accel_kmh_per_s: f64, incline_rate: f64) {
        if dt <= 0.0 || !dt.is_finite() {
            return;
        }
        let goal = if self.running {
            self.target_speed_kmh
        } else {
            0.0
        };
        let start = self.speed_kmh;
        let (end, t_ramp) = ramp(start, goal, accel_kmh_per_s, dt);
        let km_h_seconds = (start + end) / 2.0 * t_ramp + end * (dt - t_ramp);
        self.distance_m += km_h_seconds / 3.6;
        self.speed_kmh = end;
        self.incline_percent = ramp(
            self.incline_percent,
            self.target_incline_percent,
            incline_rate,
            dt,
        )
        .0;
        if self.running {
            self.elapsed_s += dt;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn step_change_takes_time_and_distance_integrates_the_ramp() {
        let mut b = Belt::new(0.0);
        b.running = true;
        b.target_speed_kmh = 3.6; // 1 m/s
        b.advance(1.0, 0.5, 0.5);
        assert!((b.speed_kmh - 0.5).abs() < 1e-9);
        b.advance(100.0, 0.5, 0.5);
        assert_eq!(b.speed_kmh, 3.6);
        // Ramp 0 → 3.6 takes 7.2 s and covers 3.6 m; the remaining 93.8 s at 1 m/s.
        assert!(
            (b.distance_m - (3.6 + 93.8)).abs() < 1e-9,
            "{}",
            b.distance_m
        );
        assert!((b.elapsed_s - 101.0).abs() < 1e-9);
    }

    #[test]
    fn stopping_decelerates_and_stops_the_clock() {
        let mut b = Belt::new(2.0);
        b.running = true;
        b.target_speed_kmh = 4.0;
        b.target_incline_percent = 5.0;
        b.advance(20.0, 0.5, 0.5);
        assert_eq!(b.speed_kmh, 4.0);
        assert_eq!(b.incline_percent, 5.0);
        b.running = false;
        b.advance(2.0, 0.5, 0.5);
        assert!((b.speed_kmh - 3.0).abs() < 1e-9);
        let elapsed = b.elapsed_s;
        b.advance(10.0, 0.5, 0.5);
        assert_eq!(b.speed_kmh, 0.0);
        assert_eq!(b.elapsed_s, elapsed);
    }

    proptest! {
        /// Speed never changes faster than the acceleration limit, never overshoots its goal,
        /// and distance never decreases.
        #[test]
        fn rate_limits_hold(
            steps in proptest::collection::vec((0.0f64..3.0, 0.0f64..20.0, -5.0f64..15.0, any::<bool>()), 1..40),
            accel in 0.1f64..2.0,
        ) {
            let mut b = Belt::new(0.0);
            for (dt, target, incline, running) in steps {
                let (before, incl_before, dist_before) = (b.speed_kmh, b.incline_percent, b.distance_m);
                b.target_speed_kmh = target;
                b.target_incline_percent = incline;
                b.running = running;
                b.advance(dt, accel, 0.5);
                prop_assert!((b.speed_kmh - before).abs() <= accel * dt + 1e-9);
                prop_assert!((b.incline_percent - incl_before).abs() <= 0.5 * dt + 1e-9);
                let goal = if running { target } else { 0.0 };
                prop_assert!(b.speed_kmh <= before.max(goal) + 1e-9 && b.speed_kmh >= before.min(goal) - 1e-9);
                prop_assert!(b.distance_m >= dist_before);
            }
        }
    }
}
