//! Every decoder on arbitrary bytes: none may panic, and whatever decodes cleanly must
//! survive an encode/decode round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retrowalk_ftms::codec::*;

fuzz_target!(|data: &[u8]| {
    let _ = FitnessMachineFeature::decode(data);
    let _ = TrainingStatus::decode(data);
    let _ = decode_speed_range(data);
    let _ = decode_inclination_range(data);
    let _ = decode_machine_status(data);
    let _ = decode_response(data);
    let _ = decode_heart_rate(data);
    let _ = decode_treadmill_data(data);

    if let Ok(record) = decode_treadmill_data_strict(data) {
        let bytes = encode_treadmill_data(&record).expect("a decoded record re-encodes");
        let again = decode_treadmill_data_strict(&bytes).expect("re-encoded record decodes");
        assert_eq!(again, record);
    }
    if let Ok(request) = decode_request(data) {
        let bytes = encode_request(&request).expect("a decoded request re-encodes");
        assert_eq!(bytes, data);
    }

    // The same bytes as a stream of notifications, cut where the first byte says.
    let mut assembler = TreadmillDataAssembler::new();
    let cut = usize::from(data.first().copied().unwrap_or(1)).max(1);
    for part in data.chunks(cut) {
        let _ = assembler.push(part);
    }
    let _ = assembler.flush();
});
