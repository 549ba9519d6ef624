//! Full validate + repair of ~500-byte 270s (issue goal: ≥ 100,000 documents/s on the 2-core
//! development machine). Baselines in the same run: a byte scan and the bare segment reader.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eligibility_gateway::eligibility::validate::{Options, ReadInquiry, check_on};
use eligibility_gateway::x12::Reader;

/// Valid as is (`LinuxForHealth` demo, 484 bytes).
const VALID: &str = include_str!("../tests/fixtures/x12/LinuxForHealth-x12/demo-single-line.270");
/// Needs its repetition separator standardised (stupidedi, 498 bytes).
const REPAIR: &str =
    include_str!("../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi");

/// A single-claim 276 (`LinuxForHealth`, 569 bytes; a line break after each segment, removed
/// for the `valid` case) and a three-claim one with a service line (stupidedi, 947 bytes, `>`
/// as repetition separator: standardised).
const CLAIM_276: &str = include_str!(
    "../tests/fixtures/claimstatus/LinuxForHealth-x12/information-receiver-level-status.276"
);
const CLAIMS_276: &str =
    include_str!("../tests/fixtures/claimstatus/irobayna-stupidedi/276-claim-request.edi");

/// The 276 next to the 270 in the same run: the same shared checks on the other transaction.
fn claim_status(c: &mut Criterion) {
    use eligibility_gateway::claim_status::validate;
    let valid = CLAIM_276.replace('\n', "");
    let opts = Options::default();
    let mut g = c.benchmark_group("validate_276");
    g.throughput(Throughput::Elements(1));
    for (name, doc) in [
        ("valid", valid.as_str()),
        ("whitespace_repaired", CLAIM_276),
        ("three_claims_delimiters_repaired", CLAIMS_276),
    ] {
        g.bench_function(format!("baseline_scan_{name}"), |b| {
            b.iter(|| black_box(doc).bytes().filter(|&c| c == b'~').count());
        });
        g.bench_function(format!("check_and_repair_{name}"), |b| {
            b.iter(|| {
                let o = validate::check_on(black_box(doc), &opts, "20261123");
                assert!(o.is_valid());
                o.text.len()
            });
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let messy = VALID
        .replace('~', "~\r\n")
        .replacen("SE*13*1234", "SE*12*1234", 1)
        .replacen("NM1*IL", "NM1*il", 1);
    let opts = Options::default();
    let mut g = c.benchmark_group("validate_270");
    for (name, doc) in [
        ("valid", VALID),
        ("delimiters_repaired", REPAIR),
        ("messy_repaired", messy.as_str()),
    ] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("baseline_scan_{name}"), |b| {
            b.iter(|| black_box(doc).bytes().filter(|&c| c == b'~').count());
        });
        g.bench_function(format!("baseline_reader_{name}"), |b| {
            b.iter(|| Reader::new(black_box(doc)).unwrap().flatten().count());
        });
        g.bench_function(format!("check_and_repair_{name}"), |b| {
            b.iter(|| {
                let o = check_on(black_box(doc), &opts, "20261123");
                assert!(o.is_valid());
                o.text.len()
            });
        });
    }
    g.finish();

    // The same work on every core at once: documents per second for the machine, as a server
    // validating concurrent requests sees it (iterations are split evenly across the threads).
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut g = c.benchmark_group(format!("validate_270_on_{cores}_threads"));
    g.throughput(Throughput::Elements(1));
    for (name, doc) in [
        ("valid", VALID),
        ("delimiters_repaired", REPAIR),
        ("messy_repaired", messy.as_str()),
    ] {
        g.bench_function(format!("check_and_repair_{name}"), |b| {
            b.iter_custom(|iters| {
                let per = iters.div_ceil(cores as u64);
                let start = std::time::Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..cores {
                        s.spawn(|| {
                            for _ in 0..per {
                                black_box(check_on(black_box(doc), &opts, "20261123").errors.len());
                            }
                        });
                    }
                });
                start.elapsed()
            });
        });
    }
    g.finish();
}

/// The account rules on top of validation, side by side: the 270's payer ID is an alias and its
/// provider has no NPI, so both NM1s are rewritten (the worst case).
fn value_add(c: &mut Criterion) {
    use eligibility_gateway::config::AccountSettings;
    use eligibility_gateway::eligibility::inquiry;
    use eligibility_gateway::eligibility::value_add::AccountRules;
    let settings: AccountSettings = serde_json::from_value(serde_json::json!({
        "payer_aliases": [{"alias": "842610001", "payer_id": "87726", "from": "2020-01-01"}],
        "npi_rules": [{"npi": "1234567893"}, {"npi": "1111111112", "payer_id": "87726"}]
    }))
    .unwrap();
    let rules = AccountRules::compile("bench", &settings).unwrap();
    let opts = Options::default();
    let mut g = c.benchmark_group("value_add_270");
    g.throughput(Throughput::Elements(1));
    g.bench_function("check_and_repair_valid_and_read", |b| {
        b.iter(|| {
            let o = check_on(black_box(VALID), &opts, "20261123");
            o.text.len() + o.inquiry().payer_id().map_or(0, str::len)
        });
    });
    g.bench_function("check_and_repair_valid_then_alias_and_npi", |b| {
        b.iter(|| {
            let o = check_on(black_box(VALID), &opts, "20261123");
            let mut q = o.inquiry();
            let added = rules.apply(&o.text, &mut q, "20261123");
            added.expect("both rules apply").x12.len() + q.payer_id().map_or(0, str::len)
        });
    });
    let valid = check_on(VALID, &opts, "20261123").text.into_owned();
    g.bench_function("inquiry_read", |b| {
        b.iter(|| inquiry::read(black_box(&valid)).payer_id().map(str::len));
    });
    g.bench_function("inquiry_read_then_alias_and_npi", |b| {
        b.iter(|| {
            let text = black_box(valid.as_str());
            rules
                .apply(text, &mut inquiry::read(text), "20261123")
                .map(|a| a.x12.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench, claim_status, value_add);
criterion_main!(benches);
