use super::*;

const SUBSCRIBER_270: &str =
    include_str!("../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi");
const CUSTOM_270: &str = include_str!(
    "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/270_custom_delimiters.x12"
);
const LFH_271: &str =
    include_str!("../../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check.271");
const PYX12_4010: &str =
    include_str!("../../tests/fixtures/x12/azoner-pyx12/repeat_init_seg.270.txt");
const STUPIDEDI_271: &str =
    include_str!("../../tests/fixtures/x12/irobayna-stupidedi/271-X279-response-subscriber.edi");

fn segments(input: &str) -> Vec<Segment<'_>> {
    Reader::new(input)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn delimiters_come_from_the_isa() {
    let r = Reader::new(SUBSCRIBER_270).unwrap();
    assert_eq!(
        r.delimiters(),
        Delimiters {
            element: b'*',
            repetition: Some(b'>'),
            component: b':',
            segment: b'~'
        }
    );
    let r = Reader::new(CUSTOM_270).unwrap();
    assert_eq!(
        r.delimiters(),
        Delimiters {
            element: b'|',
            repetition: Some(b'~'),
            component: b':',
            segment: b'!'
        }
    );
}

#[test]
fn isa11_is_no_repetition_separator_in_4010() {
    let r = Reader::new(PYX12_4010).unwrap();
    assert_eq!(r.delimiters().repetition, None);
}

#[test]
fn one_line_270_reads_into_17_segments_with_positions() {
    let segs = segments(SUBSCRIBER_270);
    let tags: Vec<_> = segs.iter().map(|s| s.tag).collect();
    assert_eq!(
        tags,
        [
            "ISA", "GS", "ST", "BHT", "HL", "NM1", "HL", "NM1", "HL", "TRN", "NM1", "DMG", "DTP",
            "EQ", "SE", "GE", "IEA"
        ]
    );
    assert_eq!(segs[0].offset, 0);
    assert_eq!(
        segs[1].offset, 106,
        "the ISA is 106 bytes with its terminator"
    );
    assert_eq!(segs[10].index, 11);
    assert_eq!(segs[10].element(3), Some("SMITH"));
    assert_eq!(segs[10].element(6), None, "empty element");
    assert_eq!(segs[10].raw_element(6), Some(""));
    assert_eq!(segs[10].element(9), Some("11122333301"));
    assert_eq!(segs[10].element(10), None, "absent element");
    let nm109 = segs[10].element_offset(9);
    assert_eq!(&SUBSCRIBER_270[nm109..nm109 + 11], "11122333301");
    assert_eq!(segs[10].text(), "NM1*IL*1*SMITH*ROBERT****MI*11122333301");
    assert!(segs.iter().all(|s| s.terminated));
}

#[test]
fn crlf_between_segments_is_skipped_and_visible_as_a_gap() {
    let segs = segments(LFH_271);
    assert_eq!(segs[1].tag, "GS");
    assert_eq!(segs[1].offset, 107, "106-byte ISA, then LF");
    assert_eq!(segs[0].end() + 1, 106);
}

#[test]
fn repetitions_and_components_split() {
    let segs = segments(STUPIDEDI_271);
    let eb = segs
        .iter()
        .find(|s| s.tag == "EB" && s.element(3).is_some_and(|e| e.contains('>')))
        .unwrap();
    let reps: Vec<_> = eb.repeats(3).collect();
    assert_eq!(
        reps,
        ["1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"]
    );
    let isa = segs[0];
    assert_eq!(isa.element(16), Some(":"));
    let seg = Segment::new("EQ**HC:99213:25", 1, 0, true, Delimiters::default());
    assert_eq!(seg.component(2, 1), Some("HC"));
    assert_eq!(seg.component(2, 3), Some("25"));
    assert_eq!(seg.component(2, 4), None);
    assert_eq!(seg.repeats(1).count(), 0);
}

#[test]
fn bom_and_leading_whitespace_are_skipped() {
    let input = format!("\u{feff}\r\n  {SUBSCRIBER_270}");
    let segs = segments(&input);
    assert_eq!(segs[0].tag, "ISA");
    assert_eq!(segs[0].offset, 7);
}

#[test]
fn reader_errors_have_positions() {
    let table: &[(&str, &str, ParseError)] = &[
        ("empty", "  \n", ParseError::Empty { offset: 3 }),
        ("not ISA", "GS*HS~", ParseError::NoIsa { offset: 0 }),
        ("short ISA", "ISA*00*~GS*HS~", ParseError::ShortIsa),
        (
            "letter as separator",
            "ISAX00X",
            ParseError::BadDelimiter {
                which: "element",
                offset: 3,
            },
        ),
    ];
    for (why, input, want) in table {
        assert_eq!(Reader::new(input).err().as_ref(), Some(want), "{why}");
    }
    let bad_tag = SUBSCRIBER_270.replace("~DMG*", "~dmg*");
    let errs: Vec<_> = Reader::new(&bad_tag)
        .unwrap()
        .filter_map(Result::err)
        .collect();
    let at = SUBSCRIBER_270.find("DMG*").unwrap();
    assert_eq!(
        errs,
        [ParseError::BadTag {
            at: Position::segment(12, at)
        }]
    );
    let unterminated = SUBSCRIBER_270.trim_end().trim_end_matches('~');
    let last = Reader::new(unterminated).unwrap().last().unwrap().unwrap();
    assert_eq!(last.tag, "IEA");
    assert!(!last.terminated);
}

#[test]
fn clashing_delimiters_are_rejected() {
    let clash = SUBSCRIBER_270.replacen("*>*00501", "*:*00501", 1);
    assert_eq!(
        Reader::new(&clash).err(),
        Some(ParseError::DelimiterClash {
            first: "component",
            second: "repetition"
        })
    );
}

#[test]
fn writer_drops_trailing_empty_elements_and_counts() {
    let mut w = Writer::with_capacity(Delimiters::default(), 64);
    w.segment("NM1", &["IL", "1", "DOE", "", "", "", "", "", ""]);
    w.segment("EB", &["1", "", "30"]);
    assert_eq!(w.count(), 2);
    assert_eq!(w.finish(), "NM1*IL*1*DOE~EB*1**30~");
    assert_eq!(pad_right("AB", 5), "AB   ");
}

#[test]
fn dates_that_exist() {
    assert!(date::is_ccyymmdd("20240229"));
    assert!(!date::is_ccyymmdd("20230229"));
    assert!(!date::is_ccyymmdd("20241301"));
    assert!(!date::is_ccyymmdd("2024011"));
    assert!(date::is_yymmdd("080503"));
    assert!(date::is_time("1705"));
    assert!(!date::is_time("2460"));
    let s = date::Stamp::from_unix(1_709_164_800); // 2024-02-29T00:00:00Z
    assert_eq!(
        (s.ccyymmdd(), s.yymmdd(), s.hhmm()),
        ("20240229".into(), "240229".into(), "0000".into())
    );
    assert_eq!(date::Stamp::from_unix(0).ccyymmdd(), "19700101");
}

#[test]
fn character_sets() {
    assert!(charset::is_basic(b'A') && !charset::is_basic(b'a'));
    assert!(charset::is_allowed(b'a') && charset::is_allowed(b'@') && charset::is_allowed(b'`'));
    assert!(
        !charset::is_allowed(0x07) && !charset::is_allowed(b'\t') && !charset::is_allowed(0xC3)
    );
}
