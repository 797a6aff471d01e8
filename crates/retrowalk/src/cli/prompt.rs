//! Asking for what a flag did not give, when someone is at the terminal; refusing with
//! the missing flag's name when not, so scripts fail clearly instead of hanging.

use anyhow::{bail, Result};
use std::io::{BufRead, IsTerminal, Write};

pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Returns the flag's value, or asks until the answer parses.
pub fn value<T>(
    given: Option<T>,
    flag: &str,
    question: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T> {
    if let Some(v) = given {
        return Ok(v);
    }
    if !interactive() {
        bail!("missing {flag}: pass it, or run in a terminal to be asked");
    }
    let stdin = std::io::stdin();
    loop {
        print!("{question} ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            bail!("no answer for {flag}");
        }
        match parse(line.trim()) {
            Ok(v) => return Ok(v),
            Err(e) => println!("  {e}"),
        }
    }
}

pub fn yes_no(given: Option<bool>, flag: &str, question: &str) -> Result<bool> {
    // A boolean flag that was not passed means "no" for scripts, but is asked in a terminal.
    if given.is_none() && !interactive() {
        return Ok(false);
    }
    value(given, flag, &format!("{question} [y/n]"), |s| {
        match s.to_ascii_lowercase().as_str() {
            "y" | "yes" => Ok(true),
            "n" | "no" => Ok(false),
            _ => Err("answer y or n".into()),
        }
    })
}
