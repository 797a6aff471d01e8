//! Request handlers, grouped by who uses them.

pub mod account;
pub mod admin;
pub mod clinician;
pub mod exchange;
pub mod walker;
