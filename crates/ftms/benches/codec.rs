//! Treadmill Data decoding throughput, in records per second: a real 24-byte Life Fitness
//! notification (vector 2 of ftms-notes.md), the largest legal record (34 bytes, every
//! field), and that record split at the default 20-byte ATT payload and reassembled.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use retrowalk_ftms::codec::{
    decode_treadmill_data, decode_treadmill_data_strict, encode_treadmill_data_split,
    TreadmillDataAssembler,
};

const LIFE_FITNESS: [u8; 24] = [
    0x9E, 0x04, 0x73, 0x02, 0x33, 0x02, 0x25, 0x00, 0x00, 0x3C, 0x00, 0xFF, 0x7F, 0x00, 0x00, 0xFF,
    0x7F, 0x02, 0x00, 0xFF, 0xFF, 0xFF, 0x1F, 0x00,
];

const EVERY_FIELD: [u8; 34] = [
    0xFE, 0x1F, 0xF4, 0x01, 0xC2, 0x01, 0x10, 0x27, 0x00, 0x32, 0x00, 0x1E, 0x00, 0x64, 0x00, 0x0A,
    0x00, 0x0C, 0x0B, 0x2C, 0x01, 0x58, 0x02, 0x05, 0x78, 0x23, 0x3C, 0x00, 0x2C, 0x01, 0xC8, 0x00,
    0x96, 0x00,
];

fn treadmill_data(c: &mut Criterion) {
    let mut g = c.benchmark_group("treadmill_data_decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("life_fitness_24_bytes", |b| {
        b.iter(|| decode_treadmill_data(black_box(&LIFE_FITNESS)))
    });
    g.bench_function("every_field_34_bytes", |b| {
        b.iter(|| decode_treadmill_data_strict(black_box(&EVERY_FIELD)))
    });
    let record = decode_treadmill_data_strict(&EVERY_FIELD).unwrap_or_default();
    let parts = encode_treadmill_data_split(&record, 20).unwrap_or_default();
    g.bench_function("every_field_split_20_assembled", |b| {
        let mut assembler = TreadmillDataAssembler::new();
        b.iter(|| {
            let mut out = None;
            for part in &parts {
                if let Ok(Some(r)) = assembler.push(black_box(part)) {
                    out = Some(r);
                }
            }
            out
        })
    });
    g.finish();
}

criterion_group!(benches, treadmill_data);
criterion_main!(benches);
