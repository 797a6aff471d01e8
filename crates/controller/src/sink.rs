//! Where the 1 Hz telemetry goes. The controller only hands samples over; writing them is
//! someone else's job, so a slow database never delays a stop.

use retrowalk_ftms::BoxFuture;
use retrowalk_store::{Sample, Store};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SinkError {
    #[error("could not store telemetry: {0}")]
    Store(String),
    #[error("the telemetry writer has stopped")]
    Closed,
}

pub trait TelemetrySink: Send {
    /// Called from the controller's loop once a (session) second; must not block.
    fn record(&mut self, sample: Sample) -> Result<(), SinkError>;
    /// Writes whatever is still buffered. Called once, after the belt has been stopped.
    fn finish(&mut self) -> BoxFuture<'_, Result<(), SinkError>>;
}

/// Keeps samples in memory, for tests, benchmarks and runs nobody wants recorded.
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    samples: Arc<Mutex<Vec<Sample>>>,
}

impl MemorySink {
    pub fn new() -> MemorySink {
        MemorySink::default()
    }
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl TelemetrySink for MemorySink {
    fn record(&mut self, sample: Sample) -> Result<(), SinkError> {
        self.samples
            .lock()
            .map_err(|_| SinkError::Closed)?
            .push(sample);
        Ok(())
    }
    fn finish(&mut self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

/// How long samples may wait in memory: a `kill -9` loses at most this much telemetry.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Samples kept for retry while the database is failing (an hour at 1 Hz).
const MAX_BUFFERED: usize = 3600;

/// Writes samples of one run to the store from its own task, in batches at most
/// [`FLUSH_EVERY`] old. A failing write is retried with the next batch (appending is
/// idempotent per sample time).
pub struct StoreSink {
    tx: Option<mpsc::UnboundedSender<Sample>>,
    writer: Option<JoinHandle<()>>,
    failure: Arc<Mutex<Option<String>>>,
}

impl StoreSink {
    /// Starts the writer task; the run must already exist (`Store::start_run`).
    pub fn spawn(store: Store, run_id: String) -> StoreSink {
        let (tx, rx) = mpsc::unbounded_channel();
        let failure = Arc::new(Mutex::new(None));
        let writer = tokio::spawn(write_batches(store, run_id, rx, failure.clone()));
        StoreSink {
            tx: Some(tx),
            writer: Some(writer),
            failure,
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

async fn write_batches(
    store: Store,
    run_id: String,
    mut rx: mpsc::UnboundedReceiver<Sample>,
    failure: Arc<Mutex<Option<String>>>,
) {
    let mut buf: Vec<Sample> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let flush = |buf: &mut Vec<Sample>| {
        let store = store.clone();
        let run_id = run_id.clone();
        let failure = failure.clone();
        let batch = buf.clone();
        async move {
            if batch.is_empty() {
                return true;
            }
            let res = store.append_samples(&run_id, &batch).await;
            if let Ok(mut f) = failure.lock() {
                *f = res.as_ref().err().map(|e| e.to_string());
            }
            res.is_ok()
        }
    };
    loop {
        tokio::select! {
            s = rx.recv() => match s {
                Some(s) => buf.push(s),
                None => break,
            },
            _ = tick.tick() => {
                if flush(&mut buf).await {
                    buf.clear();
                } else if buf.len() > MAX_BUFFERED {
                    let excess = buf.len() - MAX_BUFFERED;
                    buf.drain(..excess);
                }
            }
        }
    }
    if flush(&mut buf).await {
        buf.clear();
    }
}

impl TelemetrySink for StoreSink {
    fn record(&mut self, sample: Sample) -> Result<(), SinkError> {
        let tx = self.tx.as_ref().ok_or(SinkError::Closed)?;
        tx.send(sample).map_err(|_| SinkError::Closed)?;
        match self.failure() {
            Some(e) => Err(SinkError::Store(e)),
            None => Ok(()),
        }
    }

    fn finish(&mut self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.tx = None;
            if let Some(w) = self.writer.take() {
                w.await.map_err(|_| SinkError::Closed)?;
            }
            match self.failure() {
                Some(e) => Err(SinkError::Store(e)),
                None => Ok(()),
            }
        })
    }
}
