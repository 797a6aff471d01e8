//! FIT encode → decode round trips over generated activities, in both byte orders and
//! with compressed timestamps; every value must come back within the FIT scale.

mod common;

use common::{activity, assert_same};
use proptest::prelude::*;
use retrowalk_formats::fit::{self, EncodeOptions};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_value_round_trips(a in activity(), big_endian: bool, compressed: bool) {
        let opts = EncodeOptions { big_endian, compressed_timestamps: compressed };
        let bytes = fit::encode(&a, opts).unwrap();
        let back = fit::decode(&bytes).unwrap();
        assert_same(&a, &back)?;
    }

    #[test]
    fn chained_files_decode_as_one_activity(a in activity()) {
        let one = fit::encode(&a, EncodeOptions::default()).unwrap();
        let mut two = one.clone();
        two.extend_from_slice(&one);
        let back = fit::decode(&two).unwrap();
        prop_assert_eq!(back.records.len(), 2 * a.records.len());
        prop_assert_eq!(back.sessions_seen, 2);
    }
}
