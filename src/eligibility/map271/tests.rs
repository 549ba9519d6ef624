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
