//! The FIT CRC: CRC-16 with the reflected polynomial 0xA001 and a zero start (the FIT
//! SDK computes it four bits at a time; this is the same function, eight bytes at a time).

const POLY: u16 = 0xA001;

const fn byte_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u16;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// `TABLES[k][b]` is the CRC of byte `b` followed by `k` zero bytes, so eight input bytes
/// fold in with eight independent lookups instead of a chain of eight.
const fn slice_tables() -> [[u16; 256]; 8] {
    let base = byte_table();
    let mut t = [[0u16; 256]; 8];
    t[0] = base;
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ base[(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u16; 256]; 8] = slice_tables();

/// Continues a CRC over `data`.
pub fn update(mut crc: u16, data: &[u8]) -> u16 {
    let t = &TABLES;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = crc ^ u16::from_le_bytes([c[0], c[1]]);
        crc = t[7][(lo & 0xFF) as usize]
            ^ t[6][(lo >> 8) as usize]
            ^ t[5][c[2] as usize]
            ^ t[4][c[3] as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ b as u16) & 0xFF) as usize];
    }
    crc
}

/// The CRC of `data` from a zero start.
pub fn crc16(data: &[u8]) -> u16 {
    update(0, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The FIT SDK's own formulation: a 16-entry table, one nibble at a time.
    fn nibble_reference(data: &[u8]) -> u16 {
        const T: [u16; 16] = [
            0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401, 0xA001, 0x6C00, 0x7800,
            0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
        ];
        let mut crc = 0u16;
        for &b in data {
            let tmp = T[(crc & 0xF) as usize];
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ T[(b & 0xF) as usize];
            let tmp = T[(crc & 0xF) as usize];
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ T[((b >> 4) & 0xF) as usize];
        }
        crc
    }

    #[test]
    fn known_check_value() {
        // CRC-16/ARC's published check value for "123456789".
        assert_eq!(crc16(b"123456789"), 0xBB3D);
    }

    proptest! {
        #[test]
        fn equals_the_sdk_nibble_algorithm(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(crc16(&data), nibble_reference(&data));
        }

        #[test]
        fn is_incremental(data in proptest::collection::vec(any::<u8>(), 0..100), cut in 0usize..100) {
            let cut = cut.min(data.len());
            prop_assert_eq!(update(crc16(&data[..cut]), &data[cut..]), crc16(&data));
        }
    }
}
