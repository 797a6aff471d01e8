//! A scripted treadmill for controller tests: records every control point write, answers
//! them at once, and can be told to misbehave like real machines do.
#![allow(dead_code)]

use retrowalk_core::screening::{Requirements, Tier};
use retrowalk_core::session::{self, SessionPlan};
use retrowalk_core::{BodyMass, Incline, Limits, Load, RailUse, Speed, Units};
use retrowalk_ftms::{
    BoxFuture, Capabilities, ControlRequest, ControlResponse, MachineStatus, Notification, Range,
    ResultCode, TransportError, Treadmill, TreadmillData,
};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Default)]
pub struct Quirks {
    /// Answers everything but RequestControl with ControlNotPermitted until control is held.
    pub require_control: bool,
    /// Accepts set-speed/incline while stopped but does nothing with them.
    pub ignore_while_stopped: bool,
    /// Answers this opcode with OperationFailed.
    pub refuse_opcode: Option<u8>,
    /// Fails this opcode with a decode error.
    pub decode_error_opcode: Option<u8>,
    /// Does not implement Stop (only Pause).
    pub no_stop: bool,
    /// Does not implement Pause (only Stop).
    pub no_pause: bool,
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub requests: Vec<ControlRequest>,
    pub control: bool,
    pub running: bool,
    pub speed_kmh: f64,
    pub incline_pct: f64,
    /// Set-speed/incline writes the machine ignored because the belt was stopped.
    pub ignored: u32,
    /// The link dropped (a `Disconnected` notification was sent): writes fail.
    pub disconnected: bool,
}

pub struct Fake {
    caps: Capabilities,
    quirks: Quirks,
    pub state: Mutex<FakeState>,
    notes_tx: mpsc::UnboundedSender<Notification>,
    notes_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Notification>>,
}

pub fn machine(min: f64, max: f64, step: f64, incline: Option<(f64, f64, f64)>) -> Capabilities {
    Capabilities {
        speed: Range { min, max, step },
        incline: incline.map(|(min, max, step)| Range { min, max, step }),
        speed_target_supported: true,
        incline_target_supported: incline.is_some(),
    }
}

pub fn typical() -> Capabilities {
    machine(0.5, 16.0, 0.1, Some((0.0, 15.0, 0.5)))
}

impl Fake {
    pub fn new(caps: Capabilities, quirks: Quirks) -> Arc<Fake> {
        let (notes_tx, notes_rx) = mpsc::unbounded_channel();
        Arc::new(Fake {
            caps,
            quirks,
            state: Mutex::new(FakeState::default()),
            notes_tx,
            notes_rx: tokio::sync::Mutex::new(notes_rx),
        })
    }

    pub fn notify(&self, n: Notification) {
        if n == Notification::Disconnected {
            self.state.lock().unwrap().disconnected = true;
        }
        let _ = self.notes_tx.send(n);
    }

    pub fn requests(&self) -> Vec<ControlRequest> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn stops(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| **r == ControlRequest::Stop)
            .count()
    }

    pub fn set_speeds(&self) -> Vec<f64> {
        self.requests()
            .iter()
            .filter_map(|r| match r {
                ControlRequest::SetTargetSpeed { kmh } => Some(*kmh),
                _ => None,
            })
            .collect()
    }

    pub fn set_inclines(&self) -> Vec<f64> {
        self.requests()
            .iter()
            .filter_map(|r| match r {
                ControlRequest::SetTargetInclination { percent } => Some(*percent),
                _ => None,
            })
            .collect()
    }

    fn answer(&self, request: ControlRequest) -> Result<ControlResponse, TransportError> {
        let mut s = self.state.lock().unwrap();
        s.requests.push(request);
        if s.disconnected {
            return Err(TransportError::Disconnected);
        }
        let op = request.opcode();
        let respond = |result| {
            Ok(ControlResponse {
                request_opcode: op,
                result,
            })
        };
        if self.quirks.decode_error_opcode == Some(op) {
            return Err(TransportError::Decode(
                "response indication too short".into(),
            ));
        }
        if self.quirks.refuse_opcode == Some(op) {
            return respond(ResultCode::OperationFailed);
        }
        if self.quirks.require_control && !s.control && request != ControlRequest::RequestControl {
            return respond(ResultCode::ControlNotPermitted);
        }
        match request {
            ControlRequest::RequestControl => s.control = true,
            ControlRequest::StartOrResume => {
                s.running = true;
                s.speed_kmh = self.caps.speed.min;
                let _ = self
                    .notes_tx
                    .send(Notification::Status(MachineStatus::StartedOrResumedByUser));
                let _ = self.notes_tx.send(Notification::Data(TreadmillData {
                    speed_kmh: Some(s.speed_kmh),
                    ..Default::default()
                }));
            }
            ControlRequest::SetTargetSpeed { kmh } => {
                if !s.running && self.quirks.ignore_while_stopped {
                    s.ignored += 1;
                } else {
                    s.speed_kmh = kmh;
                }
            }
            ControlRequest::SetTargetInclination { percent } => {
                if self.caps.incline.is_none() {
                    return respond(ResultCode::OpCodeNotSupported);
                }
                if !s.running && self.quirks.ignore_while_stopped {
                    s.ignored += 1;
                } else {
                    s.incline_pct = percent;
                }
            }
            ControlRequest::Stop if self.quirks.no_stop => {
                return respond(ResultCode::OpCodeNotSupported)
            }
            ControlRequest::Pause if self.quirks.no_pause => {
                return respond(ResultCode::OpCodeNotSupported)
            }
            ControlRequest::Stop | ControlRequest::Pause => {
                s.running = false;
                s.speed_kmh = 0.0;
            }
            ControlRequest::Reset => {}
        }
        respond(ResultCode::Success)
    }
}

impl Treadmill for Fake {
    fn name(&self) -> String {
        "fake treadmill".into()
    }
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn control(
        &self,
        request: ControlRequest,
    ) -> BoxFuture<'_, Result<ControlResponse, TransportError>> {
        let r = self.answer(request);
        Box::pin(async move { r })
    }
    fn next_notification(&self) -> BoxFuture<'_, Option<Notification>> {
        Box::pin(async move { self.notes_rx.lock().await.recv().await })
    }
}

pub fn limits() -> Limits {
    Limits {
        target_backward_s: 1200,
        target_speed: Speed::from_kmh(4.8).unwrap(),
        max_incline: Incline::from_percent(3.0).unwrap(),
        rail_floor: RailUse::None,
        min_speed: Speed::from_kmh(0.8).unwrap(),
        speed_step: Speed::from_kmh(0.8).unwrap(),
        usual_pain: Default::default(),
    }
}

/// A real plan as the core builds it: warm-up, turns, backward bouts, cool-down, stand.
pub fn plan(backward_s: u32, kmh: f64, incline: f64) -> SessionPlan {
    let load = Load {
        backward_s,
        speed: Speed::from_kmh(kmh).unwrap(),
        incline: Incline::from_percent(incline).unwrap(),
        rails: RailUse::Light,
    };
    session::build(
        &load,
        Tier::Standard,
        Requirements::default(),
        Units::Kmh,
        BodyMass::from_kg(70.0).unwrap(),
    )
}
