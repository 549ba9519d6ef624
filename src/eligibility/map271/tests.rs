use super::*;

const LFH_271: &str = include_str!(
    "../../../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check.271"
);
const LFH_DEP_271: &str = include_str!(
    "../../../tests/fixtures/x12/LinuxForHealth-x12/dependent-health-benefit-check.271"
);
const LFH_ERR_271: &str = include_str!(
    "../../../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check-error.271"
);
const REJECTED_271: &str = include_str!(
    "../../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_rejected_subscriber.x12"
);

fn json(x12: &str) -> serde_json::Value {
    serde_json::to_value(map(x12, &Context::default()).unwrap()).unwrap()
}

#[test]
fn subscriber_271_maps_names_ids_and_benefits() {
    let j = json(LFH_271);
    assert_eq!(j["subscriber"]["memberId"], "123456789");
    assert_eq!(j["subscriber"]["firstName"], "JOHN");
    assert_eq!(j["subscriber"]["entityIdentifier"], "Insured or Subscriber");
    assert_eq!(j["subscriber"]["address"]["city"], "KANSAS CITY");
    assert_eq!(j["payer"]["name"], "ABC COMPANY");
    assert_eq!(j["payer"]["payorIdentification"], "841610001");
    assert_eq!(j["provider"]["serviceProviderNumber"], "2000035");
    assert_eq!(j["planDateInformation"]["planBegin"], "20060101");
    assert_eq!(j["controlNumber"], "000000907");
    assert_eq!(j["tradingPartnerServiceId"], "841610001");
    let b = &j["benefitsInformation"];
    assert_eq!(b[0]["code"], "1");
    assert_eq!(b[0]["planCoverage"], "GOLD 123 PLAN");
    assert_eq!(b[1]["code"], "L");
    assert_eq!(b[1]["headerLoopIdentifierCode"], "2120");
    assert_eq!(
        b[1]["benefitsRelatedEntities"][0]["entityIdentifier"],
        "Primary Care Provider"
    );
    assert_eq!(b[1]["benefitsRelatedEntity"]["entityName"], "JONES");
    assert_eq!(b[3]["serviceTypeCodes"].as_array().unwrap().len(), 10);
    assert_eq!(b[3]["benefitAmount"], "10");
    assert_eq!(
        b[3]["insuranceType"],
        "Health Maintenance Organization (HMO)"
    );
    assert_eq!(j["planStatus"].as_array().unwrap().len(), 2);
    assert_eq!(j["errors"], serde_json::json!([]));
    assert_eq!(j["x12"], LFH_271);
}

#[test]
fn dependent_271_fills_dependents() {
    let j = json(LFH_DEP_271);
    assert_eq!(j["dependents"][0]["firstName"], "MARY");
    assert_eq!(j["dependents"][0]["relationToSubscriber"], "Child");
    assert_eq!(j["dependents"][0]["gender"], "F");
    assert_eq!(j["subscriber"]["firstName"], "JOHN");
    assert_eq!(
        j["subscriberTraceNumbers"][0]["referenceIdentification"],
        "93175-012547"
    );
}

#[test]
fn aaa_lands_in_errors_and_on_its_entity() {
    let j = json(REJECTED_271);
    let e = &j["errors"][0];
    assert_eq!(e["field"], "AAA");
    assert_eq!(e["code"], "72");
    assert_eq!(e["description"], "Invalid/Missing Subscriber/Insured ID");
    assert_eq!(e["followupAction"], "Please Correct and Resubmit");
    assert_eq!(e["location"], "Loop 2100C");
    assert_eq!(j["subscriber"]["aaaErrors"][0], *e);
}

#[test]
fn provider_level_rejection_without_subscriber_still_maps() {
    let j = json(LFH_ERR_271);
    assert_eq!(j["errors"][0]["code"], "50");
    assert_eq!(j["errors"][0]["location"], "Loop 2100B");
    assert_eq!(
        j["provider"]["aaaErrors"][0]["followupAction"],
        "Resubmission Not Allowed"
    );
    assert!(j.get("subscriber").is_none());
    let codes: Vec<_> = j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"response::271::se_control_number"),
        "{codes:?}"
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(matches!(
        map("nonsense", &Context::default()),
        Err(MapError::Unreadable(_))
    ));
    let isa_only = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~";
    assert_eq!(
        map(isa_only, &Context::default()).err(),
        Some(MapError::NoTransaction)
    );
}

#[test]
fn context_overrides_control_number_and_trading_partner() {
    let ctx = Context {
        control_number: Some("123456789".into()),
        trading_partner_service_id: Some("BS001".into()),
        ..Context::default()
    };
    let j = serde_json::to_value(map(LFH_271, &ctx).unwrap()).unwrap();
    assert_eq!(j["controlNumber"], "123456789");
    assert_eq!(j["reassociationKey"], "123456789");
    assert_eq!(j["tradingPartnerServiceId"], "BS001");
}

const LS_LE_WRAPPER: &str = include_str!(
    "../../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_ls_le_wrapper.x12"
);
const IMS_4010: &str = include_str!("../../../tests/fixtures/x12/imsweb-x12-parser/x271.txt");

fn warning_codes(j: &serde_json::Value) -> Vec<String> {
    j["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .map(|w| w["code"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON without `x12` and `warnings`, to compare two spellings of one document.
fn content(mut j: serde_json::Value) -> serde_json::Value {
    let o = j.as_object_mut().unwrap();
    o.remove("x12");
    o.remove("warnings");
    j
}

#[test]
fn wrong_se_count_is_a_warning() {
    let x12 = LFH_271.replace("SE*22*4321", "SE*99*4321");
    let j = json(&x12);
    assert!(warning_codes(&j).contains(&"response::271::se_count".to_owned()));
    assert_eq!(content(j), content(json(LFH_271)));
}

#[test]
fn short_isa_maps_with_guessed_delimiters() {
    let full = LFH_271.lines().next().unwrap();
    let short = "ISA*03*9876543210*01*9876543210*30*000000005*30*12345*131031*1147*^*00501~";
    let x12 = LFH_271.replacen(full, short, 1);
    let j = json(&x12);
    assert!(
        warning_codes(&j).contains(&"response::271::isa_delimiters_guessed".to_owned()),
        "{:?}",
        warning_codes(&j)
    );
    assert_eq!(j["subscriber"]["memberId"], "123456789");
    assert_eq!(j["benefitsInformation"][3]["serviceTypeCodes"][9], "UC");
    // ISA13 is missing, so no control number: nothing is made up.
    assert!(j.get("controlNumber").is_none());
}

#[test]
fn ls_le_around_a_ref_maps_the_ref_to_its_benefit_with_a_warning() {
    let j = json(LS_LE_WRAPPER);
    let b = &j["benefitsInformation"][0];
    assert_eq!(b["benefitsAdditionalInformation"]["groupNumber"], "PLAN123");
    assert_eq!(b["benefitsDateInformation"]["plan"], "20260412");
    assert!(warning_codes(&j).contains(&"response::271::ls_le_misplaced".to_owned()));
}

#[test]
fn unknown_segments_are_skipped_with_a_warning() {
    let x12 = LFH_271
        .replace("DMG*D8*19630519*M~", "DMG*D8*19630519*M~\nZZZ*1*2~")
        .replace("EB*L~", "EB*L~\nXYZ*9~");
    let j = json(&x12);
    let w = j["warnings"].as_array().unwrap();
    let unexpected: Vec<_> = w
        .iter()
        .filter(|w| w["code"] == "response::271::unexpected_segment")
        .collect();
    assert_eq!(unexpected.len(), 2, "{w:?}");
    assert_eq!(unexpected[0]["location"], "Loop 2100C");
    assert_eq!(unexpected[1]["location"], "Loop 2110C");
    assert_eq!(unexpected[1]["segment"], "XYZ");
    assert_eq!(content(j), content(json(LFH_271)));
}

#[test]
fn pipe_delimiters_and_cr_terminators_map_the_same() {
    let pipes = LFH_271.replace('*', "|");
    assert_eq!(content(json(&pipes)), content(json(LFH_271)));
    let cr = LFH_271.replace("~\n", "\r").replace('~', "\r");
    assert_eq!(content(json(&cr)), content(json(LFH_271)));
    let crlf = LFH_271.replace("~\n", "~\r\n");
    assert_eq!(content(json(&crlf)), content(json(LFH_271)));
}

#[test]
fn several_transaction_sets_map_one_response_each_and_the_api_picks_by_trace() {
    let body = |trace: &str, member: &str| {
        let start = LFH_271.find("ST*271").unwrap();
        let end = LFH_271.find("GE*").unwrap();
        LFH_271[start..end]
            .replace("93175-012547", trace)
            .replace("MI*123456789", &format!("MI*{member}"))
    };
    let head = &LFH_271[..LFH_271.find("ST*271").unwrap()];
    let x12 = format!(
        "{head}{}{}GE*2*1~\nIEA*1*000000907~\n",
        body("TRACE-A", "AAA1"),
        body("TRACE-B", "BBB2")
    );
    let all = map_all(&x12, &Context::default()).unwrap();
    assert_eq!(all.len(), 2);
    let ctx = Context {
        traces: vec!["TRACE-B".into()],
        ..Context::default()
    };
    let j = serde_json::to_value(map(&x12, &ctx).unwrap()).unwrap();
    assert_eq!(j["subscriber"]["memberId"], "BBB2");
    assert!(warning_codes(&j).contains(&"response::271::multiple_subscribers".to_owned()));
}

#[test]
fn a_4010_envelope_is_mapped_with_a_version_warning() {
    let j = json(IMS_4010);
    assert_eq!(j["subscriber"]["lastName"], "SMITH");
    assert_eq!(
        j["benefitsInformation"][0]["benefitsRelatedEntities"][0]["entityName"],
        "JONES"
    );
    let codes = warning_codes(&j);
    assert!(
        codes.iter().any(|c| c == "response::271::version"),
        "{codes:?}"
    );
}

#[test]
fn nm1_after_eb_without_ls_is_a_related_entity_not_the_member() {
    let x12 = LFH_271.replace(
        "EB*L~\nLS*2120~\nNM1*P3*1*JONES*MARCUS****SV*0202034~\nLE*2120~",
        "EB*L~\nNM1*P3*1*JONES*MARCUS****SV*0202034~\nN3*1 MAIN ST~",
    );
    let j = json(&x12);
    assert_eq!(j["subscriber"]["lastName"], "SMITH");
    assert_eq!(
        j["subscriber"]["address"]["address1"],
        "15197 BROADWAY AVENUE"
    );
    let e = &j["benefitsInformation"][1]["benefitsRelatedEntities"][0];
    assert_eq!(e["entityName"], "JONES");
    assert_eq!(e["address"]["address1"], "1 MAIN ST");
    assert!(warning_codes(&j).contains(&"response::271::ls_missing".to_owned()));
}

#[test]
fn admissions_and_discharges_are_arrays_of_dates_or_ranges() {
    let x12 = LFH_271.replace(
        "EB*L~",
        "EB*L~\nDTP*435*D8*20240105~\nDTP*435*RD8*20240201-20240210~\nDTP*096*D8*20240107~\nDTP*472*RD8*20240101-20241231~",
    );
    let d = &json(&x12)["benefitsInformation"][1]["benefitsDateInformation"];
    assert_eq!(
        *d,
        serde_json::json!({
            "discharges": [{"date": "20240107"}],
            "admissions": [{"date": "20240105"}, {"startDate": "20240201", "endDate": "20240210"}],
            "service": "20240101-20241231"
        })
    );
    let keys: Vec<_> = d.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["discharges", "admissions", "service"],
        "schema order"
    );
}

#[test]
fn aaa_in_2110_is_an_error_and_on_the_member() {
    let x12 = LFH_271.replace("EB*L~", "EB*L~\nAAA*N**57*C~");
    let j = json(&x12);
    assert_eq!(j["errors"][0]["code"], "57");
    assert_eq!(j["errors"][0]["location"], "Loop 2110C");
    assert_eq!(j["subscriber"]["aaaErrors"][0], j["errors"][0]);
}

const ACK_999: &str = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *240101*1200*^*00501*000000031*0*P*:~GS*FA*PAYER*SUBMITTER*20240101*1200*31*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HS*17*005010X279A1~AK2*270*0001*005010X279A1~IK3*NM1*8*2100C*8~IK4*9:1*67*6~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*31~IEA*1*000000031~";

#[test]
fn a_999_gives_acknowledgement_fields_and_positioned_errors() {
    let j = json(ACK_999);
    assert_eq!(j["status"], "ERROR");
    assert_eq!(j["transactionSetAcknowledgement"], "R");
    assert_eq!(j["implementationTransactionSetSyntaxError"], "5");
    let e = j["errors"].as_array().unwrap();
    assert_eq!(e.len(), 3, "{e:?}");
    assert_eq!(e[0]["field"], "IK3");
    assert_eq!(e[0]["description"], "Segment Has Data Element Errors");
    assert_eq!(e[0]["location"], "Loop 2100C, segment 8 `NM1`");
    assert_eq!(e[1]["field"], "IK4");
    assert_eq!(e[1]["code"], "6");
    assert_eq!(e[1]["description"], "Invalid Character In Data Element");
    assert_eq!(
        e[1]["location"],
        "Loop 2100C, segment 8 `NM1`, element 09, component 1"
    );
    assert_eq!(e[2]["field"], "IK5");
    assert_eq!(e[2]["location"], "Transaction set 0001");
    assert!(j.get("subscriber").is_none());
}

#[test]
fn a_ta1_alone_is_an_error_response() {
    let ta1 = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *240101*1200*^*00501*000000032*0*P*:~TA1*000000907*240101*1200*R*006~IEA*0*000000032~";
    let j = json(ta1);
    assert_eq!(j["status"], "ERROR");
    assert_eq!(j["transactionSetAcknowledgement"], "R");
    assert_eq!(j["errors"][0]["field"], "TA1");
    assert_eq!(
        j["errors"][0]["description"],
        "Invalid Interchange Sender ID"
    );
    assert_eq!(j["errors"][0]["location"], "Interchange 000000907");
}

#[test]
fn cli_without_request_takes_trace_id_from_bht03() {
    assert_eq!(json(LFH_271)["meta"]["traceId"], "10001234");
}

#[test]
fn unknown_codes_are_kept_and_service_types_stay_parallel() {
    let x12 = LFH_271.replace("EB*L~", "EB*L*QQQ*30^Z9*ZZ~");
    let b = &json(&x12)["benefitsInformation"][1];
    assert_eq!(b["serviceTypeCodes"], serde_json::json!(["30", "Z9"]));
    assert_eq!(
        b["serviceTypes"],
        serde_json::json!(["Health Benefit Plan Coverage", "Z9"])
    );
    assert_eq!(b["coverageLevelCode"], "QQQ");
    assert!(b.get("coverageLevel").is_none());
    assert_eq!(b["insuranceTypeCode"], "ZZ");
    assert!(b.get("insuranceType").is_none());
}

#[test]
fn a_second_date_for_one_field_is_kept_out_with_a_warning() {
    let x12 = LFH_271.replace(
        "DTP*346*D8*20060101~",
        "DTP*346*D8*20060101~\nDTP*346*D8*20070101~",
    );
    let j = json(&x12);
    assert_eq!(j["planDateInformation"]["planBegin"], "20060101");
    assert!(warning_codes(&j).contains(&"response::271::unknown_qualifier".to_owned()));
}
