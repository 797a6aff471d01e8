//! File formats other tools speak: FIT and TCX activities, the programme as iCalendar,
//! and CSV for spreadsheets. Pure functions over small input types; no IO, no store.

pub mod fit;
mod gpx;
pub mod ics;
pub mod incoming;
pub mod spreadsheet;
pub mod tcx;
mod tcx_read;
mod xml;

/// An enum's serde name (`snake_case` in core), e.g. `forward_recovery`.
pub fn snake<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
