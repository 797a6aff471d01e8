//! Stopping the belt when the controller itself goes away: a panic in its task, the task
//! being aborted, or the runtime shutting down.
//!
//! The stop is sent from a dedicated OS thread with its own small runtime, started before
//! the session begins, because at that moment the controller's runtime may be unwinding,
//! shutting down or blocked, and cannot be trusted to poll a new task.

use crate::caps::SafeCommand;
use retrowalk_ftms::{ControlRequest, ResultCode, TransportError, Treadmill};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Writes Stop (or Pause when the machine only knows that) until the machine confirms,
/// `attempts` times at most. Returns whether the halt was confirmed. A lost connection
/// ends the attempts at once: there is nothing to write to.
pub(crate) async fn halt_belt(
    machine: &dyn Treadmill,
    first: SafeCommand,
    attempts: u32,
    timeout: Duration,
) -> bool {
    let mut cmd = first;
    for attempt in 0..attempts.max(1) {
        match tokio::time::timeout(timeout, machine.control(cmd.request())).await {
            Ok(Ok(r)) if r.result == ResultCode::Success => return true,
            Ok(Ok(_)) | Ok(Err(TransportError::Refused { .. })) => {
                // Some machines implement only one of stop and pause (ftms-notes quirk 12).
                cmd = other_halt(cmd);
            }
            Ok(Err(TransportError::Disconnected)) => return false,
            Ok(Err(e)) => tracing::warn!(attempt, error = %e, "stop not confirmed; retrying"),
            Err(_) => tracing::warn!(attempt, "no answer to stop; retrying"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn other_halt(cmd: SafeCommand) -> SafeCommand {
    if cmd.request() == ControlRequest::Stop {
        SafeCommand::pause()
    } else {
        SafeCommand::stop()
    }
}

struct StopRequest {
    done: mpsc::Sender<bool>,
}

/// A thread waiting to stop the belt; it exits once every [`Stopper`] handle is gone.
#[derive(Clone)]
pub(crate) struct Stopper {
    tx: mpsc::Sender<StopRequest>,
}

impl Stopper {
    pub(crate) fn spawn(
        machine: Arc<dyn Treadmill>,
        attempts: u32,
        timeout: Duration,
    ) -> std::io::Result<Stopper> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::channel::<StopRequest>();
        std::thread::Builder::new()
            .name("belt-stopper".into())
            .spawn(move || {
                while let Ok(req) = rx.recv() {
                    let ok = runtime.block_on(halt_belt(
                        &*machine,
                        SafeCommand::stop(),
                        attempts,
                        timeout,
                    ));
                    let _ = req.done.send(ok);
                }
            })?;
        Ok(Stopper { tx })
    }

    /// Asks the thread to stop the belt and waits at most `wait` for the answer.
    pub(crate) fn stop_blocking(&self, wait: Duration) -> Option<bool> {
        let (done, answer) = mpsc::channel();
        self.tx.send(StopRequest { done }).ok()?;
        answer.recv_timeout(wait).ok()
    }
}

/// Stops the belt when dropped unless disarmed: it lives inside the controller's future, so
/// a panic (unwinding drops the future) or an abort of the task still stops the belt.
pub(crate) struct StopGuard {
    stopper: Option<Stopper>,
    wait: Duration,
    outcome: Arc<std::sync::Mutex<Option<bool>>>,
}

impl StopGuard {
    pub(crate) fn arm(
        stopper: Stopper,
        wait: Duration,
        outcome: Arc<std::sync::Mutex<Option<bool>>>,
    ) -> StopGuard {
        StopGuard {
            stopper: Some(stopper),
            wait,
            outcome,
        }
    }

    /// The controller stopped the belt itself.
    pub(crate) fn disarm(mut self) {
        self.stopper = None;
    }
}

impl Drop for StopGuard {
    fn drop(&mut self) {
        if let Some(stopper) = self.stopper.take() {
            tracing::error!("session controller ended abnormally; stopping the belt");
            let confirmed = stopper.stop_blocking(self.wait).unwrap_or(false);
            if let Ok(mut o) = self.outcome.lock() {
                *o = Some(confirmed);
            }
        }
    }
}
