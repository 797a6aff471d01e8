//! iCalendar output read back by an independent parser (the `icalendar` crate): every
//! event, UID, summary and description survives escaping and folding.

use icalendar::{Calendar, CalendarComponent, Component};
use proptest::prelude::*;
use retrowalk_formats::ics::{self, CalendarOptions, PlannedEvent};
use time::macros::{date, time};

fn parse(text: &str) -> Vec<icalendar::Event> {
    let cal: Calendar = text.parse().expect("the icalendar crate parses it");
    cal.components
        .into_iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn opts(start: Option<time::Time>) -> CalendarOptions {
    CalendarOptions {
        owner: "person-7".into(),
        name: "retrowalk, backward walking".into(),
        start_time: start,
        stamp: 1_790_000_000,
    }
}

#[test]
fn events_have_stable_uids_and_crlf_lines() {
    let events: Vec<PlannedEvent> = (0..3)
        .map(|i| PlannedEvent {
            date: date!(2026 - 11 - 24) + time::Duration::days(2 * i),
            duration_s: 1500,
            summary: format!("Backward walk {i}"),
            description: "Forward warm-up: 3 min (forward, 2.0 mph)\nBackward bout 1 of 1: 5 min"
                .into(),
        })
        .collect();
    let a = ics::calendar(&events, &opts(None));
    let b = ics::calendar(
        &events,
        &CalendarOptions {
            stamp: 1_800_000_000,
            ..opts(None)
        },
    );
    let uids = |t: &str| {
        parse(t)
            .iter()
            .map(|e| e.get_uid().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&a), uids(&b));
    assert_eq!(uids(&a)[0], "2026-11-24-person-7@retrowalk");
    assert!(a.contains("DTSTART;VALUE=DATE:20261124\r\n"));
    assert!(a.contains("DTEND;VALUE=DATE:20261125\r\n"));
    assert!(
        !a.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert!(a.split("\r\n").all(|l| l.len() <= 75));
    let timed = ics::calendar(&events, &opts(Some(time!(07:30))));
    assert!(timed.contains("DTSTART:20261124T073000\r\n"));
    assert!(timed.contains("DTEND:20261124T075500\r\n"));
    let parsed = parse(&timed);
    assert_eq!(parsed.len(), 3);
    assert_eq!(parsed[1].get_summary(), Some("Backward walk 1"));
}

proptest! {
    // Backslashes are left out: the icalendar crate unescapes with successive string
    // replaces, so it reads an escaped backslash before `n` or `,` wrongly. Our escaping
    // of backslashes is checked by the unit tests and by Python's icalendar in
    // scripts/checks/formats.sh.
    #[test]
    fn any_text_survives_escaping_and_folding(summary in "[^\\\\\\p{C}]{1,120}", description in "([^\\\\\\p{C}]|\n){0,400}") {
        // Parsers trim surrounding white space from values; RFC 5545 leaves it undefined.
        let summary = summary.trim().to_string();
        let description = description.trim().to_string();
        prop_assume!(!summary.is_empty());
        let e = PlannedEvent { date: date!(2027 - 01 - 05), duration_s: 900, summary: summary.clone(), description: description.clone() };
        let text = ics::calendar(&[e], &opts(Some(time!(18:00))));
        prop_assert!(text.split("\r\n").all(|l| l.len() <= 75));
        let events = parse(&text);
        prop_assert_eq!(events.len(), 1);
        prop_assert_eq!(events[0].get_summary(), Some(summary.as_str()));
        if !description.is_empty() {
            prop_assert_eq!(events[0].get_description(), Some(description.as_str()));
        }
    }
}
