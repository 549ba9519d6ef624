//! No mutation of a valid 271 panics the mapper, and whatever it maps serialises.

use eligibility_gateway::eligibility::map271::{Context, map, map_all};
use proptest::prelude::*;

use crate::fixtures271::ALL;

/// The fixtures small enough to mutate many times (all but the 76 KB batch).
fn documents() -> Vec<&'static str> {
    ALL.iter()
        .map(|f| f.x12)
        .filter(|x| x.len() < 10_000)
        .collect()
}

/// Segment boundaries of `doc`: the byte after each terminator (`~`; the fixtures all use it).
pub(crate) fn split(doc: &str) -> Vec<&str> {
    doc.split_inclusive('~').collect()
}

#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Truncate(usize),
    Flip(usize, u8),
    Element(usize, usize, String),
}

pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0x01u8..0x7f).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (any::<usize>(), 0usize..12, "[ -~]{0,12}")
            .prop_map(|(s, e, v)| Mutation::Element(s, e, v)),
    ]
}

pub(crate) fn apply(doc: &str, mutation: &Mutation) -> String {
    let mut segs: Vec<String> = split(doc).into_iter().map(str::to_owned).collect();
    if segs.is_empty() {
        return String::new();
    }
    let count = segs.len();
    match mutation {
        Mutation::Delete(i) => {
            segs.remove(i % count);
        }
        Mutation::Duplicate(i) => {
            let s = segs[i % count].clone();
            segs.insert(i % count, s);
        }
        Mutation::Swap(a, b) => segs.swap(a % count, b % count),
        Mutation::Truncate(at) => {
            let joined = segs.concat();
            let mut cut = at % (joined.len() + 1);
            while !joined.is_char_boundary(cut) {
                cut -= 1;
            }
            return joined[..cut].to_owned();
        }
        Mutation::Flip(at, b) => {
            let mut bytes = segs.concat().into_bytes();
            let len = bytes.len();
            if let Some(x) = bytes.get_mut(at % len)
                && x.is_ascii()
            {
                *x = *b;
            }
            return String::from_utf8(bytes).unwrap();
        }
        Mutation::Element(segment, element, value) => {
            let seg = &mut segs[segment % count];
            let mut parts: Vec<String> = seg.split('*').map(str::to_owned).collect();
            let len = parts.len();
            parts[element % len].clone_from(value);
            *seg = parts.join("*");
        }
    }
    segs.concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_271s_never_panic_and_always_serialise(
        which in any::<usize>(),
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        let docs = documents();
        let mut doc = docs[which % docs.len()].to_owned();
        for m in &muts {
            doc = apply(&doc, m);
        }
        if let Ok(all) = map_all(&doc, &Context::default()) {
            prop_assert!(!all.is_empty());
            for r in &all {
                prop_assert!(serde_json::to_string(r).is_ok());
            }
        }
        let traced = Context { traces: vec!["TRACE0004".into()], ..Context::default() };
        if let Ok(r) = map(&doc, &traced) {
            prop_assert!(serde_json::to_string(&r).is_ok());
        }
    }

    #[test]
    fn arbitrary_text_after_an_isa_never_panics(tail in "[ -~\r\n]{0,400}") {
        let isa = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~";
        let doc = format!("{isa}{tail}");
        if let Ok(all) = map_all(&doc, &Context::default()) {
            for r in &all {
                prop_assert!(serde_json::to_string(r).is_ok());
            }
        }
    }
}
