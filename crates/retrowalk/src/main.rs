//! `retrowalk`: the command line and the web app over one store.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// Password checks (argon2id) take 12–19 MiB each on a blocking thread. glibc's malloc
/// then raises its mmap threshold and keeps such freed blocks in per-thread arenas for
/// reuse, so a burst of sign-ins left hundreds of MB resident for good. A fixed threshold
/// makes big blocks always come from mmap and go back to the OS when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_big_blocks_to_the_os() {
    // SAFETY: mallopt only tunes the allocator; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    return_big_blocks_to_the_os();
    // The local date must be read before any thread starts (the time crate refuses
    // otherwise), so it is taken here and passed down.
    let today = time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date();
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RETROWALK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(cli::run(args, today)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
