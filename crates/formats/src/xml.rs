//! The little XML and time formatting TCX needs.

use std::fmt::Write;

/// Appends `s` with the five XML special characters escaped.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// Unix seconds as an xsd:dateTime in UTC, e.g. `2026-11-24T18:00:00Z`.
pub fn utc(out: &mut String, unix: i64) {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let _ = write!(
                out,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
        }
        Err(_) => out.push_str("1970-01-01T00:00:00Z"),
    }
}
