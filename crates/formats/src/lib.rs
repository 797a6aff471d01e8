//! File formats other tools speak: FIT and TCX activities, the programme as iCalendar,
//! and CSV for spreadsheets. Pure functions over small input types; no IO, no store.

pub mod fit;
