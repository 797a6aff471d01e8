//! Damaged, cut and arbitrary input: always a clear error, never a panic.

mod common;

use common::activity;
use proptest::prelude::*;
use retrowalk_formats::fit::{self, crc16, EncodeOptions, FitError};

/// Wraps any body in a valid header and CRC, so the parser itself (not just the CRC
/// check) meets arbitrary message bytes.
fn wrapped(body: &[u8]) -> Vec<u8> {
    let mut f = vec![14u8, 0x20, 0x54, 0x08];
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(b".FIT");
    let h = crc16(&f);
    f.extend_from_slice(&h.to_le_bytes());
    f.extend_from_slice(body);
    let c = crc16(&f);
    f.extend_from_slice(&c.to_le_bytes());
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_flipped_bit_is_detected(a in activity(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = fit::encode(&a, EncodeOptions::default()).unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        // A CRC-16 catches every single-bit error; in the header the size or signature
        // checks may fire first, but the file is never accepted.
        prop_assert!(fit::decode(&bytes).is_err(), "flip at byte {} accepted", i);
    }

    #[test]
    fn every_cut_is_an_error(a in activity(), at in any::<prop::sample::Index>()) {
        let bytes = fit::encode(&a, EncodeOptions::default()).unwrap();
        let n = at.index(bytes.len());
        let err = fit::decode(&bytes[..n]).unwrap_err();
        let truncated = matches!(err, FitError::Truncated { .. });
        prop_assert!(truncated, "cut at {} of {} gave {:?}", n, bytes.len(), err);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = fit::decode(&bytes);
    }

    #[test]
    fn arbitrary_messages_with_valid_crcs_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = fit::decode(&wrapped(&body));
    }

    #[test]
    fn arbitrary_data_after_valid_definitions_never_panics(
        a in activity(),
        tail in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let bytes = fit::encode(&a, EncodeOptions::default()).unwrap();
        let mut body = bytes[14..bytes.len() - 2].to_vec();
        body.extend_from_slice(&tail);
        let _ = fit::decode(&wrapped(&body));
    }
}

#[test]
fn wrong_file_crc_reports_both_values() {
    let mut bytes = fit::encode(&fit::Activity::default(), EncodeOptions::default()).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xFF;
    match fit::decode(&bytes) {
        Err(FitError::FileCrc { found, computed }) => assert_ne!(found, computed),
        other => panic!("expected a file CRC error, got {other:?}"),
    }
}

#[test]
fn wrong_header_crc_is_reported() {
    let mut bytes = fit::encode(&fit::Activity::default(), EncodeOptions::default()).unwrap();
    bytes[12] ^= 0x01;
    assert!(matches!(
        fit::decode(&bytes),
        Err(FitError::HeaderCrc { .. })
    ));
}

#[test]
fn zero_header_crc_means_unchecked() {
    let mut bytes = fit::encode(&fit::Activity::default(), EncodeOptions::default()).unwrap();
    bytes[12] = 0;
    bytes[13] = 0;
    let n = bytes.len();
    let c = crc16(&bytes[..n - 2]);
    bytes[n - 2..].copy_from_slice(&c.to_le_bytes());
    assert!(fit::decode(&bytes).is_ok());
}

#[test]
fn data_before_its_definition_is_an_error() {
    // A data message for local type 3 with nothing defined.
    let err = fit::decode(&wrapped(&[0x03, 1, 2, 3])).unwrap_err();
    assert_eq!(err, FitError::UndefinedLocal { at: 14, local: 3 });
    assert!(err.to_string().contains("never defined"));
}

#[test]
fn not_a_fit_file_says_so() {
    let err = fit::decode(b"<?xml version=\"1.0\"?><TrainingCenterDatabase/>").unwrap_err();
    assert!(matches!(err, FitError::NotFit(_)), "{err:?}");
}

#[test]
fn unknown_messages_and_fields_are_skipped() {
    // Definition of global 0xFF00 (manufacturer-specific) with a uint32 and a 3-byte
    // array, one data message, then a record definition and one record.
    let mut body = vec![0x40, 0, 0, 0x00, 0xFF, 2, 7, 4, 0x86, 8, 3, 0x0D];
    body.extend_from_slice(&[0x00, 1, 2, 3, 4, 5, 6, 7]);
    body.extend_from_slice(&[0x41, 0, 1, 0, 20, 2, 253, 4, 0x86, 5, 4, 0x86]);
    body.extend_from_slice(&[0x01, 0, 0, 0x10, 0, 0, 0, 0x03, 0xE8]);
    let a = fit::decode(&wrapped(&body)).unwrap();
    assert_eq!(a.records.len(), 1);
    assert_eq!(a.records[0].time, 0x1000 + fit::FIT_EPOCH_UNIX);
    assert_eq!(a.records[0].distance_m, Some(10.0));
}

/// A field may claim any base type byte; the ones FIT does not define (0x11–0x1F) read as
/// no value. (This once recursed until the stack overflowed, aborting the process: an
/// uploaded file could take the web server down.)
#[test]
fn undefined_base_types_are_no_value_not_a_crash() {
    for base in 0x11u8..=0x1F {
        // Definition: local 0, little-endian, global 20 (record), fields: timestamp
        // (uint32) and distance, claimed as `base`, 8 bytes.
        let mut body = vec![0x40, 0, 0, 20, 0, 2, 253, 4, 0x86, 5, 8, base];
        body.push(0x00);
        body.extend_from_slice(&1_000_000_000u32.to_le_bytes());
        body.extend_from_slice(&[7u8; 8]);
        let a = fit::decode(&wrapped(&body)).expect("decodes");
        assert_eq!(a.records.len(), 1);
        assert_eq!(a.records[0].distance_m, None, "base {base:#x}");
    }
}
