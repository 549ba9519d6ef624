//! No mutation of a valid 277 panics the claim status mapper, and whatever it maps serialises.
//! The mutations are the 271 property's (`map271_props.rs`), applied to the 277 fixtures.

use eligibility_gateway::claim_status::map277::{Context, map, map_all};
use proptest::prelude::*;

use crate::fixtures277::ALL;
use crate::map271_props::{apply, mutation};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_277s_never_panic_and_always_serialise(
        which in any::<usize>(),
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut doc = ALL[which % ALL.len()].x12.to_owned();
        for m in &muts {
            doc = apply(&doc, m);
        }
        if let Ok(all) = map_all(&doc, &Context::default()) {
            prop_assert!(!all.is_empty());
            for r in &all {
                prop_assert!(serde_json::to_string(r).is_ok());
            }
        }
        let traced = Context { traces: vec!["8890123".into()], ..Context::default() };
        if let Ok(r) = map(&doc, &traced) {
            prop_assert!(serde_json::to_string(&r).is_ok());
        }
    }

    #[test]
    fn arbitrary_text_after_a_277_header_never_panics(tail in "[ -~\r\n]{0,400}") {
        let head = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~GS*HN*A*B*20240101*1200*1*X*005010X212~ST*277*0001*005010X212~";
        let doc = format!("{head}{tail}");
        if let Ok(all) = map_all(&doc, &Context::default()) {
            for r in &all {
                prop_assert!(serde_json::to_string(r).is_ok());
            }
        }
    }
}
