//! The 276 validator against every public 276 sample, a table of hand-made mutations (one or more
//! per rule, each with the exact place it must be reported), the repairs, the refusal of a 270
//! (and of a 276 by the 270 validator), and properties.
#![allow(
    clippy::too_many_arguments,
    clippy::too_many_lines,
    clippy::format_push_string
)]

use super::*;
use crate::eligibility::validate as eligibility;
use crate::x12::check::table::{Row, assert_placed, codes, row, summary};

const TODAY: &str = "20261123";

/// A single-claim 276 (`LinuxForHealth` information-receiver-level-status.276, public fixture,
/// byte-exact); it has a line break after each segment, which `base()` removes.
const LFH_SINGLE: &str = include_str!(
    "../../../tests/fixtures/claimstatus/LinuxForHealth-x12/information-receiver-level-status.276"
);
/// A valid 270, for the refusals.
const A_270: &str =
    include_str!("../../../tests/fixtures/x12/LinuxForHealth-x12/demo-single-line.270");

/// The single-claim 276 on one line: segment positions ST = 1 … SE = 17.
fn base() -> String {
    LFH_SINGLE.replace('\n', "")
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/claimstatus/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn run(text: &str) -> Outcome<'_> {
    check_on(text, &Options::default(), TODAY)
}

#[test]
fn the_base_request_is_valid_as_is() {
    let text = base();
    let o = run(&text);
    assert!(o.is_valid(), "{}", summary(&o));
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    assert!(!o.repaired());
}

#[test]
fn every_public_276_is_valid_or_repaired_with_the_expected_warnings() {
    // (fixture, the repairs it needs)
    let cases = [
        // LinuxForHealth's files put a line break after each segment terminator.
        (
            "LinuxForHealth-x12/claim-level-status-ncpdp.276",
            &["request::276::whitespace_removed"][..],
        ),
        (
            "LinuxForHealth-x12/claim-level-status.276",
            &["request::276::whitespace_removed"],
        ),
        // Three claims (two subscribers, one dependent with a service line) under two providers.
        (
            "LinuxForHealth-x12/demo.276",
            &["request::276::whitespace_removed"],
        ),
        (
            "LinuxForHealth-x12/information-receiver-level-status.276",
            &["request::276::whitespace_removed"],
        ),
        (
            "LinuxForHealth-x12/provider-level-status.276",
            &["request::276::whitespace_removed"],
        ),
        // stupidedi's files use `>` as repetition separator (ISA11).
        (
            "irobayna-stupidedi/276-claim-ncpdp-request.edi",
            &["request::276::delimiters_standardised"],
        ),
        (
            "irobayna-stupidedi/276-claim-request.edi",
            &["request::276::delimiters_standardised"],
        ),
        (
            "irobayna-stupidedi/276-info-receiver-request.edi",
            &["request::276::delimiters_standardised"],
        ),
        (
            "irobayna-stupidedi/276-provider-request.edi",
            &["request::276::delimiters_standardised"],
        ),
    ];
    for (path, repairs) in cases {
        let text = fixture(path);
        let o = run(&text);
        assert!(o.is_valid(), "{path}:\n{}", summary(&o));
        assert_eq!(codes(&o), repairs, "{path}");
        let again = run(&o.text);
        assert!(again.is_valid() && again.warnings.is_empty(), "{path}");
        assert_eq!(again.text.as_ref(), o.text.as_ref(), "{path}: a fixpoint");
    }
}

#[test]
fn the_ig_scenario_with_its_prose_is_refused_and_its_x12_alone_is_valid() {
    // stupidedi transcribed the TR3 page: 414 bytes of prose before the ISA. That is not an
    // interchange (the reader refuses it at byte 0); the X12 after the prose is a valid 276 whose
    // ISA02/ISA04/ISA06/ISA08 hold the TR3's "." placeholders (allowed characters).
    let text = fixture("irobayna-stupidedi/276-case-1-with-IG-prose.edi");
    let o = run(&text);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    assert_eq!(o.errors[0].rule, "isa_missing");
    assert_eq!(o.errors[0].byte_offset, Some(0));
    let x12 = &text[text.find("ISA*").unwrap()..];
    let o = run(x12);
    assert!(o.is_valid(), "{}", summary(&o));
    // CRLF after each segment.
    assert_eq!(codes(&o), ["request::276::whitespace_removed"]);
}

const CLAIM: &str =
    "TRN*1*ABCXYZ1~REF*BLT*111~REF*EJ*SM123456~AMT*T3*8513.88~DTP*472*RD8*20050831-20050906~";
const CLAIM_DTP: &str = "DTP*472*RD8*20050831-20050906~";
const SUBSCRIBER: &str = "HL*4*3*22*0~DMG*D8*19301210*M~NM1*IL*1*SMITH*FRED****MI*123456789A~";
const DEPENDENT: &str = "HL*5*4*23~DMG*D8*19951101*M~NM1*QC*1*MANN*JOSEPH~";

#[rustfmt::skip]
fn mutations() -> Vec<Row> {
    let line = |svc: &str| format!("{CLAIM_DTP}{svc}");
    let sub_claim = format!("{SUBSCRIBER}{CLAIM}");
    let sub_claim_static: &'static str = Box::leak(sub_claim.clone().into_boxed_str());
    vec![
        row("ST01 not 276", "ST*276*0001", "ST*277*0001", "invalid_code", "Transaction set header", 1, 1, 0),
        row("ST03 not X212", "*0001*005010X212~BHT", "*0001*005010X214~BHT", "invalid_code", "Transaction set header", 1, 3, 0),
        row("GS01 not HR", "GS*HR*", "GS*HN*", "invalid_code", "Functional group", 2, 1, 0),
        row("GS08 not X212", "*X*005010X212~ST", "*X*005010X214~ST", "invalid_code", "Functional group", 2, 8, 0),
        row("GS04 impossible date", "*20131031*1147*1*X", "*20131331*1147*1*X", "invalid_date", "Functional group", 2, 4, 0),
        row("BHT01 not 0010", "BHT*0010", "BHT*0022", "invalid_code", "Transaction set header", 2, 1, 0),
        row("BHT02 not 13", "BHT*0010*13", "BHT*0010*08", "invalid_code", "Transaction set header", 2, 2, 0),
        row("BHT03 (the 277's correlation key) missing", "*13*ABC276XXX*", "*13**", "element_missing", "Transaction set header", 2, 3, 0),
        row("BHT04 impossible date", "*20050915*1425", "*20050935*1425", "invalid_date", "Transaction set header", 2, 4, 0),
        row("BHT06 not used", "*20050915*1425~", "*20050915*1425*RT~", "element_not_used", "Transaction set header", 2, 6, 0),
        row("2000A HL02 not used", "HL*1**20*1", "HL*1*1*20*1", "element_not_used", "Loop 2000A", 3, 2, 0),
        row("2000A HL04 not 1", "HL*1**20*1", "HL*1**20*0", "invalid_code", "Loop 2000A", 3, 4, 0),
        row("2100A NM101 not PR", "NM1*PR*2", "NM1*2B*2", "invalid_code", "Loop 2100A", 4, 1, 0),
        row("2100A NM102 not 2", "NM1*PR*2", "NM1*PR*1", "invalid_code", "Loop 2100A", 4, 2, 0),
        row("2100A NM104 not used", "NM1*PR*2*ABC INSURANCE*", "NM1*PR*2*ABC INSURANCE*X", "element_not_used", "Loop 2100A", 4, 4, 0),
        row("2100A NM108 not PI/XV", "*****PI*12345", "*****XX*12345", "invalid_code", "Loop 2100A", 4, 8, 0),
        row("payer ID (2100A NM109) missing", "*****PI*12345~", "*****PI~", "element_missing", "Loop 2100A", 4, 9, 0),
        row("2100B NM101 not 41", "NM1*41*2", "NM1*40*2", "invalid_code", "Loop 2100B", 6, 1, 0),
        row("2100B NM108 not 46 (ETIN)", "*****46*X67E", "*****XX*X67E", "invalid_code", "Loop 2100B", 6, 8, 0),
        row("2000C HL03 unknown level", "HL*3*2*19*1", "HL*3*2*18*1", "invalid_code", "Loop 2000C", 7, 3, 0),
        row("2100C NM101 not 1P", "NM1*1P*2", "NM1*PE*2", "invalid_code", "Loop 2100C", 8, 1, 0),
        row("2100C NM108 not FI/SV/XX", "*****XX*1666666661", "*****PI*1666666661", "invalid_code", "Loop 2100C", 8, 8, 0),
        row("HL01 out of sequence (its child then names no HL: renumbering would be a guess)", "HL*3*2*19*1", "HL*7*2*19*1", "hl_sequence", "Loop 2000C", 7, 1, 0),
        row("HL02 points to the wrong level", "HL*4*3*22*0", "HL*4*2*22*0", "hl_parent", "Loop 2000D", 9, 2, 0),
        row("HL04 says children, none follow", "HL*4*3*22*0", "HL*4*3*22*1", "hl_child_code", "Loop 2000D", 9, 4, 0),
        row("DMG01 not D8", "DMG*D8*19301210", "DMG*D9*19301210", "invalid_code", "Loop 2000D", 10, 1, 0),
        row("DMG02 date that does not exist", "DMG*D8*19301210", "DMG*D8*19300230", "invalid_date", "Loop 2000D", 10, 2, 0),
        row("DMG02 in the future", "DMG*D8*19301210", "DMG*D8*20991231", "date_in_future", "Loop 2000D", 10, 2, 0),
        row("DMG04 not used", "DMG*D8*19301210*M~", "DMG*D8*19301210*M*M~", "element_not_used", "Loop 2000D", 10, 4, 0),
        row("DMG after the NM1", "DMG*D8*19301210*M~NM1*IL*1*SMITH*FRED****MI*123456789A~", "NM1*IL*1*SMITH*FRED****MI*123456789A~DMG*D8*19301210*M~", "segment_out_of_order", "Loop 2100D", 11, 0, 0),
        row("2100D NM101 not IL", "NM1*IL*1", "NM1*QC*1", "invalid_code", "Loop 2100D", 11, 1, 0),
        row("2100D NM103 (last name) missing", "NM1*IL*1*SMITH*", "NM1*IL*1**", "element_missing", "Loop 2100D", 11, 3, 0),
        row("2100D NM108 not 24/II/MI", "****MI*123456789A", "****SY*123456789A", "invalid_code", "Loop 2100D", 11, 8, 0),
        row("member ID missing", "NM1*IL*1*SMITH*FRED****MI*123456789A~", "NM1*IL*1*SMITH*FRED~", "element_missing", "Loop 2100D", 11, 8, 0),
        row("NM108 without NM109", "****MI*123456789A~", "****MI~", "paired_elements", "Loop 2100D", 11, 9, 0),
        row("TRN01 not 1", "TRN*1*ABCXYZ1", "TRN*2*ABCXYZ1", "invalid_code", "Loop 2200D", 12, 1, 0),
        row("TRN02 (trace number) missing", "TRN*1*ABCXYZ1~", "TRN*1~", "element_missing", "Loop 2200D", 12, 2, 0),
        row("TRN03 not used", "TRN*1*ABCXYZ1~", "TRN*1*ABCXYZ1*1234567890~", "element_not_used", "Loop 2200D", 12, 3, 0),
        row("trace number of an earlier claim", CLAIM_DTP, &format!("{CLAIM_DTP}TRN*1*ABCXYZ1~"), "duplicate_trace", "Loop 2200D", 17, 2, 0),
        row("2200D REF01 not a claim qualifier", "REF*BLT*111", "REF*SY*111", "invalid_code", "Loop 2200D", 13, 1, 0),
        row("REF qualifier twice in one claim", "REF*EJ*SM123456", "REF*BLT*SM123456", "duplicate_qualifier", "Loop 2200D", 14, 1, 0),
        row("REF03 not used", "REF*BLT*111~", "REF*BLT*111*X~", "element_not_used", "Loop 2200D", 13, 3, 0),
        row("AMT01 not T3", "AMT*T3", "AMT*R", "invalid_code", "Loop 2200D", 15, 1, 0),
        row("AMT02 not a decimal", "AMT*T3*8513.88", "AMT*T3*85X3.88", "invalid_character", "Loop 2200D", 15, 2, 0),
        row("AMT twice", "AMT*T3*8513.88~", "AMT*T3*8513.88~AMT*T3*1~", "segment_over_max_use", "Loop 2200D", 16, 0, 0),
        row("DTP01 not 472", "DTP*472*RD8", "DTP*291*RD8", "invalid_code", "Loop 2200D", 16, 1, 0),
        row("RD8 range reversed", "RD8*20050831-20050906", "RD8*20051031-20050906", "date_range_order", "Loop 2200D", 16, 3, 0),
        row("D8 date that does not exist", CLAIM_DTP, "DTP*472*D8*20050231~", "invalid_date", "Loop 2200D", 16, 3, 0),
        row("service date in the future", CLAIM_DTP, "DTP*472*D8*20991231~", "date_in_future", "Loop 2200D", 16, 3, 0),
        row("REF before the TRN", "TRN*1*ABCXYZ1~REF*BLT*111~", "REF*BLT*111~TRN*1*ABCXYZ1~", "unexpected_segment", "Loop 2100D", 12, 0, 0),
        row("no claim for the patient", CLAIM, "", "loop_missing", "Loop 2200D", 9, 0, 0),
        row("SVC01-1 not a product qualifier", CLAIM_DTP, &line("SVC*XX:99203*150~DTP*472*D8*20050501~"), "invalid_code", "Loop 2210D", 17, 1, 1),
        row("SVC02 (line charge) missing", CLAIM_DTP, &line("SVC*HC:99203~DTP*472*D8*20050501~"), "element_missing", "Loop 2210D", 17, 2, 0),
        row("SVC03 not used", CLAIM_DTP, &line("SVC*HC:99203*150*100~DTP*472*D8*20050501~"), "element_not_used", "Loop 2210D", 17, 3, 0),
        row("SVC01 with too many components", CLAIM_DTP, &line("SVC*HC:1:22:33:44:55:6:7:8*150~DTP*472*D8*20050501~"), "too_many_components", "Loop 2210D", 17, 1, 9),
        row("2210D DTP (line service date) missing", CLAIM_DTP, &line("SVC*HC:99203*150~"), "segment_missing", "Loop 2210D", 17, 0, 0),
        row("2210D REF01 not FJ", CLAIM_DTP, &line("SVC*HC:99203*150~REF*EJ*1~DTP*472*D8*20050501~"), "invalid_code", "Loop 2210D", 18, 1, 0),
        row("SVC before any claim", "MI*123456789A~", "MI*123456789A~SVC*HC:99203*150~", "unexpected_segment", "Loop 2100D", 12, 0, 0),
        row("the claim on a subscriber who is not the patient", SUBSCRIBER, &dependent_after(&sub_claim, DEPENDENT, "TRN*1*B~"), "claim_not_for_patient", "Loop 2200D", 9, 0, 0),
        row("2000E HL04 not used", SUBSCRIBER, &dependent_after(SUBSCRIBER, &DEPENDENT.replace("*23~", "*23*0~"), "TRN*1*B~"), "element_not_used", "Loop 2000E", 12, 4, 0),
        row("2000E DMG missing", SUBSCRIBER, &dependent_after(SUBSCRIBER, "HL*5*4*23~NM1*QC*1*MANN*JOSEPH~", "TRN*1*B~"), "segment_missing", "Loop 2000E", 12, 0, 0),
        row("2100E NM108/NM109 not used", SUBSCRIBER, &dependent_after(SUBSCRIBER, &DEPENDENT.replace("JOSEPH~", "JOSEPH****MI*1~"), "TRN*1*B~"), "element_not_used", "Loop 2100E", 14, 8, 0),
        row("no claim for the dependent", sub_claim_static, &dependent_after(SUBSCRIBER, DEPENDENT, ""), "loop_missing", "Loop 2200E", 12, 0, 0),
        row("2000C missing", "HL*3*2*19*1~NM1*1P*2*HOME HOSPITAL*****XX*1666666661~", "", "loop_missing", "Loop 2000C", 1, 0, 0),
        row("2100B missing", "NM1*41*2*XYZ SERVICE*****46*X67E~", "", "loop_missing", "Loop 2100B", 5, 0, 0),
        row("BHT missing", "BHT*0010*13*ABC276XXX*20050915*1425~", "", "segment_missing", "Transaction set header", 1, 0, 0),
        row("unknown segment", "AMT*T3*8513.88~", "AMT*T3*8513.88~ZZZ*1~", "unknown_segment", "Loop 2200D", 16, 0, 0),
        row("a 270 segment in a 276", "AMT*T3*8513.88~", "AMT*T3*8513.88~EQ*30~", "unknown_segment", "Loop 2200D", 16, 0, 0),
        row("4010 version", "*^*00501*000000907*1*T*:~GS*HR*000000005*54321*20131031*1147*1*X*005010X212~", "*U*00401*000000907*1*T*:~GS*HR*000000005*54321*20131031*1147*1*X*004010X093~", "version", "Interchange envelope", 1, 12, 0),
        row("a 270's version in the group", "*X*005010X212~ST", "*X*005010X279A1~ST", "wrong_transaction", "Functional group", 2, 8, 0),
        row("ISA15 not P/T", "*1*T*:~", "*1*X*:~", "invalid_code", "Interchange envelope", 1, 15, 0),
        row("SE missing", "SE*17*0001~", "", "se_missing", "Transaction set trailer", 1, 0, 0),
        row("two transaction sets in real time", "SE*17*0001~", "SE*17*0001~ST*276*0002*005010X212~BHT*0010*13*A*20050915*1425~HL*1**20*0~NM1*PR*2*A*****PI*1~SE*5*0002~", "one_transaction_per_request", "Interchange envelope", 1, 0, 0),
        row("segment outside a transaction set", "GE*1*1~", "DMG*D8*19301210~GE*1*1~", "outside_transaction", "Functional group", 20, 0, 0),
        row("a second subscriber's claim is fine, a repeated trace is not", CLAIM_DTP, &format!("{CLAIM_DTP}HL*5*3*22*0~NM1*IL*1*JONES*MARY****MI*22~TRN*1*ABCXYZ1~"), "duplicate_trace", "Loop 2200D", 19, 2, 0),
    ]
}

/// The subscriber text `sub` (its claim, if any, kept) with HL04 = 1, then a dependent and its claim.
fn dependent_after(sub: &str, dependent: &str, claim: &str) -> String {
    format!("{}{dependent}{claim}", sub.replace("*22*0~", "*22*1~"))
}

#[test]
fn each_rule_reports_its_exact_place() {
    let base = base();
    let rows = mutations();
    assert!(rows.len() >= 60, "at least 60 mutations");
    for r in &rows {
        let (why, rule) = (r.0, r.3);
        let e = assert_placed(
            &base,
            r,
            run,
            &["SMITH", "FRED", "123456789A", "19301210", "MANN", "JOSEPH"],
        );
        assert!(
            rule == "wrong_transaction"
                || !e.description.contains("270") && !e.description.contains("X279"),
            "{why}: a 276 message names the 276: {}",
            e.description
        );
    }
}

#[test]
fn a_dependent_with_its_claim_and_a_service_line_is_valid() {
    let line = "SVC*HC:99203*150*****1~REF*FJ*11~DTP*472*D8*20050501~";
    let text = base().replacen(
        &format!("{SUBSCRIBER}{CLAIM}"),
        &dependent_after(
            SUBSCRIBER,
            DEPENDENT,
            &format!("TRN*1*ABCXYZ3~REF*EJ*MA345678~{line}{line}TRN*1*ABCXYZ4~"),
        ),
        1,
    );
    let o = run(&text);
    // SE01 now counts differently: the only repair.
    assert!(o.is_valid(), "{}", summary(&o));
    assert_eq!(codes(&o), ["request::276::se01_recounted"]);
}

#[test]
fn all_problems_are_reported_not_only_the_first() {
    let text = base()
        .replace("ST*276*", "ST*277*")
        .replace("NM1*IL*1", "NM1*IL*3")
        .replace("AMT*T3", "AMT*R");
    let o = run(&text);
    let rules: Vec<&str> = o.errors.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        ["invalid_code", "invalid_code", "invalid_code"],
        "{}",
        summary(&o)
    );
    let positions: Vec<_> = o.errors.iter().map(|e| e.segment_position).collect();
    assert_eq!(positions, [Some(1), Some(11), Some(15)]);
}

/// (why, from, to, warning code)
#[rustfmt::skip]
fn repairs() -> Vec<(&'static str, &'static str, String, &'static str)> {
    vec![
        ("SE01 miscounted", "SE*17*0001", "SE*16*0001".to_owned(), "request::276::se01_recounted"),
        ("SE02 differs from ST02", "SE*17*0001", "SE*17*0002".to_owned(), "request::276::se02_aligned"),
        ("GE01 miscounted", "GE*1*1~", "GE*2*1~".to_owned(), "request::276::ge01_recounted"),
        ("IEA02 differs from ISA13", "IEA*1*000000907", "IEA*1*000000908".to_owned(), "request::276::iea02_aligned"),
        ("HL numbered 10, 20, 30 …", "HL*1**20*1~NM1*PR*2*ABC INSURANCE*****PI*12345~HL*2*1*21*1~NM1*41*2*XYZ SERVICE*****46*X67E~HL*3*2*19*1~NM1*1P*2*HOME HOSPITAL*****XX*1666666661~HL*4*3*22*0", "HL*10**20*1~NM1*PR*2*ABC INSURANCE*****PI*12345~HL*20*10*21*1~NM1*41*2*XYZ SERVICE*****46*X67E~HL*30*20*19*1~NM1*1P*2*HOME HOSPITAL*****XX*1666666661~HL*40*30*22*0".to_owned(), "request::276::hl_renumbered"),
        ("a code in lower case", "NM1*IL*1", "NM1*il*1".to_owned(), "request::276::codes_upper_cased"),
        ("trailing separators", "NM1*IL*1*SMITH*FRED****MI*123456789A~", "NM1*IL*1*SMITH*FRED****MI*123456789A***~".to_owned(), "request::276::trailing_separators_removed"),
        ("a backtick in the subscriber's name", "SMITH*FRED", "SMI`TH*FRED".to_owned(), "request::276::backtick_replaced"),
        ("ISA06 not padded", "*000000005      *", "*000000005*".to_owned(), "request::276::isa_padded"),
        ("the last segment unterminated", "IEA*1*000000907~", "IEA*1*000000907".to_owned(), "request::276::terminator_added"),
        ("a byte-order mark", "ISA*03*", "\u{feff}ISA*03*".to_owned(), "request::276::bom_removed"),
        ("line breaks between segments", "~GS*", "~\r\nGS*".to_owned(), "request::276::whitespace_removed"),
        ("ISA12 4010 around a 5010 276", "*^*00501*", "*U*00401*".to_owned(), "request::276::version_aligned"),
    ]
}

#[test]
fn each_repair_is_reported_and_its_output_revalidates_clean() {
    let base = base();
    for (why, from, to, code) in repairs() {
        assert!(base.contains(from), "{why}: base lacks {from:?}");
        let text = base.replacen(from, &to, 1);
        let o = run(&text);
        assert!(o.is_valid(), "{why}:\n{}", summary(&o));
        assert_eq!(codes(&o), [code], "{why}");
        let w = &o.warnings[0];
        assert!(!w.description.contains("270"), "{why}: {}", w.description);
        let canonical = if code.ends_with("backtick_replaced") {
            base.replacen("SMITH", "SMI'TH", 1)
        } else {
            base.clone()
        };
        assert_eq!(
            o.text.as_ref(),
            canonical,
            "{why}: repaired to the canonical 276"
        );
        // Repairs off: each is an error with the same rule.
        let off = check_on(
            &text,
            &Options {
                repairs: false,
                real_time: true,
            },
            TODAY,
        );
        let rule = code.trim_start_matches("request::276::");
        assert!(
            off.errors.iter().any(|e| e.rule == rule),
            "{why}: repairs off\n{}",
            summary(&off)
        );
    }
}

#[test]
fn the_version_repair_names_the_276() {
    let text = base().replacen("*^*00501*", "*U*00401*", 1);
    let o = run(&text);
    let w = &o.warnings[0];
    assert_eq!(w.code, "request::276::version_aligned");
    assert!(w.description.contains("005010X212"), "{}", w.description);
    assert!(!w.description.contains("X279"), "{}", w.description);
}

#[test]
fn a_270_is_refused_with_one_error_naming_both_transactions() {
    let o = run(A_270);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    let e = &o.errors[0];
    assert_eq!(e.rule, "wrong_transaction");
    assert_eq!(e.location, "Transaction set header");
    assert_eq!(e.segment.as_deref(), Some("ST"));
    assert_eq!((e.segment_position, e.element), (Some(1), Some(1)));
    assert_eq!(
        e.description,
        "ST01 says this is a 270 (eligibility inquiry), not a 276 (claim status request); send it to /medicalnetwork/eligibility/v3/raw-x12."
    );
    assert!(e.possible_resolutions.contains("276"));
}

#[test]
fn a_276_is_refused_by_the_270_validator_with_one_error() {
    let text = base();
    let o = eligibility::check_on(&text, &eligibility::Options::default(), TODAY);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    let e = &o.errors[0];
    assert_eq!(e.rule, "wrong_transaction");
    assert_eq!((e.segment_position, e.element), (Some(1), Some(1)));
    assert_eq!(
        e.description,
        "ST01 says this is a 276 (claim status request), not a 270 (eligibility inquiry); send it to /medicalnetwork/claimstatus/v2/raw-x12."
    );
    // A 276 group (GS08 005010X212) around a transaction set that is not a 276 either.
    let text = text.replacen("ST*276*", "ST*999*", 1);
    let o = eligibility::check_on(&text, &eligibility::Options::default(), TODAY);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    assert_eq!(o.errors[0].rule, "wrong_transaction");
    assert_eq!(o.errors[0].field.as_deref(), Some("GS08"));
}

#[test]
fn bounded_on_big_and_broken_input() {
    let base = base();
    let big = format!("{base}{}", "REF*EJ*123456789~".repeat(MAX_BYTES / 17));
    let o = run(&big);
    assert_eq!(o.errors.len(), 1);
    assert!(
        o.errors[0].description.contains("at most"),
        "{}",
        summary(&o)
    );
    // 1,000 claims with one repeated trace number each: the list capped, the rest counted.
    let claims = "TRN*1*SAME~REF*EJ*1~REF*EJ*2~".repeat(1000);
    let text = base.replacen(CLAIM, &format!("{CLAIM}{claims}"), 1);
    let o = run(&text);
    assert!(!o.is_valid());
    assert_eq!(o.errors.len(), MAX_ISSUES + 1);
    assert_eq!(o.errors.last().map(|e| e.rule), Some("too_many_problems"));
}

#[test]
fn garbage_binary_and_empty_inputs_get_errors_naming_the_276() {
    for input in ["", "   \n", "\u{0}\u{1}", "ISA", "ISA*", "~~~~", "\u{feff}"] {
        let o = run(input);
        assert!(!o.is_valid(), "{input:?}");
    }
    let o = run("");
    assert!(o.errors[0].possible_resolutions.contains("005010X212 276"));
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::x12::check::mutate::{apply, edit};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)))]

        #[test]
        fn mutated_276s_never_panic_and_stay_bounded(edits in prop::collection::vec(edit(), 1..5), pick in 0..3usize) {
            let base = [
                super::base(),
                fixture("LinuxForHealth-x12/demo.276"),
                fixture("irobayna-stupidedi/276-provider-request.edi"),
            ][pick].clone();
            let text = apply(&base, &edits);
            let o = run(&text);
            for e in &o.errors {
                prop_assert!(e.byte_offset.is_none_or(|b| b <= text.len()), "offset outside the input");
                prop_assert!(!e.description.is_empty());
            }
            prop_assert!(o.errors.len() <= MAX_ISSUES + 1);
            // Output is linear in the input: repairs only drop bytes or fill fixed-width fields.
            prop_assert!(o.text.len() <= text.len() + 128, "{} -> {}", text.len(), o.text.len());
            if o.is_valid() {
                let again = run(&o.text);
                prop_assert!(again.is_valid(), "repaired output re-validates: {}", summary(&again));
                prop_assert!(again.warnings.is_empty(), "no repair left: {:?}", again.warnings);
            }
            let twice = run(&o.text).text.into_owned();
            let thrice = run(&twice).text.into_owned();
            prop_assert_eq!(thrice, twice);
        }

        #[test]
        fn many_claims_in_one_276_are_valid(n in 1..40usize) {
            let claims = "TRN*1*T{i}~REF*EJ*1~AMT*T3*1~".repeat(n);
            let claims = (0..n).fold(claims, |c, i| c.replacen("{i}", &i.to_string(), 1));
            let text = super::base().replacen(CLAIM, &claims, 1);
            let o = run(&text);
            prop_assert!(o.is_valid(), "{}", summary(&o));
            prop_assert_eq!(codes(&o), ["request::276::se01_recounted"]);
        }
    }
}
