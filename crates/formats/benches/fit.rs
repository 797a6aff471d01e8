//! FIT encode and decode throughput on a 10-hour walk at 1 Hz (36 000 records), CRCs
//! computed and checked. Run: `cargo bench -p retrowalk-formats --bench fit`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use retrowalk_formats::fit::{self, synthetic, Activity, Decoder, EncodeOptions};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let walk = synthetic::treadmill_walk(1_700_000_000, 10 * 3600, 240);
    let bytes = fit::encode(&walk, EncodeOptions::default()).expect("encodes");
    let mut g = c.benchmark_group("fit_10h_1hz");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = Vec::new();
    g.bench_function("encode", |b| {
        b.iter(|| {
            fit::encode_into(black_box(&walk), EncodeOptions::default(), &mut buf)
                .expect("encodes");
            black_box(buf.len())
        })
    });
    let mut decoder = Decoder::new();
    let mut out = Activity::default();
    g.bench_function("decode", |b| {
        b.iter(|| {
            decoder
                .decode_into(black_box(&bytes), &mut out)
                .expect("decodes");
            black_box(out.records.len())
        })
    });
    g.bench_function("crc_only", |b| {
        b.iter(|| black_box(fit::crc16(black_box(&bytes))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
