//! 271 → JSON throughput on the anchor's published 4.5 KB commercial 271 (120 segments), in
//! documents per second. Baselines run in the same process so figures read as ratios: a byte scan
//! counting terminators (the floor for touching every byte) and `serde_json` parsing the anchor's
//! published JSON for the same 271 (a document of the size we write). Targets on the 2-core
//! machine: parse ≥ 36,000 documents/s, 271 → JSON string ≥ 15,000 documents/s.
//! The `map277_largest` group measures 277 → JSON the same way on the largest 277 fixture (the
//! TR3's claim-level scenario, 1 KB, three patients), in the same run.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eligibility_gateway::claim_status::map277;
use eligibility_gateway::eligibility::map271;
use eligibility_gateway::x12::Reader;

const ANCHOR_271: &str =
    include_str!("../tests/fixtures/anchor/stedi-2024-rawx12-acme-janedoe.response.271.x12");
const ANCHOR_JSON: &str =
    include_str!("../tests/fixtures/anchor/stedi-2024-rawx12-acme-janedoe.response.200.json");

fn bench(c: &mut Criterion) {
    let ctx = map271::Context::default();
    let mut g = c.benchmark_group("map271_anchor");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_count_terminators", |b| {
        b.iter(|| black_box(ANCHOR_271).bytes().filter(|&c| c == b'~').count());
    });
    g.bench_function("baseline_serde_json_value_of_published_json", |b| {
        b.iter(|| {
            serde_json::from_str::<serde_json::Value>(black_box(ANCHOR_JSON))
                .unwrap()
                .as_object()
                .map(serde_json::Map::len)
        });
    });
    g.bench_function("parse_all_segments", |b| {
        b.iter(|| {
            Reader::new(black_box(ANCHOR_271))
                .unwrap()
                .flatten()
                .count()
        });
    });
    g.bench_function("map_271", |b| {
        b.iter(|| {
            map271::map(black_box(ANCHOR_271), &ctx)
                .unwrap()
                .benefits_information
                .len()
        });
    });
    g.bench_function("map_271_to_json_string", |b| {
        b.iter(|| {
            serde_json::to_string(&map271::map(black_box(ANCHOR_271), &ctx).unwrap())
                .unwrap()
                .len()
        });
    });
    // What the HTTP handler does: the same JSON bytes, written by sonic-rs into a buffer sized
    // up front (the serde_json line above is the baseline for it).
    g.bench_function("map_271_to_json_bytes", |b| {
        b.iter(|| {
            map271::map(black_box(ANCHOR_271), &ctx)
                .unwrap()
                .to_json()
                .unwrap()
                .len()
        });
    });
    g.finish();
}

const LARGEST_277: &str =
    include_str!("../tests/fixtures/claimstatus/LinuxForHealth-x12/claim-level-status.277");

fn bench_277(c: &mut Criterion) {
    let ctx = map277::Context::default();
    let mut g = c.benchmark_group("map277_largest");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_all_segments", |b| {
        b.iter(|| {
            Reader::new(black_box(LARGEST_277))
                .unwrap()
                .flatten()
                .count()
        });
    });
    g.bench_function("map_277_all_patients", |b| {
        b.iter(|| map277::map_all(black_box(LARGEST_277), &ctx).unwrap().len());
    });
    g.bench_function("map_277_to_json_bytes", |b| {
        b.iter(|| {
            map277::map_all(black_box(LARGEST_277), &ctx)
                .unwrap()
                .iter()
                .map(|r| r.to_json().unwrap().len())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group!(benches, bench, bench_277);
criterion_main!(benches);
