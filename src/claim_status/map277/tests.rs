use super::*;

const ISA: &str = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLIENT         *250912*1718*^*00501*123456789*0*P*:~GS*HN*PAYER*CLIENT*20250912*1718*1*X*005010X212~";

fn doc(body: &str) -> String {
    let count = body.matches('~').count() + 2;
    format!("{ISA}ST*277*0001*005010X212~{body}SE*{count}*0001~GE*1*1~IEA*1*123456789~")
}

const UPPER: &str = "BHT*0010*08*REF1*20250912*1718*DG~HL*1**20*1~NM1*PR*2*ACME*****PI*87726~PER*IC*HELP*TE*5551234567*EX*12~HL*2*1*21*1~NM1*41*2*CLINIC*****46*ETIN1~HL*3*2*19*1~NM1*1P*2*DOCS*****XX*1999999984~";

#[test]
fn maps_every_claim_field_and_composite() {
    let x12 = doc(&format!(
        "{UPPER}HL*4*3*22*0~NM1*IL*1*DOE*JANE****MI*M1~TRN*2*T1~STC*F1:65:1E*20250717**267.54*108.77*20250715**20250717*CHK1*F2:107*P1:3:QC~REF*1K*PCN~REF*EJ*PAN~REF*D9*CHN~DTP*472*RD8*20250701-20250702~SVC*HC:90837:GT*267.54*108.77*0450***1~STC*F1:107*20250717~REF*FJ*L1~DTP*472*D8*20250701~"
    ));
    let r = map(&x12, &Context::default()).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["controlNumber"], "123456789");
    assert_eq!(v["tradingPartnerServiceId"], "87726");
    assert_eq!(v["payer"]["contactInformation"]["phone"], "5551234567");
    assert_eq!(v["payer"]["contactInformation"]["phoneExtension"], "12");
    assert_eq!(v["providers"][0]["etin"], "ETIN1");
    assert_eq!(v["providers"][0]["providerType"], "BillingProvider");
    assert_eq!(v["providers"][1]["npi"], "1999999984");
    assert_eq!(v["subscriber"]["memberId"], "M1");
    assert_eq!(v["subscriber"]["firstName"], "JANE");
    let cs = &v["claims"][0]["claimStatus"];
    assert_eq!(cs["statusCategoryCode"], "F1");
    assert_eq!(
        cs["statusCategoryCodeValue"],
        "Finalized/Payment-The claim/line has been paid."
    );
    assert_eq!(cs["statusCodeValue"], "Claim/line has been paid.");
    assert_eq!(cs["entity"], "Health Maintenance Organization (HMO)");
    assert_eq!(cs["effectiveDate"], "20250717");
    assert_eq!(cs["submittedAmount"], "267.54");
    assert_eq!(cs["amountPaid"], "108.77");
    assert_eq!(cs["paidDate"], "20250715");
    assert_eq!(cs["checkIssueDate"], "20250717");
    assert_eq!(cs["checkNumber"], "CHK1");
    assert_eq!(cs["secondaryStatusCategoryCode"], "F2");
    assert_eq!(cs["secondaryStatusCode"], "107");
    assert_eq!(cs["tertiaryEntityCode"], "QC");
    assert_eq!(cs["tertiaryEntity"], "Patient");
    assert_eq!(cs["trackingNumber"], "T1");
    assert_eq!(cs["tradingPartnerClaimNumber"], "PCN");
    assert_eq!(cs["patientAccountNumber"], "PAN");
    assert_eq!(cs["clearingHouseClaimNumber"], "CHN");
    assert_eq!(cs["claimServiceDate"], "20250701-20250702");
    let sd = &v["claims"][0]["serviceDetails"][0];
    assert_eq!(sd["service"]["serviceIdQualifierCode"], "HC");
    assert_eq!(sd["service"]["procedureId"], "90837");
    assert_eq!(sd["service"]["revenueCode"], "0450");
    assert_eq!(sd["service"]["submittedUnits"], "1");
    assert_eq!(sd["status"][0]["statusCode"], "107");
    assert!(v.get("errorResponse").is_none() && v.get("status").is_none());
    assert_eq!(v["x12"], x12.as_str());
}

#[test]
fn iso_dates_when_asked() {
    let x12 = doc(&format!(
        "{UPPER}HL*4*3*22*0~NM1*IL*1*DOE*JANE****MI*M1~TRN*2*T1~STC*F1:65*20250717**1*1*20250715**BAD~"
    ));
    let ctx = Context {
        dates: DateStyle::Iso,
        ..Context::default()
    };
    let v = serde_json::to_value(map(&x12, &ctx).unwrap()).unwrap();
    assert_eq!(v["claims"][0]["claimStatus"]["effectiveDate"], "2025-07-17");
    assert_eq!(v["claims"][0]["claimStatus"]["paidDate"], "2025-07-15");
    assert_eq!(v["claims"][0]["claimStatus"]["checkIssueDate"], "BAD");
}

#[test]
fn receiver_level_rejection_is_an_error_response() {
    let x12 = doc(
        "BHT*0010*08*REF1*20250912*1718*DG~HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*0~NM1*41*2*CLINIC*****46*E1~TRN*2*REF1~STC*E0:0*20250912~",
    );
    let all = map_all(&x12, &Context::default()).unwrap();
    assert_eq!(all.len(), 1);
    let v = serde_json::to_value(&all[0]).unwrap();
    assert_eq!(v["status"], "ERROR");
    assert_eq!(v["errorResponse"]["code"], "E0");
    assert_eq!(v["errorResponse"]["errors"][0]["location"], "Loop 2200B");
    assert_eq!(v["errorResponse"]["errors"][0]["value"], "E0:0");
    assert_eq!(
        v["errorResponse"]["errors"][0]["followupAction"],
        "Please Correct and Resubmit"
    );
    assert!(v.get("claims").is_none());
}

#[test]
fn several_stcs_and_patients() {
    let x12 = doc(&format!(
        "{UPPER}HL*4*3*22*0~NM1*IL*1*A*B****MI*M1~TRN*2*T1~STC*F1:65*20250717~STC*F2:88*20250717~HL*5*3*22*1~NM1*IL*1*C*D****MI*M2~HL*6*5*23~NM1*QC*1*E*F~TRN*2*T2~STC*P1:20*20250717~"
    ));
    let all = map_all(&x12, &Context::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].claims.len(), 2);
    assert_eq!(
        all[0].warnings[0].code,
        "response::277::several_claim_statuses"
    );
    assert_eq!(
        all[1].dependent.as_ref().unwrap().first_name.as_deref(),
        Some("F")
    );
    let ctx = Context {
        traces: vec!["T2".into()],
        ..Context::default()
    };
    let picked = map(&x12, &ctx).unwrap();
    assert_eq!(
        picked.claims[0].claim_status.tracking_number.as_deref(),
        Some("T2")
    );
    assert_eq!(
        picked.warnings.last().unwrap().code,
        "response::277::multiple_patients"
    );
}

#[test]
fn a_999_fills_the_acknowledgement_fields() {
    let x12 = "ISA*00*          *00*          *ZZ*STEDI          *ZZ*SENDER         *260403*0930*^*00501*736013965*0*P*`~GS*FA*STEDI*117151744*20260403*093042*736013965*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HR*1*005010X212~AK2*276*0001*005010X212~IK3*SE*2**2~IK3*SE*2**3~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*736013965~IEA*1*736013965~";
    let v = serde_json::to_value(map(x12, &Context::default()).unwrap()).unwrap();
    assert_eq!(v["controlNumber"], "736013965");
    assert_eq!(v["status"], "ERROR");
    assert_eq!(v["transactionSetAcknowledgement"], "R");
    assert_eq!(v["implementationTransactionSetSyntaxError"], "5");
    assert_eq!(v["errorResponse"]["errors"][0]["field"], "IK3");
}

#[test]
fn malformed_input_is_a_named_error_not_a_panic() {
    for (why, input) in [
        ("empty", ""),
        ("no ISA", "GS*HN~"),
        ("short ISA without GS", "ISA*00*~"),
        (
            "envelope only",
            "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~IEA*1*000000001~",
        ),
    ] {
        let e = map(input, &Context::default()).unwrap_err();
        assert!(!e.to_string().is_empty(), "{why}");
    }
    let e = map("GS*HN~", &Context::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the claim status response is not readable X12: input does not start with `ISA` (byte 0)"
    );
}

#[test]
fn aaa_from_a_payer_goes_into_error_response() {
    let x12 = doc(&format!(
        "{UPPER}HL*4*3*22*0~NM1*IL*1*DOE*JANE****MI*M1~AAA*N**72*C~"
    ));
    let v = serde_json::to_value(map(&x12, &Context::default()).unwrap()).unwrap();
    assert_eq!(v["errorResponse"]["errors"][0]["field"], "AAA");
    assert_eq!(v["errorResponse"]["errors"][0]["code"], "72");
    assert_eq!(v["errorResponse"]["errors"][0]["location"], "Loop 2100D");
    assert_eq!(v["status"], "ERROR");
}

#[test]
fn upper_levels_copied_to_each_patient_are_bounded() {
    let mut body =
        String::from("HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*1~NM1*41*2*C*****46*E~TRN*2*R~");
    body.push_str(&"STC*E0:0*20250912~".repeat(50));
    body.push_str("HL*3*2*19*1~");
    body.push_str(&"NM1*1P*2*D*****XX*1~".repeat(50));
    for i in 4..24 {
        body.push_str("HL*");
        body.push_str(&i.to_string());
        body.push_str("*3*22*0~NM1*IL*1*A*B****MI*M~TRN*2*T~STC*P1:20*20250717~");
    }
    let x12 = doc(&body);
    let all = map_all(&x12, &Context::default()).unwrap();
    assert_eq!(all.len(), 20);
    for r in &all {
        assert_eq!(r.error_response.as_ref().unwrap().errors.len(), MAX_UPPER);
        assert_eq!(r.providers.len(), MAX_UPPER + 1);
        assert!(r.warnings.len() <= MAX_PENDING_WARNINGS);
    }
    assert!(
        all[0]
            .warnings
            .iter()
            .any(|w| w.code == "response::277::too_many_upper_items")
    );
}
