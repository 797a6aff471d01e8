//! Writes a made-up treadmill walk as a FIT file, for checks and benchmarks:
//! `cargo run -p retrowalk-formats --example synthetic_fit -- OUT.fit [SECONDS] [START_UNIX]`.

use retrowalk_formats::fit::{self, synthetic, EncodeOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: synthetic_fit OUT.fit [SECONDS] [START_UNIX]")?;
    let seconds: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1200);
    let start: i64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_795_453_200);
    let walk = synthetic::treadmill_walk(start, seconds, 240.min(seconds.max(1)));
    let bytes = fit::encode(&walk, EncodeOptions::default())?;
    std::fs::write(&out, &bytes)?;
    println!(
        "{out}: {} records, {} laps, {} bytes",
        walk.records.len(),
        walk.laps.len(),
        bytes.len()
    );
    Ok(())
}
