//! Parser and mapper throughput over public fixtures. Figures are reported as ratios in the
//! closing notes; a baseline (a plain byte scan of the same input) runs in the same process.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eligibility_gateway::eligibility::{inquiry, map271};
use eligibility_gateway::x12::Reader;

const REQUEST_270: &str =
    include_str!("../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi");
const RESPONSE_271: &str =
    include_str!("../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check.271");

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("x12");
    for (name, doc) in [("270", REQUEST_270), ("271", RESPONSE_271)] {
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.bench_function(format!("baseline_count_terminators_{name}"), |b| {
            b.iter(|| black_box(doc).bytes().filter(|&c| c == b'~').count());
        });
        g.bench_function(format!("read_segments_{name}"), |b| {
            b.iter(|| Reader::new(black_box(doc)).unwrap().flatten().count());
        });
    }
    g.throughput(Throughput::Bytes(REQUEST_270.len() as u64));
    g.bench_function("read_inquiry_270", |b| {
        b.iter(|| {
            inquiry::read(black_box(REQUEST_270))
                .payer_id()
                .map(str::len)
        });
    });
    g.throughput(Throughput::Bytes(RESPONSE_271.len() as u64));
    g.bench_function("map_271_to_json", |b| {
        b.iter(|| {
            serde_json::to_string(
                &map271::map(black_box(RESPONSE_271), &map271::Context::default()).unwrap(),
            )
            .unwrap()
            .len()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
