use super::*;

fn sorted(table: &[(&str, &str)]) -> bool {
    table.windows(2).all(|w| w[0].0 < w[1].0)
}

#[test]
fn lookup_tables_are_sorted_so_binary_search_works() {
    for (label, table) in [
        ("service types", SERVICE_TYPES),
        ("eligibility codes", ELIGIBILITY_CODES),
        ("coverage levels", COVERAGE_LEVELS),
        ("insurance types", INSURANCE_TYPES),
        ("time periods", TIME_PERIODS),
        ("quantity qualifiers", QUANTITY_QUALIFIERS),
        ("network indicators", NETWORK_INDICATORS),
        ("hsd quantity", HSD_QUANTITY_QUALIFIERS),
        ("hsd units", HSD_UNITS),
        ("hsd periods", HSD_TIME_PERIODS),
        ("hsd calendar", HSD_CALENDAR_PATTERNS),
        ("hsd time", HSD_TIME_PATTERNS),
        ("reject reasons", REJECT_REASONS),
        ("follow-up actions", FOLLOWUP_ACTIONS),
        ("entity identifiers", ENTITY_IDENTIFIERS),
        ("entity types", ENTITY_TYPES),
        ("communication modes", COMMUNICATION_MODES),
        ("relationships", RELATIONSHIPS),
        ("trace types", TRACE_TYPES),
        ("code list qualifiers", CODE_LIST_QUALIFIERS),
        ("product qualifiers", PRODUCT_SERVICE_QUALIFIERS),
        ("places of service", PLACES_OF_SERVICE),
    ] {
        assert!(sorted(table), "{label} must be sorted by code");
    }
    assert!(SERVICE_TYPES_5010.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn table_sizes_match_their_sources() {
    assert_eq!(SERVICE_TYPES.len(), 243, "Stedi enum");
    assert_eq!(
        SERVICE_TYPES_5010.len(),
        187,
        "5010 list (pyx12, LinuxForHealth)"
    );
    assert_eq!(ELIGIBILITY_CODES.len(), 35);
    assert_eq!(INSURANCE_TYPES.len(), 45);
    assert_eq!(TIME_PERIODS.len(), 19);
    assert_eq!(QUANTITY_QUALIFIERS.len(), 18);
    assert_eq!(
        REJECT_REASONS.len(),
        55,
        "Stedi EligibilityCheckErrorCode enum"
    );
    assert_eq!(FOLLOWUP_ACTIONS.len(), 8);
    assert_eq!(COMMUNICATION_MODES.len(), 7);
}

#[test]
fn names_the_anchors_print() {
    assert_eq!(
        name(SERVICE_TYPES, "30"),
        Some("Health Benefit Plan Coverage")
    );
    assert_eq!(name(SERVICE_TYPES, "A6"), Some("Psychotherapy"));
    assert_eq!(name(SERVICE_TYPES, "ZZZ"), None);
    assert_eq!(
        name(ELIGIBILITY_CODES, "G"),
        Some("Out of Pocket (Stop Loss)")
    );
    assert_eq!(name(ELIGIBILITY_CODES, "CB"), Some("Coverage Basis"));
    assert_eq!(name(COVERAGE_LEVELS, "FAM"), Some("Family"));
    assert_eq!(name(TIME_PERIODS, "27"), Some("Visit"));
    assert_eq!(name(NETWORK_INDICATORS, "W"), Some("Not Applicable"));
    assert_eq!(
        name(REJECT_REASONS, "44"),
        Some("Invalid/Missing Provider Name")
    );
    assert_eq!(
        name(REJECT_REASONS, "75"),
        Some("Subscriber/Insured Not Found")
    );
    assert_eq!(
        name(FOLLOWUP_ACTIONS, "C"),
        Some("Please Correct and Resubmit")
    );
    assert_eq!(
        name(ENTITY_IDENTIFIERS, "IL"),
        Some("Insured or Subscriber")
    );
    assert_eq!(name(PLACES_OF_SERVICE, "22"), Some("Outpatient Hospital"));
    assert!(contains(SERVICE_TYPES_5010, "98") && contains(SERVICE_TYPES_5010, "UC"));
    assert!(!contains(SERVICE_TYPES_5010, "31") && !contains(SERVICE_TYPES_5010, "V3"));
}

#[test]
fn field_tables_have_unique_qualifiers_and_names() {
    for table in [
        PLAN_INFORMATION_FIELDS,
        BENEFIT_REF_FIELDS,
        PLAN_DATE_FIELDS,
        BENEFIT_DATE_FIELDS,
    ] {
        for (i, (q, n)) in table.iter().enumerate() {
            assert!(
                table.iter().skip(i + 1).all(|(q2, n2)| q2 != q && n2 != n),
                "{q} {n} repeated"
            );
        }
    }
    assert_eq!(field(PLAN_DATE_FIELDS, "291"), Some((7, "plan")));
    assert_eq!(
        field(BENEFIT_DATE_FIELDS, "342").map(|f| f.1),
        Some("premiumPaidtoDateBegin")
    );
    assert_eq!(
        field(BENEFIT_REF_FIELDS, "NQ").map(|f| f.1),
        Some("medicaidRecepientIdNumber")
    );
}

#[test]
fn acknowledgement_tables_are_sorted_and_complete() {
    for (label, table, len) in [
        ("IK501", ACK_CODES, 7),
        ("IK502", TRANSACTION_SET_ERRORS, 25),
        ("IK304", SEGMENT_ERRORS, 13),
        ("IK403", ELEMENT_ERRORS, 18),
        ("TA105", INTERCHANGE_NOTES, 32),
        ("TA104", INTERCHANGE_ACK_CODES, 3),
    ] {
        assert!(sorted(table), "{label} must be sorted by code");
        assert_eq!(table.len(), len, "{label}");
    }
    assert_eq!(name(ACK_CODES, "R"), Some("Rejected"));
    assert_eq!(
        name(TRANSACTION_SET_ERRORS, "5"),
        Some("One or More Segments in Error")
    );
    assert_eq!(
        name(SEGMENT_ERRORS, "8"),
        Some("Segment Has Data Element Errors")
    );
    assert_eq!(
        name(ELEMENT_ERRORS, "I12"),
        Some("Implementation Pattern Match Failure")
    );
    assert_eq!(
        name(INTERCHANGE_NOTES, "006"),
        Some("Invalid Interchange Sender ID")
    );
}

/// EB01 (contract 4.10, Stedi enum): every code with the name the anchors print.
#[test]
fn eligibility_codes_carry_the_anchor_names() {
    let want = [
        ("1", "Active Coverage"),
        ("2", "Active - Full Risk Capitation"),
        ("3", "Active - Services Capitated"),
        ("4", "Active - Services Capitated to Primary Care Physician"),
        ("5", "Active - Pending Investigation"),
        ("6", "Inactive"),
        ("7", "Inactive - Pending Eligibility Update"),
        ("8", "Inactive - Pending Investigation"),
        ("A", "Co-Insurance"),
        ("B", "Co-Payment"),
        ("C", "Deductible"),
        ("CB", "Coverage Basis"),
        ("D", "Benefit Description"),
        ("E", "Exclusions"),
        ("F", "Limitations"),
        ("G", "Out of Pocket (Stop Loss)"),
        ("H", "Unlimited"),
        ("I", "Non-Covered"),
        ("J", "Cost Containment"),
        ("K", "Reserve"),
        ("L", "Primary Care Provider"),
        ("M", "Pre-existing Condition"),
        ("MC", "Managed Care Coordinator"),
        ("N", "Services Restricted to Following Provider"),
        ("O", "Not Deemed a Medical Necessity"),
        ("P", "Benefit Disclaimer"),
        ("Q", "Second Surgical Opinion Required"),
        ("R", "Other or Additional Payor"),
        ("S", "Prior Year(s) History"),
        ("T", "Card(s) Reported Lost/Stolen"),
        (
            "U",
            "Contact Following Entity for Eligibility or Benefit Information",
        ),
        ("V", "Cannot Process"),
        ("W", "Other Source of Data"),
        ("X", "Health Care Facility"),
        ("Y", "Spend Down"),
    ];
    assert_eq!(ELIGIBILITY_CODES, &want);
}

/// EB02, EB12 and AAA04 (contract 4.10, 5.1).
#[test]
fn coverage_levels_network_indicators_and_followup_actions() {
    assert_eq!(
        COVERAGE_LEVELS,
        &[
            ("CHD", "Children Only"),
            ("DEP", "Dependents Only"),
            ("ECH", "Employee and Children"),
            ("EMP", "Employee Only"),
            ("ESP", "Employee and Spouse"),
            ("FAM", "Family"),
            ("IND", "Individual"),
            ("SPC", "Spouse and Children"),
            ("SPO", "Spouse Only"),
        ]
    );
    assert_eq!(
        NETWORK_INDICATORS,
        &[
            ("N", "No"),
            ("U", "Unknown"),
            ("W", "Not Applicable"),
            ("Y", "Yes")
        ]
    );
    let actions: Vec<_> = FOLLOWUP_ACTIONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(actions, ["C", "N", "P", "R", "S", "W", "X", "Y"]);
    assert_eq!(
        name(FOLLOWUP_ACTIONS, "Y"),
        Some("Do Not Resubmit; We Will Hold Your Request and Respond Again Shortly")
    );
}

/// EB06, EB09, EB04 and EB03 examples the contract names (4.10).
#[test]
fn time_quantity_insurance_and_service_type_names() {
    for (code, want) in [
        ("23", "Calendar Year"),
        ("24", "Year to Date"),
        ("27", "Visit"),
        ("29", "Remaining"),
        ("32", "Lifetime"),
    ] {
        assert_eq!(name(TIME_PERIODS, code), Some(want), "EB06 {code}");
    }
    assert_eq!(name(QUANTITY_QUALIFIERS, "VS"), Some("Visits"));
    assert_eq!(name(INSURANCE_TYPES, "C1"), Some("Commercial"));
    assert_eq!(name(INSURANCE_TYPES, "MA"), Some("Medicare Part A"));
    assert_eq!(name(INSURANCE_TYPES, "MC"), Some("Medicaid"));
    assert_eq!(name(SERVICE_TYPES, "MH"), Some("Mental Health"));
    assert_eq!(
        name(SERVICE_TYPES, "BB"),
        Some("Partial Hospitalization (Psychiatric)")
    );
    // HSD05 is EB06 without 13 and 36.
    assert_eq!(HSD_TIME_PERIODS.len() + 2, TIME_PERIODS.len());
    assert!(name(HSD_TIME_PERIODS, "13").is_none() && name(HSD_TIME_PERIODS, "36").is_none());
    // Every 5010 service type has a name.
    for code in SERVICE_TYPES_5010 {
        assert!(name(SERVICE_TYPES, code).is_some(), "EB03 {code}");
    }
}

/// AAA03 per level (contract 5.1): every code a payer may send has a description.
#[test]
fn every_reject_reason_of_every_level_has_a_description() {
    let levels = "04 41 42 79 80 T4 15 43 44 45 46 47 48 50 51 97 33 35 49 52 53 54 55 56 57 58 \
                  60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 98 AA AE AF AG AO CI E8 IA MA";
    for code in levels.split_whitespace() {
        assert!(name(REJECT_REASONS, code).is_some(), "AAA03 {code}");
    }
}

/// NM101 names: Stedi's `RelatedEntityIdentifierName` (25), payer and provider entity names, and
/// the member codes.
#[test]
fn entity_identifiers_cover_the_stedi_enums() {
    let names: Vec<_> = ENTITY_IDENTIFIERS.iter().map(|(_, n)| *n).collect();
    for want in [
        "Contracted Service Provider",
        "Preferred Provider Organization (PPO)",
        "Provider",
        "Third-Party Administrator",
        "Employer",
        "Other Physician",
        "Facility",
        "Gateway Provider",
        "Group",
        "Independent Physicians Association (IPA)",
        "Insured or Subscriber",
        "Legal Representative",
        "Origin Carrier",
        "Primary Care Provider",
        "Prior Insurance Carrier",
        "Plan Sponsor",
        "Payer",
        "Primary Payer",
        "Secondary Payer",
        "Tertiary Payer",
        "Party Performing Verification",
        "Vendor",
        "Organization Completing Configuration Change",
        "Utilization Management Organization",
        "Managed Care Organization",
        "Hospital",
        "Dependent",
    ] {
        assert!(names.contains(&want), "{want}");
    }
    assert_eq!(name(ENTITY_IDENTIFIERS, "03"), Some("Dependent"));
    assert_eq!(name(ENTITY_TYPES, "2"), Some("Non-Person Entity"));
    assert_eq!(name(RELATIONSHIPS, "01"), Some("Spouse"));
    assert_eq!(
        name(TRACE_TYPES, "1"),
        Some("Current Transaction Trace Numbers")
    );
}

/// PER qualifiers (contract 4.3, Stedi `CommunicationMode`).
#[test]
fn communication_modes_are_the_stedi_enum() {
    let mut names: Vec<_> = COMMUNICATION_MODES.iter().map(|(_, n)| *n).collect();
    names.sort_unstable();
    let mut want = [
        "Electronic Data Interchange Access Number",
        "Electronic Mail",
        "Facsimile",
        "Telephone",
        "Uniform Resource Locator (URL)",
        "Telephone Extension",
        "Work Phone Number",
    ];
    want.sort_unstable();
    assert_eq!(names, want);
}

/// REF and DTP qualifiers of contract 4.7–4.9, each with its field name.
#[test]
fn ref_and_dtp_qualifiers_name_the_contract_fields() {
    for (q, key) in [
        ("0B", "stateLicenseNumber"),
        ("HPI", "centersForMedicareAndMedicaidServicesNPI"),
        ("N5", "providerPlanNetworkIdNumber"),
        ("6P", "groupNumber"),
        ("Q4", "priorIdNumber"),
        ("SY", "socialSecurityNumber"),
        ("MRC", "eligibilityCategory"),
        ("Y4", "agencyClaimNumber"),
        ("NQ", "medicaidRecipientIdNumber"),
    ] {
        assert_eq!(
            field(PLAN_INFORMATION_FIELDS, q).map(|f| f.1),
            Some(key),
            "{q}"
        );
    }
    assert_eq!(PLAN_INFORMATION_FIELDS.len(), 39);
    assert_eq!(BENEFIT_REF_FIELDS.len(), 15);
    for (q, key) in [
        ("096", "discharge"),
        ("291", "plan"),
        ("342", "premiumPaidToDateBegin"),
        ("356", "eligibilityBegin"),
        ("771", "status"),
    ] {
        assert_eq!(field(PLAN_DATE_FIELDS, q).map(|f| f.1), Some(key), "{q}");
    }
    assert_eq!(PLAN_DATE_FIELDS.len(), 32);
    assert_eq!(
        field(BENEFIT_DATE_FIELDS, "096").map(|f| f.1),
        Some("discharges")
    );
    assert_eq!(
        field(BENEFIT_DATE_FIELDS, "435").map(|f| f.1),
        Some("admissions")
    );
    assert_eq!(BENEFIT_DATE_FIELDS.len(), 32);
    for q in BENEFIT_DATE_LISTS {
        assert!(field(BENEFIT_DATE_FIELDS, q).is_some());
    }
}

#[test]
fn lookups_find_every_code_of_every_table_and_nothing_else() {
    for table in [
        SERVICE_TYPES,
        ELIGIBILITY_CODES,
        INSURANCE_TYPES,
        REJECT_REASONS,
        ENTITY_IDENTIFIERS,
        PLACES_OF_SERVICE,
        INTERCHANGE_NOTES,
        ELEMENT_ERRORS,
        PRODUCT_SERVICE_QUALIFIERS,
    ] {
        for (code, want) in table {
            assert_eq!(name(table, code), Some(*want), "{code}");
            assert_eq!(
                name(table, &format!("{code}0")),
                table
                    .iter()
                    .find(|(c, _)| *c == format!("{code}0"))
                    .map(|(_, n)| *n)
            );
        }
        assert_eq!(name(table, ""), None);
        assert_eq!(name(table, "LONGER-THAN-FOUR"), None);
    }
}
