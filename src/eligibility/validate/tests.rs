//! The validator against public fixtures, a table of hand-made mutations (one or more per rule
//! and per repair, each with the exact place it must be reported), and properties.
#![allow(
    clippy::too_many_arguments,
    clippy::too_many_lines,
    clippy::format_push_string
)]

use super::*;
use crate::x12::check::table::{Row, assert_placed, row, summary};

const TODAY: &str = "20261123";

/// A valid 005010X279A1 subscriber inquiry (`LinuxForHealth` demo, public fixture, byte-exact).
const BASE: &str =
    include_str!("../../../tests/fixtures/x12/LinuxForHealth-x12/demo-single-line.270");
/// A dependent inquiry (stupidedi, public fixture); only its delimiters need repair.
const DEPENDENT: &str =
    include_str!("../../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-dependent.edi");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/x12/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn run(text: &str) -> Outcome<'_> {
    check_on(text, &Options::default(), TODAY)
}

fn batch(text: &str) -> Outcome<'_> {
    check_on(
        text,
        &Options {
            repairs: true,
            real_time: false,
        },
        TODAY,
    )
}

#[test]
fn the_base_request_is_valid_as_is() {
    let o = run(BASE);
    assert!(o.is_valid(), "{}", summary(&o));
    assert!(o.warnings.is_empty());
    assert!(
        !o.repaired(),
        "nothing to repair: the input goes out untouched"
    );
}

#[test]
fn every_5010_fixture_is_valid_or_repaired_with_the_expected_warnings() {
    let cases: &[(&str, &[&str])] = &[
        (
            "irobayna-stupidedi/270-X279A1-request-subscriber.edi",
            &["request::270::delimiters_standardised"],
        ),
        (
            "irobayna-stupidedi/270-X279A1-request-dependent.edi",
            &["request::270::delimiters_standardised"],
        ),
        ("LinuxForHealth-x12/demo-single-line.270", &[]),
        (
            "LinuxForHealth-x12/subscriber-health-benefit-check.270",
            &["request::270::whitespace_removed"],
        ),
        (
            "LinuxForHealth-x12/dependent-health-benefit-check.270",
            &["request::270::whitespace_removed"],
        ),
        (
            "Kartik-Hirijaganer-X12-Parser-Encoder/270_realtime_single.x12",
            &["request::270::whitespace_removed"],
        ),
        // Pipe elements, `!` terminator, `~` repetition: rewritten with `* ^ : ~`, nothing else changes.
        (
            "Kartik-Hirijaganer-X12-Parser-Encoder/270_custom_delimiters.x12",
            &[
                "request::270::delimiters_standardised",
                "request::270::whitespace_removed",
            ],
        ),
    ];
    for (path, want) in cases {
        let text = fixture(path);
        let o = run(&text);
        assert!(o.is_valid(), "{path}:\n{}", summary(&o));
        let codes: Vec<&str> = o.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(&codes, want, "{path}");
        let again = run(&o.text);
        assert!(
            again.is_valid() && again.warnings.is_empty() && !again.repaired(),
            "{path}: repaired output re-validates clean"
        );
    }
}

#[test]
fn batch_fixtures_validate_in_batch_mode_and_not_in_real_time() {
    let multi = fixture("Kartik-Hirijaganer-X12-Parser-Encoder/270_batch_multi.x12");
    assert!(batch(&multi).is_valid(), "{}", summary(&batch(&multi)));
    let o = run(&multi);
    assert_eq!(
        o.errors.iter().map(|e| e.rule).collect::<Vec<_>>(),
        ["one_transaction_per_request"]
    );

    let bad = fixture("Kartik-Hirijaganer-X12-Parser-Encoder/batch_with_one_bad_transaction.x12");
    let o = batch(&bad);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    let e = &o.errors[0];
    assert_eq!(
        (
            e.rule,
            e.location.as_str(),
            e.transaction,
            e.segment_position,
            e.element
        ),
        ("invalid_code", "Loop 2100C", Some(2), Some(9), Some(2))
    );
    assert_eq!(e.field.as_deref(), Some("NM102"));
    assert_eq!(
        e.byte_offset,
        bad.find("NM1*IL*9").map(|i| i + 7),
        "offset of NM102 in the caller's text"
    );
}

#[test]
fn fixtures_in_4010_are_rejected_with_a_clear_version_error() {
    for path in [
        "azoner-pyx12/repeat_init_seg.270.txt",
        "imsweb-x12-parser/x270.txt",
    ] {
        let text = fixture(path);
        let o = run(&text);
        assert_eq!(
            o.errors.first().map(|e| e.rule),
            Some("version"),
            "{path}: {}",
            summary(&o)
        );
        assert!(o.errors[0].description.contains("4010"));
        assert_eq!(
            o.errors.len(),
            1,
            "{path}: the version error alone, not a cascade:\n{}",
            summary(&o)
        );
    }
}

#[rustfmt::skip]
fn mutations() -> Vec<Row> {
    let long_name = "A".repeat(61);
    let many = vec!["30"; 100].join("^");
    vec![
        row("ST01 not 270", "ST*270*1234", "ST*271*1234", "invalid_code", "Transaction set header", 1, 1, 0),
        row("ST03 not X279A1", "005010X279A1~BHT", "005010X222A1~BHT", "invalid_code", "Transaction set header", 1, 3, 0),
        row("GS01 not HS", "GS*HS*", "GS*HB*", "invalid_code", "Functional group", 2, 1, 0),
        row("GS08 not X279A1", "*X*005010X279A1~ST", "*X*005010X222A1~ST", "invalid_code", "Functional group", 2, 8, 0),
        row("GS04 impossible date", "*20131031*1147*1*X", "*20131331*1147*1*X", "invalid_date", "Functional group", 2, 4, 0),
        row("GS05 impossible time", "*20131031*1147*1*X", "*20131031*2561*1*X", "invalid_time", "Functional group", 2, 5, 0),
        row("BHT01 not 0022", "BHT*0022", "BHT*0019", "invalid_code", "Transaction set header", 2, 1, 0),
        row("BHT02 not 01/13", "BHT*0022*13", "BHT*0022*11", "invalid_code", "Transaction set header", 2, 2, 0),
        row("BHT03 missing", "BHT*0022*13*10001234*", "BHT*0022*13**", "element_missing", "Transaction set header", 2, 3, 0),
        row("BHT04 impossible date", "*10001234*20060501*1319", "*10001234*20060532*1319", "invalid_date", "Transaction set header", 2, 4, 0),
        row("BHT05 impossible time", "*20060501*1319~", "*20060501*2575~", "invalid_time", "Transaction set header", 2, 5, 0),
        row("HL01 out of sequence", "HL*2*1*21*1", "HL*7*1*21*1", "hl_sequence", "Loop 2000B", 5, 1, 0),
        row("HL01 repeated: renumbering would be a guess", "HL*2*1*21*1", "HL*1*1*21*1", "hl_sequence", "Loop 2000B", 5, 1, 0),
        row("HL02 points to the wrong level", "HL*3*2*22*0", "HL*3*1*22*0", "hl_parent", "Loop 2000C", 7, 2, 0),
        row("HL03 unknown level", "HL*3*2*22*0", "HL*3*2*24*0", "invalid_code", "Loop 2000C", 7, 3, 0),
        row("HL04 says children, none follow", "HL*3*2*22*0", "HL*3*2*22*1", "hl_child_code", "Loop 2000C", 7, 4, 0),
        row("2000A HL02 not used", "HL*1**20*1", "HL*1*1*20*1", "element_not_used", "Loop 2000A", 3, 2, 0),
        row("2100A NM101 not a payer entity", "NM1*PR*2", "NM1*XX*2", "invalid_code", "Loop 2100A", 4, 1, 0),
        row("2100A NM108 not a payer qualifier", "*****PI*842610001", "*****MI*842610001", "invalid_code", "Loop 2100A", 4, 8, 0),
        row("payer ID (2100A NM109) missing", "*****PI*842610001~", "*****PI~", "element_missing", "Loop 2100A", 4, 9, 0),
        row("2100B NM103 over 60 characters", "BONE AND JOINT CLINIC", &long_name, "too_long", "Loop 2100B", 6, 3, 0),
        row("2100B NM108 not a provider qualifier", "*****SV*2000035", "*****MI*2000035", "invalid_code", "Loop 2100B", 6, 8, 0),
        row("2100C NM102 not 1/2", "NM1*IL*1", "NM1*IL*3", "invalid_code", "Loop 2100C", 9, 2, 0),
        row("NM108 without NM109", "****MI*11122333301~", "****MI~", "paired_elements", "Loop 2100C", 9, 9, 0),
        row("NM106 not used", "NM1*IL*1*SMITH*ROBERT****MI", "NM1*IL*1*SMITH*ROBERT**X**MI", "element_not_used", "Loop 2100C", 9, 6, 0),
        row("no search option", "NM1*IL*1*SMITH*ROBERT****MI*11122333301~DMG*D8*19430519~", "NM1*IL*1*SMITH~", "search_option", "Loop 2100C", 9, 0, 0),
        row("DMG02 date that does not exist", "DMG*D8*19430519", "DMG*D8*19430229", "invalid_date", "Loop 2100C", 10, 2, 0),
        row("DMG02 in the future", "DMG*D8*19430519", "DMG*D8*20991231", "date_in_future", "Loop 2100C", 10, 2, 0),
        row("DMG03 not F/M", "DMG*D8*19430519~", "DMG*D8*19430519*X~", "invalid_code", "Loop 2100C", 10, 3, 0),
        row("DMG01 not D8", "DMG*D8", "DMG*D9", "invalid_code", "Loop 2100C", 10, 1, 0),
        row("DTP01 not 102/291", "DTP*291", "DTP*472", "invalid_code", "Loop 2100C", 11, 1, 0),
        row("RD8 range reversed", "DTP*291*D8*20060501", "DTP*291*RD8*20060501-20060401", "date_range_order", "Loop 2100C", 11, 3, 0),
        row("D8 date that does not exist", "DTP*291*D8*20060501", "DTP*291*D8*20060231", "invalid_date", "Loop 2100C", 11, 3, 0),
        row("EQ01 not a 5010 service type", "EQ*30~", "EQ*31~", "invalid_code", "Loop 2110C", 12, 1, 0),
        row("EQ01 over 99 repetitions", "EQ*30~", &format!("EQ*{many}~"), "too_many_repetitions", "Loop 2110C", 12, 1, 0),
        row("EQ with neither EQ01 nor EQ02", "EQ*30~", "EQ~", "eq_service_missing", "Loop 2110C", 12, 1, 0),
        row("EQ02-1 not a procedure qualifier", "EQ*30~", "EQ*30*XX:99213~", "invalid_code", "Loop 2110C", 12, 2, 1),
        row("EQ02 with too many components", "EQ*30~", "EQ*30*HC:1:22:33:44:55:6:7:8~", "too_many_components", "Loop 2110C", 12, 2, 9),
        row("no EQ for the patient", "EQ*30~", "", "loop_missing", "Loop 2110C", 7, 0, 0),
        row("unknown segment", "DMG*D8*19430519~", "DMG*D8*19430519~ZZZ*1~", "unknown_segment", "Loop 2100C", 11, 0, 0),
        row("known segment in the wrong loop", "DMG*D8*19430519~", "DMG*D8*19430519~AMT*R*10~", "unexpected_segment", "Loop 2100C", 11, 0, 0),
        row("segments out of order", "DMG*D8*19430519~DTP*291*D8*20060501~", "DTP*291*D8*20060501~DMG*D8*19430519~", "segment_out_of_order", "Loop 2100C", 11, 0, 0),
        row("TRN after the NM1", "TRN*1*93175-012547*9877281234~NM1*IL*1*SMITH*ROBERT****MI*11122333301~", "NM1*IL*1*SMITH*ROBERT****MI*11122333301~TRN*1*93175-012547*9877281234~", "segment_out_of_order", "Loop 2100C", 9, 0, 0),
        row("DMG twice", "DMG*D8*19430519~", "DMG*D8*19430519~DMG*D8*19430519~", "segment_over_max_use", "Loop 2100C", 11, 0, 0),
        row("too many elements", "DTP*291*D8*20060501~", "DTP*291*D8*20060501*X~", "too_many_elements", "Loop 2100C", 11, 4, 0),
        row("non-ASCII letter", "SMITH*ROBERT", "SMÏTH*ROBERT", "invalid_character", "Loop 2100C", 9, 3, 0),
        row("control character", "SMITH*ROBERT", "SMI\u{7}TH*ROBERT", "invalid_character", "Loop 2100C", 9, 3, 0),
        row("component separator inside a name", "SMITH*ROBERT", "SM:ITH*ROBERT", "delimiter_in_data", "Loop 2100C", 9, 3, 0),
        row("repetition separator inside a name", "SMITH*ROBERT", "SMITH*ROB^ERT", "delimiter_in_data", "Loop 2100C", 9, 4, 0),
        row("TRN01 not 1", "TRN*1*", "TRN*2*", "invalid_code", "Loop 2000C", 8, 1, 0),
        row("TRN03 not 10 characters", "*9877281234~", "*98772812~", "too_short", "Loop 2000C", 8, 3, 0),
        row("2100C REF qualifier", "MI*11122333301~", "MI*11122333301~REF*ZZ*123~", "invalid_code", "Loop 2100C", 10, 1, 0),
        row("2100B PRV02 not PXC", "SV*2000035~", "SV*2000035~PRV*PE*ZZ*207Q00000X~", "invalid_code", "Loop 2100B", 7, 2, 0),
        row("N401 too short", "MI*11122333301~", "MI*11122333301~N3*1 MAIN ST~N4*A~", "too_short", "Loop 2100C", 11, 1, 0),
        row("INS17 required with INS", "DMG*D8*19430519~", "DMG*D8*19430519~INS*Y*18~", "element_missing", "Loop 2100C", 11, 17, 0),
        row("HI01 qualifier", "DMG*D8*19430519~", "DMG*D8*19430519~HI*XX:123~", "invalid_code", "Loop 2100C", 11, 1, 1),
        row("AMT01 not R/PB", "EQ*30~", "EQ*30~AMT*ZZ*10~", "invalid_code", "Loop 2110C", 13, 1, 0),
        row("III01 not ZZ", "EQ*30~", "EQ*30~III*GR*11~", "invalid_code", "Loop 2110C", 13, 1, 0),
        row("2110C REF qualifier", "EQ*30~", "EQ*30~REF*6P*1~", "invalid_code", "Loop 2110C", 13, 1, 0),
        row("2100B missing", "NM1*1P*2*BONE AND JOINT CLINIC*****SV*2000035~", "", "loop_missing", "Loop 2100B", 5, 0, 0),
        row("2000C missing", "HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*SMITH*ROBERT****MI*11122333301~DMG*D8*19430519~DTP*291*D8*20060501~EQ*30~", "", "loop_missing", "Loop 2000C", 1, 0, 0),
        row("BHT missing", "BHT*0022*13*10001234*20060501*1319~", "", "segment_missing", "Transaction set header", 1, 0, 0),
        row("two patients in real time", "EQ*30~", "EQ*30~HL*4*2*22*0~NM1*IL*1*DOE*JANE****MI*2~EQ*30~", "one_patient_per_request", "Loop 2000C", 1, 0, 0),
        row("4010 version", "*^*00501*000000907*1*T*:~GS*HS*000000005*54321*20131031*1147*1*X*005010X279A1~", "*U*00401*000000907*1*T*:~GS*HS*000000005*54321*20131031*1147*1*X*004010X092A1~", "version", "Interchange envelope", 1, 12, 0),
        row("4010 envelope around another 5010 guide", "*^*00501*000000907*1*T*:~GS*HS*000000005*54321*20131031*1147*1*X*005010X279A1~", "*U*00401*000000907*1*T*:~GS*HS*000000005*54321*20131031*1147*1*X*005010X222A1~", "version", "Interchange envelope", 1, 12, 0),
        row("4010 group in a 5010 envelope", "*X*005010X279A1~ST", "*X*004010X092A1~ST", "version", "Interchange envelope", 2, 8, 0),
        row("ISA01 not 00/03", "ISA*03*", "ISA*05*", "invalid_code", "Interchange envelope", 1, 1, 0),
        row("ISA09 impossible date", "*131031*1147*", "*131341*1147*", "invalid_date", "Interchange envelope", 1, 9, 0),
        row("ISA10 impossible time", "*131031*1147*", "*131031*2460*", "invalid_time", "Interchange envelope", 1, 10, 0),
        row("ISA13 not numeric", "*00501*000000907*", "*00501*00000090A*", "invalid_control_number", "Interchange envelope", 1, 13, 0),
        row("ISA15 not P/T", "*1*T*:~", "*1*X*:~", "invalid_code", "Interchange envelope", 1, 15, 0),
        row("ISA06 wider than 15", "*000000005      *", "*0000000051234567*", "isa_element_width", "Interchange envelope", 1, 6, 0),
        row("ISA11 a letter in 00501", "*1147*^*00501", "*1147*U*00501", "isa11_not_a_separator", "Interchange envelope", 1, 11, 0),
        row("SE missing", "SE*13*1234~", "", "se_missing", "Transaction set trailer", 1, 0, 0),
        row("GE missing", "GE*1*1~", "", "ge_missing", "Functional group", 16, 0, 0),
        row("IEA missing", "IEA*1*000000907~", "", "iea_missing", "Interchange envelope", 16, 0, 0),
        row("a second interchange", "IEA*1*000000907~", "IEA*1*000000907~ISA*00*", "after_iea", "Interchange envelope", 18, 0, 0),
        row("two transaction sets in real time", "SE*13*1234~", "SE*13*1234~ST*270*1235*005010X279A1~BHT*0022*13*1*20060501*1319~HL*1**20*0~NM1*PR*2*A*****PI*1~SE*5*1235~", "one_transaction_per_request", "Interchange envelope", 1, 0, 0),
        row("segment ID in lower case", "DMG*D8*19430519", "dmg*D8*19430519", "bad_segment_id", "Transaction set", 10, 0, 0),
        row("segment outside a transaction set", "GE*1*1~", "DMG*D8*19430519~GE*1*1~", "outside_transaction", "Functional group", 16, 0, 0),
    ]
}

#[test]
fn each_rule_reports_its_exact_place() {
    let rows = mutations();
    assert!(rows.len() >= 40, "at least 40 mutations");
    for r in &rows {
        assert_placed(
            BASE,
            r,
            run,
            &["SMITH", "ROBERT", "11122333301", "19430519"],
        );
    }
}

#[test]
fn all_problems_are_reported_not_only_the_first() {
    let text = BASE
        .replace("ST*270*", "ST*271*")
        .replace("NM1*IL*1", "NM1*IL*3")
        .replace("EQ*30~", "EQ*31~");
    let o = run(&text);
    let rules: Vec<&str> = o.errors.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        ["invalid_code", "invalid_code", "invalid_code"],
        "{}",
        summary(&o)
    );
    let positions: Vec<_> = o.errors.iter().map(|e| e.segment_position).collect();
    assert_eq!(positions, [Some(1), Some(9), Some(12)]);
}

/// (why, from, to, warning code, interchange-level element reported)
#[rustfmt::skip]
fn repairs() -> Vec<(&'static str, String, &'static str)> {
    let base = BASE.to_owned();
    vec![
        (
            "byte-order mark",
            format!("\u{feff}{base}"),
            "request::270::bom_removed",
        ),
        (
            "CR/LF between segments",
            base.replace('~', "~\r\n"),
            "request::270::whitespace_removed",
        ),
        (
            "indentation and blank lines",
            base.replace("~HL", "~\n\n    HL"),
            "request::270::whitespace_removed",
        ),
        (
            "non-standard repetition separator",
            base.replacen("*^*00501*", "*>*00501*", 1),
            "request::270::delimiters_standardised",
        ),
        (
            "pipe element separator",
            base.replace('*', "|"),
            "request::270::delimiters_standardised",
        ),
        (
            "ISA06 unpadded",
            base.replacen("*000000005      *", "*000000005*", 1),
            "request::270::isa_padded",
        ),
        (
            "ISA13 not zero-padded",
            base.replacen("*00501*000000907*", "*00501*907*", 1),
            "request::270::isa_padded",
        ),
        (
            "trailing element separators",
            base.replacen("EQ*30~", "EQ*30**~", 1),
            "request::270::trailing_separators_removed",
        ),
        (
            "trailing empty repetition",
            base.replacen("EQ*30~", "EQ*30^~", 1),
            "request::270::trailing_separators_removed",
        ),
        (
            "codes in lower case",
            base.replacen(
                "NM1*IL*1*SMITH*ROBERT****MI",
                "NM1*il*1*SMITH*ROBERT****mi",
                1,
            ),
            "request::270::codes_upper_cased",
        ),
        (
            "backtick in a name",
            base.replacen("SMITH*ROBERT", "O`SMITH*ROBERT", 1),
            "request::270::backtick_replaced",
        ),
        (
            "no final terminator",
            base.trim_end().trim_end_matches('~').to_owned(),
            "request::270::terminator_added",
        ),
        (
            "SE01 miscounted",
            base.replacen("SE*13*1234", "SE*12*1234", 1),
            "request::270::se01_recounted",
        ),
        (
            "SE02 mismatched",
            base.replacen("SE*13*1234", "SE*13*9999", 1),
            "request::270::se02_aligned",
        ),
        (
            "GE01 miscounted",
            base.replacen("GE*1*1~", "GE*2*1~", 1),
            "request::270::ge01_recounted",
        ),
        (
            "GE02 mismatched",
            base.replacen("GE*1*1~", "GE*1*7~", 1),
            "request::270::ge02_aligned",
        ),
        (
            "IEA01 miscounted",
            base.replacen("IEA*1*", "IEA*3*", 1),
            "request::270::iea01_recounted",
        ),
        (
            "IEA02 mismatched",
            base.replacen("IEA*1*000000907", "IEA*1*000000908", 1),
            "request::270::iea02_aligned",
        ),
        (
            "4010 envelope (ISA11 U, ISA12 00401) around a 5010 X279A1 270",
            base.replacen("*^*00501*", "*U*00401*", 1),
            "request::270::version_aligned",
        ),
        (
            "ISA12 00401 with a repetition separator in ISA11",
            base.replacen("*^*00501*", "*^*00401*", 1),
            "request::270::version_aligned",
        ),
        (
            "GS08 and ST03 before the addenda (005010X279)",
            base.replace("005010X279A1", "005010X279"),
            "request::270::version_aligned",
        ),
        (
            "4010 envelope and GS08/ST03 before the addenda",
            base.replacen("*^*00501*", "*U*00401*", 1)
                .replace("005010X279A1", "005010X279"),
            "request::270::version_aligned",
        ),
        (
            "HL01 numbered by tens, HL02 consistent",
            base.replacen("HL*1**20*1", "HL*10**20*1", 1)
                .replacen("HL*2*1*21*1", "HL*20*10*21*1", 1)
                .replacen("HL*3*2*22*0", "HL*30*20*22*0", 1),
            "request::270::hl_renumbered",
        ),
        (
            "HL01 out of order, HL02 consistent",
            base.replacen("HL*1**20*1", "HL*3**20*1", 1)
                .replacen("HL*2*1*21*1", "HL*1*3*21*1", 1)
                .replacen("HL*3*2*22*0", "HL*2*1*22*0", 1),
            "request::270::hl_renumbered",
        ),
    ]
}

#[test]
fn each_repair_is_reported_and_its_output_revalidates_clean() {
    for (why, text, code) in repairs() {
        let o = run(&text);
        assert!(o.is_valid(), "{why}: {}", summary(&o));
        assert!(
            o.warnings.iter().any(|w| w.code == code),
            "{why}: warnings {:?}",
            o.warnings
        );
        assert!(o.repaired(), "{why}: the payer gets the repaired 270");
        if code != "request::270::backtick_replaced" {
            assert_eq!(o.text, BASE, "{why}: repaired back to the valid original");
        }
        let again = run(&o.text);
        assert!(
            again.is_valid() && again.warnings.is_empty() && !again.repaired(),
            "{why}: repairing twice equals repairing once"
        );
        let strict = check_on(
            &text,
            &Options {
                repairs: false,
                real_time: true,
            },
            TODAY,
        );
        let rule = code.trim_start_matches("request::270::");
        assert!(
            strict.errors.iter().any(|e| e.rule == rule),
            "{why}: with repairs off it is an error:\n{}",
            summary(&strict)
        );
        assert!(
            !strict.repaired(),
            "{why}: nothing is changed with repairs off"
        );
    }
    let text = BASE.replacen("SMITH*ROBERT", "O`SMITH*ROBERT", 1);
    assert!(run(&text).text.contains("O'SMITH"));
}

#[test]
fn a_dependent_inquiry_follows_the_dependent_rules() {
    let o = run(DEPENDENT);
    assert!(o.is_valid(), "{}", summary(&o));
    let canonical = o.text.into_owned();
    let cases: &[(&str, &str, &str, &str, u32, u8)] = &[
        (
            "EQ for the subscriber when a dependent is the patient",
            "MI*11122333301~",
            "MI*11122333301~EQ*30~",
            "inquiry_not_for_patient",
            7,
        ),
        (
            "dependent NM108 not used",
            "NM1*03*1*SMITH*MARY~",
            "NM1*03*1*SMITH*MARY****MI*1~",
            "element_not_used",
            11,
        ),
        (
            "dependent INS01 must be N",
            "DMG*D8*19781014~",
            "DMG*D8*19781014~INS*N*19~INS*Y*19~",
            "segment_over_max_use",
            14,
        ),
        (
            "dependent INS01 must be N",
            "DMG*D8*19781014~",
            "DMG*D8*19781014~INS*Y*19~",
            "invalid_code",
            13,
        ),
        (
            "dependent HL04 must be 0",
            "HL*4*3*23*0",
            "HL*4*3*23*1",
            "invalid_code",
            9,
        ),
        (
            "subscriber member ID needed",
            "NM1*IL*1******MI*11122333301~",
            "NM1*IL*1~",
            "search_option",
            8,
        ),
        (
            "EQ03 not used in 2110D",
            "EQ*30~",
            "EQ*30**FAM~",
            "element_not_used",
            14,
        ),
    ]
    .iter()
    .map(|(w, f, t, r, p)| (*w, *f, *t, *r, *p, 0u8))
    .collect::<Vec<_>>();
    for (why, from, to, rule, pos, _) in cases {
        assert!(canonical.contains(from), "{why}");
        let text = canonical.replacen(from, to, 1);
        let o = run(&text);
        let e = o.errors.iter().find(|e| e.rule == *rule);
        assert!(
            e.is_some_and(|e| e.segment_position == Some(*pos)),
            "{why}:\n{}",
            summary(&o)
        );
    }
}

#[test]
fn version_and_hl_repairs_are_reported_once_with_their_places() {
    let text = BASE
        .replacen("*^*00501*", "*U*00401*", 1)
        .replace("005010X279A1", "005010X279");
    let o = run(&text);
    let w: Vec<_> = o
        .warnings
        .iter()
        .filter(|w| w.code == "request::270::version_aligned")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", o.warnings);
    assert_eq!(
        (w[0].segment.as_deref(), w[0].element),
        (Some("ISA"), Some(12))
    );
    assert!(
        w[0].description.contains("(3 places; the first is shown)"),
        "{}",
        w[0].description
    );
    let tens = BASE
        .replacen("HL*1**20*1", "HL*10**20*1", 1)
        .replacen("HL*2*1*21*1", "HL*20*10*21*1", 1)
        .replacen("HL*3*2*22*0", "HL*30*20*22*0", 1);
    let o = run(&tens);
    let w: Vec<_> = o
        .warnings
        .iter()
        .filter(|w| w.code == "request::270::hl_renumbered")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", o.warnings);
    assert_eq!(
        (w[0].segment.as_deref(), w[0].segment_position, w[0].element),
        (Some("HL"), Some(3), Some(1))
    );
}

#[test]
fn hl_numbering_is_repaired_per_transaction_set_in_a_batch() {
    let second = "ST*270*1235*005010X279A1~BHT*0022*13*1*20060501*1319~HL*5**20*1~NM1*PR*2*A*****PI*12~HL*6*5*21*1~NM1*1P*2*B*****SV*22~HL*7*6*22*0~NM1*IL*1*DOE*JANE****MI*22~EQ*30~SE*9*1235~";
    let text = BASE
        .replacen("SE*13*1234~", &format!("SE*13*1234~{second}"), 1)
        .replacen("GE*1*1~", "GE*2*1~", 1);
    let o = batch(&text);
    assert!(o.is_valid(), "{}", summary(&o));
    assert!(
        o.text
            .contains("ST*270*1235*005010X279A1~BHT*0022*13*1*20060501*1319~HL*1**20*1~")
    );
    assert!(o.text.contains("HL*2*1*21*1~NM1*1P*2*B"));
    assert!(o.text.contains("HL*3*2*22*0~NM1*IL*1*DOE"));
    assert!(
        o.text.starts_with(&BASE[..BASE.find("SE*13").unwrap()]),
        "the first set is untouched"
    );
}

#[test]
fn a_4010_envelope_that_cannot_be_repaired_is_named_truthfully() {
    // ISA11 is no separator in 4010, so a `^` in a value stops it from becoming one.
    let text =
        BASE.replacen("*^*00501*", "*U*00401*", 1)
            .replacen("SMITH*ROBERT", "SMITH*ROB^ERT", 1);
    let o = run(&text);
    assert!(
        !o.warnings
            .iter()
            .any(|w| w.code == "request::270::version_aligned")
    );
    let e = o
        .errors
        .iter()
        .find(|e| e.rule == "version")
        .expect("a version error");
    assert!(e.description.contains("disagree"), "{}", e.description);
    assert!(!e.description.contains("004010X092"), "{}", e.description);
    assert_eq!((e.segment.as_deref(), e.element), (Some("ISA"), Some(12)));
    let old_envelope = BASE.replacen("*^*00501*", "*U*00401*", 1);
    let strict = check_on(
        &old_envelope,
        &Options {
            repairs: false,
            real_time: true,
        },
        TODAY,
    );
    let rules: Vec<_> = strict.errors.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        ["version_aligned", "version"],
        "{}",
        summary(&strict)
    );
    assert!(!strict.errors[1].description.contains("004010X092"));
}

#[test]
fn the_inquiry_is_read_from_the_repaired_text() {
    let o = run(DEPENDENT);
    assert!(o.repaired(), "{}", summary(&o));
    let q = o.inquiry();
    assert_eq!(q.delimiters.map(|d| d.element), Some(b'*'));
    assert_eq!(q.subscriber.party.id, Some("11122333301"));
    let d = q.dependent.as_ref().unwrap();
    assert_eq!(
        (d.party.name, d.birth_date),
        (Some("SMITH"), Some("19781014"))
    );
    assert_eq!(q.patient().service_types, ["30"]);
}

#[test]
fn custom_delimiters_with_a_standard_delimiter_in_a_value_cannot_be_repaired() {
    let text = fixture("Kartik-Hirijaganer-X12-Parser-Encoder/270_custom_delimiters.x12")
        .replace("DOE|CUSTOM", "DO*E|CUSTOM");
    let o = run(&text);
    assert_eq!(
        o.errors.first().map(|e| e.rule),
        Some("delimiter_in_data"),
        "{}",
        summary(&o)
    );
}

#[test]
fn bounded_on_big_and_broken_input() {
    // 1 MB of repeated segments: refused with the limit named, not parsed forever.
    let big = format!("{}{}", BASE, "REF*SY*123456789~".repeat(MAX_BYTES / 17));
    let o = run(&big);
    assert_eq!(o.errors.len(), 1);
    assert!(
        o.errors[0].description.contains("at most"),
        "{}",
        summary(&o)
    );
    // 1,000 subscriber loops: one answer listing the real-time problem, the list capped.
    let mut loops = String::new();
    for i in 0..1000 {
        loops.push_str(&format!(
            "HL*{}*2*22*0~NM1*IL*1*DOE*JOHN****MI*{i:05}~EQ*30~",
            i + 4
        ));
    }
    let text = BASE.replacen("HL*3*2*22*0~", &format!("{loops}HL*3*2*22*0~"), 1);
    let o = run(&text);
    assert!(o.errors.iter().any(|e| e.rule == "one_patient_per_request"));
    assert!(o.errors.len() <= MAX_ISSUES + 1);
    // A deeply wrong HL tree: every HL pointing nowhere.
    let mut tree = String::new();
    for i in 0..500 {
        tree.push_str(&format!("HL*{}*{}*23*0~", i + 4, i + 900));
    }
    let text = BASE.replacen("EQ*30~", &format!("EQ*30~{tree}"), 1);
    let o = run(&text);
    assert!(!o.is_valid());
    assert!(o.errors.len() <= MAX_ISSUES + 1);
    assert_eq!(o.errors.last().map(|e| e.rule), Some("too_many_problems"));
}

#[test]
fn garbage_binary_and_empty_inputs_get_errors() {
    for input in [
        "",
        "   \n",
        "\u{0}\u{1}\u{2}",
        "ISA",
        "ISA*",
        "~~~~",
        "ISA*00*~",
        "\u{feff}",
    ] {
        let o = run(input);
        assert!(!o.is_valid(), "{input:?}");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::x12::check::mutate::{apply, edit};

    proptest! {
        // 2,000 cases by default; PROPTEST_CASES raises it for a longer soak.
        #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)))]

        #[test]
        fn mutations_never_panic_and_repairs_converge(edits in prop::collection::vec(edit(), 1..5), dependent in any::<bool>()) {
            let base = if dependent { DEPENDENT } else { BASE };
            let text = apply(base, &edits);
            let o = run(&text);
            for e in &o.errors {
                prop_assert!(e.byte_offset.is_none_or(|b| b <= text.len()), "offset outside the input");
                prop_assert!(!e.description.is_empty());
            }
            if o.is_valid() {
                let again = run(&o.text);
                prop_assert!(again.is_valid(), "repaired output re-validates: {}", summary(&again));
                prop_assert!(again.warnings.is_empty(), "no repair left: {:?}", again.warnings);
                prop_assert_eq!(again.text.as_ref(), o.text.as_ref(), "repairing twice equals repairing once");
            }
            // Repair is idempotent even when the result is still invalid.
            let twice = run(&o.text).text.into_owned();
            let thrice = run(&twice).text.into_owned();
            prop_assert_eq!(thrice, twice);
        }

        #[test]
        fn other_delimiters_check_and_repair_like_the_standard_ones(
            edits in prop::collection::vec(edit(), 0..4),
            picks in (0..2usize, 0..2usize, 0..2usize, 0..2usize),
        ) {
            let text = apply(BASE, &edits);
            let to = [
                [b'|', b'!'][picks.0],
                [b'{', b'}'][picks.1],
                [b'<', b'>'][picks.2],
                [b'#', b'\''][picks.3],
            ];
            // Only where the translation is one-to-one (about 40% of the mutated documents).
            if text.bytes().any(|b| to.contains(&b))
                || !Reader::new(&text).is_ok_and(|r| r.delimiters() == repair::STANDARD)
            {
                return Ok(());
            }
            let other: String = text
                .chars()
                .map(|c| match c {
                    '*' => char::from(to[0]),
                    '^' => char::from(to[1]),
                    ':' => char::from(to[2]),
                    '~' => char::from(to[3]),
                    c => c,
                })
                .collect();
            let (a, b) = (run(&text), run(&other));
            prop_assert_eq!(a.text.as_ref(), b.text.as_ref());
            let codes = |o: &Outcome<'_>| {
                let mut c: Vec<String> = o.warnings.iter().map(|w| w.code.clone()).collect();
                c.sort();
                c
            };
            let mut want = codes(&a);
            want.push("request::270::delimiters_standardised".to_owned());
            want.sort();
            prop_assert_eq!(want, codes(&b));
            let places = |o: &Outcome<'_>| -> Vec<_> {
                o.errors.iter().map(|e| (e.rule, e.segment_position, e.element, e.component)).collect()
            };
            prop_assert_eq!(places(&a), places(&b));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            let o = run(&s);
            prop_assert!(!o.is_valid() || o.text.starts_with("ISA"));
        }

        #[test]
        fn arbitrary_bytes_after_an_isa_never_panic(tail in prop::collection::vec(any::<u8>(), 0..400)) {
            let head = BASE.get(..106).unwrap_or(BASE);
            let text = format!("{head}{}", String::from_utf8_lossy(&tail));
            let _ = run(&text);
        }
    }
}

#[test]
fn a_byte_order_mark_between_segments_is_removed_too() {
    let text = BASE.replacen("~HL*2", "~\u{feff}HL*2", 1);
    let o = run(&text);
    assert!(o.is_valid(), "{}", summary(&o));
    assert_eq!(o.text, BASE);
    assert!(
        o.warnings
            .iter()
            .any(|w| w.code == "request::270::whitespace_removed")
    );
}

/// The issue-18 inputs: `fill` inserted before the SE of the base request.
fn filled(fill: &str) -> String {
    BASE.replacen("SE*13*1234~", &format!("{fill}SE*13*1234~"), 1)
}

#[test]
fn empty_segments_past_the_limit_stop_reading_where_the_limit_was_passed() {
    // 600,000 empty segments (600 KB, under the body limit): refused at the segment after the
    // limit, with its position, and nothing else read.
    let text = filled(&"~".repeat(600_000));
    let o = run(&text);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    let e = &o.errors[0];
    assert_eq!(e.rule, "too_many_segments");
    let limit = u32::try_from(MAX_SEGMENTS).unwrap();
    assert_eq!(e.segment_position, Some(limit + 1));
    // Segment 20,001 is empty segment number 20,001 - 14 (the base has 14 before its SE).
    let at = BASE.find("SE*13").unwrap() + (MAX_SEGMENTS - 14);
    assert_eq!(e.byte_offset, Some(at));
    assert!(
        e.description
            .contains(&format!("segment {}, byte {at}", limit + 1)),
        "{}",
        e.description
    );
}

#[test]
fn unknown_segments_count_towards_the_limit() {
    let text = filled(&"X~".repeat(40_000));
    let o = run(&text);
    assert_eq!(o.errors.len(), 1, "{}", summary(&o));
    assert_eq!(o.errors[0].rule, "too_many_segments");
    assert_eq!(
        o.errors[0].segment_position,
        Some(u32::try_from(MAX_SEGMENTS).unwrap() + 1)
    );
}

#[test]
fn under_the_limit_problems_are_capped_with_the_count_of_the_rest() {
    // 19,000 empty segments and 900 unknown ones: the first 200 problems in input order, then
    // one entry with the exact number of the others.
    let text = filled(&format!("{}{}", "~".repeat(19_000), "X~".repeat(900)));
    let o = run(&text);
    assert_eq!(o.errors.len(), MAX_ISSUES + 1, "{}", summary(&o));
    assert!(
        o.errors[..MAX_ISSUES]
            .iter()
            .all(|e| e.rule == "bad_segment_id")
    );
    let positions: Vec<u32> = o.errors[..MAX_ISSUES]
        .iter()
        .map(|e| e.segment_position.unwrap())
        .collect();
    assert_eq!(
        positions,
        (13..13 + 200).collect::<Vec<u32>>(),
        "in order, from the first"
    );
    // Each unreadable segment is one problem (the SE count is repaired, a warning).
    let last = o.errors.last().unwrap();
    assert_eq!(last.rule, "too_many_problems");
    let more = 19_000 + 900 - MAX_ISSUES;
    assert!(
        last.description
            .starts_with(&format!("{more} more problem")),
        "{}",
        last.description
    );
}

#[test]
fn many_problems_in_many_loops_keep_the_first_ones_in_order() {
    // Every element of thousands of subscriber loops wrong: the list is the first 200 by
    // position, as without the cap, and the count covers the rest.
    let bad = "HL*3*9*99*7~NM1*IL*9*S*R****ZZ*1~DMG*D9*19431399~EQ*ZZ~";
    let text = BASE.replacen("HL*3*2*22*0~", &bad.repeat(4_000), 1);
    let o = run(&text);
    assert_eq!(o.errors.len(), MAX_ISSUES + 1);
    let positions: Vec<(u32, Option<u8>)> = o.errors[..MAX_ISSUES]
        .iter()
        .map(|e| (e.segment_position.unwrap(), e.element))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0].0 <= w[1].0),
        "{positions:?}"
    );
    // The first 200 of a small copy are the same problems.
    let small = BASE.replacen("HL*3*2*22*0~", &bad.repeat(60), 1);
    let s = run(&small);
    assert!(s.errors.len() > MAX_ISSUES);
    assert_eq!(o.errors[..MAX_ISSUES], s.errors[..MAX_ISSUES]);
    let more: usize = o.errors[MAX_ISSUES]
        .description
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(more > 4_000 * 5, "{more}");
}

#[test]
fn empty_input_names_its_position() {
    for (input, offset) in [("", 0), ("   \n", 4), ("\u{feff}  ", 5)] {
        let o = run(input);
        let e = &o.errors[0];
        assert_eq!(e.rule, "empty_input");
        assert_eq!(
            (e.segment_position, e.byte_offset),
            (Some(1), Some(offset)),
            "{input:?}"
        );
        assert!(
            e.description.contains(&format!("segment 1, byte {offset}")),
            "{}",
            e.description
        );
    }
}

#[test]
fn a_spent_budget_stops_the_check() {
    let text = filled(&"REF*SY*123456789~".repeat(2_000));
    let past = std::time::Instant::now();
    assert_eq!(
        check_until(&text, &Options::default(), TODAY, Some(past)).err(),
        Some(OverBudget)
    );
    // Without a deadline, or with time left, the same input is checked.
    assert!(
        !check_until(&text, &Options::default(), TODAY, None)
            .unwrap()
            .is_valid()
    );
}

#[test]
fn a_hostile_repeated_element_is_one_problem_not_thousands() {
    // EQ01 with 300,000 repetitions (900 KB): too many, reported once; the repetitions past the
    // maximum are not checked one by one.
    let text = BASE.replacen("EQ*30~", &format!("EQ*{}30~", "ZZ^".repeat(300_000)), 1);
    let o = run(&text);
    assert_eq!(o.errors[0].rule, "too_many_repetitions", "{}", summary(&o));
    assert_eq!(o.errors[0].field.as_deref(), Some("EQ01"));
    assert!(o.errors.len() <= MAX_ISSUES + 1);
    let last = o.errors.last().unwrap();
    assert!(
        last.rule != "too_many_problems" || !last.description.starts_with("29"),
        "{}",
        last.description
    );
}
