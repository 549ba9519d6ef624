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
