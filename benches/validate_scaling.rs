//! Validation time against input size, 1 KB … 1 MiB, valid and hostile (issue 18): the cost must
//! be linear, the time per byte at 1 MiB within 2x of the time per byte at 10 KB. Criterion's
//! throughput column (bytes/s) is the per-byte figure; the README holds the table.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use eligibility_gateway::eligibility::validate::{Options, check_on};

const ISA: &str = "ISA*03*9876543210*01*9876543210*30*000000005      *30*12345          *131031*1147*^*00501*000000907*1*T*:~GS*HS*000000005*54321*20131031*1147*1*X*005010X279A1~";
const HEAD: &str = "ST*270*1234*005010X279A1~BHT*0022*13*10001234*20060501*1319~HL*1**20*1~NM1*PR*2*ABC COMPANY*****PI*842610001~HL*2*1*21*1~NM1*1P*2*BONE AND JOINT CLINIC*****SV*2000035~";
const SUBSCRIBER: &str = "HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*SMITH*ROBERT****MI*11122333301~DMG*D8*19430519~DTP*291*D8*20060501~EQ*30~";
const TAIL: &str = "SE*13*1234~GE*1*1~IEA*1*000000907~";

/// A valid batch 270 of about `size` bytes: subscriber loops with wide (maximum-length) names,
/// addresses and traces, so 1 MiB stays under the segment limit.
fn valid(size: usize) -> String {
    use std::fmt::Write as _;
    let (trace, last, first, middle) = (
        "T".repeat(50),
        "S".repeat(60),
        "R".repeat(35),
        "M".repeat(25),
    );
    let (street, city) = ("1".repeat(55), "C".repeat(30));
    let mut body = String::with_capacity(size + 1024);
    let mut n = 3u32;
    // ST, BHT, two HL/NM1 pairs and SE, then nine per subscriber.
    let mut segments = 7u32;
    while ISA.len() + HEAD.len() + body.len() + 700 < size || n == 3 {
        write!(
            body,
            "HL*{n}*2*22*0~TRN*1*{trace}*9877281234*{trace}~NM1*IL*1*{last}*{first}*{middle}**JR*MI*{n:0>80}~N3*{street}*{street}~N4*{city}*NY*{n:0>9}~DMG*D8*19430519~DTP*291*D8*20060501~EQ*30~"
        )
        .unwrap();
        n += 1;
        segments += 9;
    }
    format!("{ISA}{HEAD}{body}SE*{segments}*1234~GE*1*1~IEA*1*000000907~")
}

/// The first input: a valid 270 with `~~~…` (empty segments) filling it to `size`.
fn empty_segments(size: usize) -> String {
    let base = format!("{ISA}{HEAD}{SUBSCRIBER}");
    let fill = size.saturating_sub(base.len() + TAIL.len()).max(1);
    format!("{base}{}{TAIL}", "~".repeat(fill))
}

/// The second input: unknown `X` segments.
fn unknown_segments(size: usize) -> String {
    let base = format!("{ISA}{HEAD}{SUBSCRIBER}");
    let fill = size.saturating_sub(base.len() + TAIL.len()).max(2) / 2;
    format!("{base}{}{TAIL}", "X~".repeat(fill))
}

/// Every element of many subscriber segments wrong: many problems per segment, each in its own loop.
fn many_problems(size: usize) -> String {
    let base = format!("{ISA}{HEAD}");
    let bad = "HL*3*9*99*7~NM1*IL*9*S*R****ZZ*1~DMG*D9*19431399~EQ*ZZ~";
    let count = size.saturating_sub(base.len() + TAIL.len()).max(bad.len()) / bad.len();
    format!("{base}{}{TAIL}", bad.repeat(count))
}

/// Makes an input of about the given size.
type Make = fn(usize) -> String;

fn bench(c: &mut Criterion) {
    let batch = Options {
        repairs: true,
        real_time: false,
    };
    let sizes = [1 << 10, 10 << 10, 100 << 10, 1 << 20];
    let kinds: [(&str, Make); 4] = [
        ("valid", valid),
        ("empty_segments", empty_segments),
        ("unknown_segments", unknown_segments),
        ("many_problems", many_problems),
    ];
    for (name, make) in kinds {
        let mut g = c.benchmark_group(format!("validate_scaling_{name}"));
        g.sample_size(10);
        for size in sizes {
            let doc = make(size);
            if name == "valid" {
                let o = check_on(&doc, &batch, "20261123");
                assert!(o.is_valid(), "{:?}", o.errors.first());
            }
            g.throughput(Throughput::Bytes(doc.len() as u64));
            g.bench_with_input(BenchmarkId::from_parameter(size), &doc, |b, doc| {
                b.iter(|| check_on(black_box(doc), &batch, "20261123").errors.len());
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
