//! Fitness Machine Control Point (0x2AD9): requests (client → machine) and the `80 op result`
//! response indications (machine → client).

use super::reader::Reader;
use super::{names, DecodeError, EncodeError};
use crate::model::{ControlRequest, ControlResponse, ResultCode};

/// Control point op codes used by a treadmill session.
pub mod op {
    pub const REQUEST_CONTROL: u8 = 0x00;
    pub const RESET: u8 = 0x01;
    pub const SET_TARGET_SPEED: u8 = 0x02;
    pub const SET_TARGET_INCLINATION: u8 = 0x03;
    pub const START_OR_RESUME: u8 = 0x07;
    pub const STOP_OR_PAUSE: u8 = 0x08;
    pub const RESPONSE_CODE: u8 = 0x80;
    pub const STOP_PARAMETER: u8 = 0x01;
    pub const PAUSE_PARAMETER: u8 = 0x02;
}

/// Speed in 0.01 km/h, rounded DOWN so the machine is never told to go faster than asked.
/// The tiny epsilon keeps values like 0.29 (0.28999… in binary) from losing a whole step.
fn speed_raw(kmh: f64) -> Result<u16, EncodeError> {
    let raw = (kmh * 100.0 + 1e-6).floor();
    if !(0.0..=f64::from(u16::MAX)).contains(&raw) || kmh.is_nan() {
        return Err(EncodeError::OutOfRange {
            field: "target speed (km/h)",
            value: kmh,
            min: 0.0,
            max: f64::from(u16::MAX) / 100.0,
        });
    }
    Ok(raw as u16)
}

/// Inclination in 0.1 %, rounded toward zero so a slope is never steeper than asked, uphill
/// or downhill.
fn inclination_raw(percent: f64) -> Result<i16, EncodeError> {
    let raw = (percent * 10.0 + 1e-6f64.copysign(percent)).trunc();
    if !(f64::from(i16::MIN)..=f64::from(i16::MAX)).contains(&raw) || percent.is_nan() {
        return Err(EncodeError::OutOfRange {
            field: "target inclination (%)",
            value: percent,
            min: f64::from(i16::MIN) / 10.0,
            max: f64::from(i16::MAX) / 10.0,
        });
    }
    Ok(raw as i16)
}

/// The bytes to write for a request. Refuses NaN, negative or oversized speeds instead of
/// saturating (a saturated speed would be 655 km/h).
pub fn encode_request(request: &ControlRequest) -> Result<Vec<u8>, EncodeError> {
    Ok(match request {
        ControlRequest::RequestControl => vec![op::REQUEST_CONTROL],
        ControlRequest::Reset => vec![op::RESET],
        ControlRequest::SetTargetSpeed { kmh } => {
            let [a, b] = speed_raw(*kmh)?.to_le_bytes();
            vec![op::SET_TARGET_SPEED, a, b]
        }
        ControlRequest::SetTargetInclination { percent } => {
            let [a, b] = inclination_raw(*percent)?.to_le_bytes();
            vec![op::SET_TARGET_INCLINATION, a, b]
        }
        ControlRequest::StartOrResume => vec![op::START_OR_RESUME],
        ControlRequest::Stop => vec![op::STOP_OR_PAUSE, op::STOP_PARAMETER],
        ControlRequest::Pause => vec![op::STOP_OR_PAUSE, op::PAUSE_PARAMETER],
    })
}

/// Decodes a written request (the machine's side, used by the simulator). Op codes a
/// treadmill session never sends are [`DecodeError::UnknownOpcode`] so a server can answer
/// "Op Code Not Supported"; a missing or bad parameter is "Invalid Parameter". Extra bytes
/// after the parameter are an error: a real server rejects a malformed write.
pub fn decode_request(bytes: &[u8]) -> Result<ControlRequest, DecodeError> {
    let c = names::CONTROL_POINT;
    let mut r = Reader::new(c, bytes);
    let opcode = r
        .u8("op code")
        .map_err(|_| DecodeError::Empty { characteristic: c })?;
    let request = match opcode {
        op::REQUEST_CONTROL => ControlRequest::RequestControl,
        op::RESET => ControlRequest::Reset,
        op::SET_TARGET_SPEED => ControlRequest::SetTargetSpeed {
            kmh: f64::from(r.u16("target speed")?) / 100.0,
        },
        op::SET_TARGET_INCLINATION => ControlRequest::SetTargetInclination {
            percent: f64::from(r.i16("target inclination")?) / 10.0,
        },
        op::START_OR_RESUME => ControlRequest::StartOrResume,
        op::STOP_OR_PAUSE => match r.u8("stop/pause parameter")? {
            op::STOP_PARAMETER => ControlRequest::Stop,
            op::PAUSE_PARAMETER => ControlRequest::Pause,
            other => {
                return Err(DecodeError::Invalid {
                    characteristic: c,
                    field: "stop/pause parameter",
                    detail: format!("{other:#04x} is neither 0x01 (stop) nor 0x02 (pause)"),
                })
            }
        },
        opcode => {
            return Err(DecodeError::UnknownOpcode {
                characteristic: c,
                opcode,
            })
        }
    };
    if r.remaining() > 0 {
        return Err(DecodeError::TrailingBytes {
            characteristic: c,
            extra: r.remaining(),
        });
    }
    Ok(request)
}

pub fn result_code_from_byte(b: u8) -> ResultCode {
    match b {
        0x01 => ResultCode::Success,
        0x02 => ResultCode::OpCodeNotSupported,
        0x03 => ResultCode::InvalidParameter,
        0x04 => ResultCode::OperationFailed,
        0x05 => ResultCode::ControlNotPermitted,
        other => ResultCode::Reserved(other),
    }
}

pub fn result_code_byte(code: ResultCode) -> u8 {
    match code {
        ResultCode::Success => 0x01,
        ResultCode::OpCodeNotSupported => 0x02,
        ResultCode::InvalidParameter => 0x03,
        ResultCode::OperationFailed => 0x04,
        ResultCode::ControlNotPermitted => 0x05,
        ResultCode::Reserved(b) => b,
    }
}

/// Decodes a response indication `80 <request op> <result> [parameters]`. Response
/// parameters (only some bike procedures have them) are ignored.
pub fn decode_response(bytes: &[u8]) -> Result<ControlResponse, DecodeError> {
    let c = names::CONTROL_RESPONSE;
    let mut r = Reader::new(c, bytes);
    let code = r
        .u8("response op code")
        .map_err(|_| DecodeError::Empty { characteristic: c })?;
    if code != op::RESPONSE_CODE {
        return Err(DecodeError::Invalid {
            characteristic: c,
            field: "response op code",
            detail: format!("{code:#04x} instead of 0x80"),
        });
    }
    let request_opcode = r.u8("request op code")?;
    let result = result_code_from_byte(r.u8("result code")?);
    Ok(ControlResponse {
        request_opcode,
        result,
    })
}

pub fn encode_response(response: &ControlResponse) -> [u8; 3] {
    [
        op::RESPONSE_CODE,
        response.request_opcode,
        result_code_byte(response.result),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Request bytes written from the specification, ftms-notes.md §4.
    #[test]
    fn spec_request_examples() {
        let cases: [(ControlRequest, &[u8]); 7] = [
            (ControlRequest::RequestControl, &[0x00]),
            (ControlRequest::Reset, &[0x01]),
            (
                ControlRequest::SetTargetSpeed { kmh: 5.0 },
                &[0x02, 0xF4, 0x01],
            ),
            (
                ControlRequest::SetTargetInclination { percent: 5.0 },
                &[0x03, 0x32, 0x00],
            ),
            (
                ControlRequest::SetTargetInclination { percent: -2.0 },
                &[0x03, 0xEC, 0xFF],
            ),
            (ControlRequest::StartOrResume, &[0x07]),
            (ControlRequest::Stop, &[0x08, 0x01]),
        ];
        for (request, bytes) in cases {
            assert_eq!(encode_request(&request).unwrap(), bytes, "{request:?}");
            assert_eq!(decode_request(bytes).unwrap(), request);
        }
        assert_eq!(
            encode_request(&ControlRequest::Pause).unwrap(),
            [0x08, 0x02]
        );
    }

    #[test]
    fn speed_rounds_down_never_up() {
        let enc = |kmh| encode_request(&ControlRequest::SetTargetSpeed { kmh }).unwrap();
        assert_eq!(enc(2.999), [0x02, 0x2B, 0x01]); // 2.99, not 3.00
        assert_eq!(enc(0.29), [0x02, 29, 0]); // 0.29 is 0.28999… in binary; still 29
        assert_eq!(enc(4.0), [0x02, 0x90, 0x01]);
        let inc =
            |percent| encode_request(&ControlRequest::SetTargetInclination { percent }).unwrap();
        assert_eq!(inc(2.49), [0x03, 24, 0]);
        assert_eq!(inc(-2.49), [0x03, 0xE8, 0xFF]); // −2.4, gentler than −2.49
    }

    #[test]
    fn encoding_refuses_bad_values() {
        for kmh in [f64::NAN, -0.5, 700.0, f64::INFINITY] {
            assert!(
                encode_request(&ControlRequest::SetTargetSpeed { kmh }).is_err(),
                "{kmh}"
            );
        }
        assert!(
            encode_request(&ControlRequest::SetTargetInclination { percent: f64::NAN }).is_err()
        );
        assert!(encode_request(&ControlRequest::SetTargetInclination { percent: 5000.0 }).is_err());
    }

    #[test]
    fn request_decode_errors() {
        // 0x80 written as a request (pycycling issue #55): the server says Op Code Not Supported.
        assert!(matches!(
            decode_request(&[0x80]),
            Err(DecodeError::UnknownOpcode { opcode: 0x80, .. })
        ));
        assert_eq!(
            decode_request(&[0x02, 0xF4]).unwrap_err().to_string(),
            "Fitness Machine Control Point: target speed needs 2 bytes but only 1 remain"
        );
        assert!(decode_request(&[0x08]).is_err());
        assert!(decode_request(&[0x08, 0x03]).is_err());
        assert!(decode_request(&[0x07, 0x00]).is_err());
        assert!(decode_request(&[]).is_err());
    }

    /// Real response `80 07 04`: Start/Resume → Operation Failed (an FTMS bike, simcline
    /// issue #4 log, ftms-notes.md §4); `80 00 01` is the reply to Request Control.
    #[test]
    fn response_examples() {
        assert_eq!(
            decode_response(&[0x80, 0x07, 0x04]).unwrap(),
            ControlResponse {
                request_opcode: 0x07,
                result: ResultCode::OperationFailed
            }
        );
        assert_eq!(
            decode_response(&[0x80, 0x00, 0x01]).unwrap(),
            ControlResponse {
                request_opcode: 0x00,
                result: ResultCode::Success
            }
        );
        assert_eq!(
            decode_response(&[0x80, 0x80, 0x02]).unwrap().result,
            ResultCode::OpCodeNotSupported
        );
        assert_eq!(
            decode_response(&[0x80, 0x03, 0x09]).unwrap().result,
            ResultCode::Reserved(0x09)
        );
        assert!(decode_response(&[0x05, 0x2C, 0x01])
            .unwrap_err()
            .to_string()
            .contains("0x05 instead of 0x80"));
        assert!(decode_response(&[0x80, 0x07]).is_err());
    }

    fn request_strategy() -> impl Strategy<Value = ControlRequest> {
        prop_oneof![
            Just(ControlRequest::RequestControl),
            Just(ControlRequest::Reset),
            Just(ControlRequest::StartOrResume),
            Just(ControlRequest::Stop),
            Just(ControlRequest::Pause),
            any::<u16>().prop_map(|v| ControlRequest::SetTargetSpeed {
                kmh: f64::from(v) / 100.0
            }),
            any::<i16>().prop_map(|v| ControlRequest::SetTargetInclination {
                percent: f64::from(v) / 10.0
            }),
        ]
    }

    proptest! {
        #[test]
        fn request_round_trip(request in request_strategy()) {
            prop_assert_eq!(decode_request(&encode_request(&request).unwrap()).unwrap(), request);
        }

        /// Safety invariant: the commanded speed is never above the asked speed and at most
        /// one wire step below it.
        #[test]
        fn encoded_speed_never_exceeds_request(kmh in 0.0f64..655.0) {
            let bytes = encode_request(&ControlRequest::SetTargetSpeed { kmh }).unwrap();
            let ControlRequest::SetTargetSpeed { kmh: sent } = decode_request(&bytes).unwrap() else {
                return Err(TestCaseError::fail("not a speed request"));
            };
            prop_assert!(sent <= kmh + 1e-6, "sent {} for {}", sent, kmh);
            prop_assert!(sent > kmh - 0.01 - 1e-9, "sent {} for {}", sent, kmh);
        }

        #[test]
        fn encoded_incline_never_steeper(percent in -3000.0f64..3000.0) {
            let bytes = encode_request(&ControlRequest::SetTargetInclination { percent }).unwrap();
            let ControlRequest::SetTargetInclination { percent: sent } = decode_request(&bytes).unwrap() else {
                return Err(TestCaseError::fail("not an incline request"));
            };
            prop_assert!(sent.abs() <= percent.abs() + 1e-6, "sent {} for {}", sent, percent);
            prop_assert!(sent.abs() > percent.abs() - 0.1 - 1e-9, "sent {} for {}", sent, percent);
        }

        #[test]
        fn response_round_trip(request_opcode: u8, code: u8) {
            let response = ControlResponse { request_opcode, result: result_code_from_byte(code) };
            prop_assert_eq!(decode_response(&encode_response(&response)).unwrap(), response);
            prop_assert_eq!(result_code_byte(result_code_from_byte(code)), code);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_request(&bytes);
            let _ = decode_response(&bytes);
        }
    }
}
