//! The programme's planned sessions as an iCalendar (RFC 5545) file: one VEVENT per
//! session, with a UID made from the person and the day, so importing a newer export
//! replaces the old events rather than adding copies.

use retrowalk_core::session::{SegmentKind, SessionPlan};
use retrowalk_core::Units;
use std::fmt::Write;
use time::{Date, Duration, Time};

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub date: Date,
    pub duration_s: u32,
    pub summary: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalendarOptions {
    /// Who the programme belongs to, e.g. `person-3`: part of every UID.
    pub owner: String,
    /// The calendar's display name.
    pub name: String,
    /// Local (floating) start time of each session; `None` writes all-day events.
    pub start_time: Option<Time>,
    /// Unix seconds for DTSTAMP: when this export was made.
    pub stamp: i64,
}

/// The stable UID of the session planned for `date`.
pub fn uid(owner: &str, date: Date) -> String {
    format!("{date}-{owner}@retrowalk")
}

/// The session's segments, one per line, in the person's units.
pub fn describe(plan: &SessionPlan, units: Units) -> String {
    let mut out = String::new();
    for s in &plan.segments {
        let what = match s.kind {
            SegmentKind::Backward => "BACKWARD",
            SegmentKind::StandStill => "still",
            _ => "forward",
        };
        let _ = write!(out, "{}: {} ({what}", s.label, minutes(s.duration_s));
        if s.kind.belt_running() {
            let _ = write!(out, ", {}", units.fmt_speed(s.speed));
            if s.incline.percent() != 0.0 {
                let _ = write!(out, ", {:.1}% incline", s.incline.percent());
            }
        }
        out.push_str(")\n");
    }
    let _ = write!(
        out,
        "Total {} with {} backward, about {:.0} kcal.\n{}",
        minutes(plan.total_s()),
        minutes(plan.backward_s()),
        plan.energy.kcal,
        plan.notice
    );
    out
}

fn minutes(s: u32) -> String {
    match (s / 60, s % 60) {
        (0, sec) => format!("{sec} s"),
        (m, 0) => format!("{m} min"),
        (m, sec) => format!("{m} min {sec} s"),
    }
}

/// Writes the calendar with CRLF line ends, folded at 75 octets.
pub fn calendar(events: &[PlannedEvent], opts: &CalendarOptions) -> String {
    let mut out = String::with_capacity(256 + events.len() * 600);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//retrowalk//retrowalk programme//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(&opts.name)));
    let stamp = stamp(opts.stamp);
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", uid(&opts.owner, e.date)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        match opts.start_time {
            None => {
                line(&mut out, &format!("DTSTART;VALUE=DATE:{}", ymd(e.date)));
                let next = e.date.next_day().unwrap_or(e.date);
                line(&mut out, &format!("DTEND;VALUE=DATE:{}", ymd(next)));
            }
            Some(t) => {
                let start = e.date.with_time(t);
                let end = start
                    .checked_add(Duration::seconds(i64::from(e.duration_s.max(60))))
                    .unwrap_or(start);
                line(&mut out, &format!("DTSTART:{}", local(start)));
                line(&mut out, &format!("DTEND:{}", local(end)));
            }
        }
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        line(&mut out, "TRANSP:OPAQUE");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

fn local(t: time::PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}{:02}{:02}",
        ymd(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn stamp(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}Z",
        local(time::PrimitiveDateTime::new(t.date(), t.time()))
    )
}

/// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no physical line exceeds 75 octets (the CRLF
/// not counted), never splitting a UTF-8 sequence.
pub fn line(out: &mut String, content: &str) {
    let mut used = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn escapes_the_four_specials() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    proptest! {
        #[test]
        fn folded_lines_fit_and_unfold_to_the_original(s in "\\PC{0,300}") {
            let mut out = String::new();
            line(&mut out, &s);
            prop_assert!(out.ends_with("\r\n"));
            for l in out.split("\r\n") {
                prop_assert!(l.len() <= 75, "{} octets: {:?}", l.len(), l);
            }
            prop_assert_eq!(unfold(&out), format!("{s}\r\n"));
        }
    }
}
