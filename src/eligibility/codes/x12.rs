//! Code lists written from the X12 5010 270/271 guide (005010X279A1) and the anchors' documentation.
//! Each table is sorted by code; `tests.rs` checks that.

/// AAA03 reject reason codes (X12 901) as the anchors describe them.
pub static REJECT_REASONS: &[(&str, &str)] = &[
    ("04", "Authorized Quantity Exceeded"),
    ("15", "Required application data missing"),
    ("33", "Input Errors"),
    ("35", "Out of Network"),
    ("41", "Authorization/Access Restrictions"),
    ("42", "Unable to Respond at Current Time"),
    ("43", "Invalid/Missing Provider Identification"),
    ("44", "Invalid/Missing Provider Name"),
    ("45", "Invalid/Missing Provider Specialty"),
    ("46", "Invalid/Missing Provider Phone Number"),
    ("47", "Invalid/Missing Provider State"),
    (
        "48",
        "Invalid/Missing Referring Provider Identification Number",
    ),
    ("49", "Provider is Not Primary Care Physician"),
    ("50", "Provider Ineligible for Inquiries"),
    ("51", "Provider Not on File"),
    ("52", "Service Dates Not Within Provider Plan Enrollment"),
    ("53", "Inquired Benefit Inconsistent with Provider Type"),
    ("54", "Inappropriate Product/Service ID Qualifier"),
    ("55", "Inappropriate Product/Service ID"),
    ("56", "Inappropriate Date"),
    ("57", "Invalid/Missing Date(s) of Service"),
    ("58", "Invalid/Missing Date-of-Birth"),
    ("60", "Date of Birth Follows Date(s) of Service"),
    ("61", "Date of Death Precedes Date(s) of Service"),
    ("62", "Date of Service Not Within Allowable Inquiry Period"),
    ("63", "Date of Service in Future"),
    ("64", "Invalid/Missing Patient ID"),
    ("65", "Invalid/Missing Patient Name"),
    ("66", "Invalid/Missing Patient Gender Code"),
    ("67", "Patient Not Found"),
    ("68", "Duplicate Patient ID Number"),
    ("69", "Inconsistent with Patient's Age"),
    ("70", "Inconsistent with Patient's Gender"),
    (
        "71",
        "Patient Birth Date Does Not Match That for the Patient on the Database",
    ),
    ("72", "Invalid/Missing Subscriber/Insured ID"),
    ("73", "Invalid/Missing Subscriber/Insured Name"),
    ("74", "Invalid/Missing Subscriber/Insured Gender Code"),
    ("75", "Subscriber/Insured Not Found"),
    ("76", "Duplicate Subscriber/Insured ID Number"),
    ("77", "Subscriber Found, Patient Not Found"),
    ("78", "Subscriber/Insured Not in Group/Plan Identified"),
    ("79", "Invalid Participant Identification"),
    ("80", "No Response received - Transaction Terminated"),
    ("97", "Invalid or Missing Provider Address"),
    ("98", "Experimental Service or Procedure"),
    ("AA", "Authorization Number Not Found"),
    ("AE", "Requires Primary Care Physician Authorization"),
    ("AF", "Invalid/Missing Diagnosis Code(s)"),
    ("AG", "Invalid/Missing Procedure Code(s)"),
    ("AO", "Additional Patient Condition Information Required"),
    ("CI", "Certification Information Does Not Match Patient"),
    ("E8", "Requires Medical Review"),
    ("IA", "Invalid Authorization Number Format"),
    ("MA", "Missing Authorization"),
    ("T4", "Payer Name or Identifier Missing"),
];

/// AAA04 follow-up action codes (X12 889).
pub static FOLLOWUP_ACTIONS: &[(&str, &str)] = &[
    ("C", "Please Correct and Resubmit"),
    ("N", "Resubmission Not Allowed"),
    ("P", "Please Resubmit Original Transaction"),
    ("R", "Resubmission Allowed"),
    ("S", "Do Not Resubmit; Inquiry Initiated to a Third Party"),
    ("W", "Please Wait 30 Days and Resubmit"),
    ("X", "Please Wait 10 Days and Resubmit"),
    (
        "Y",
        "Do Not Resubmit; We Will Hold Your Request and Respond Again Shortly",
    ),
];

/// NM101 entity identifier codes used in 270/271 NM1 segments (X12 98).
pub static ENTITY_IDENTIFIERS: &[(&str, &str)] = &[
    ("03", "Dependent"),
    ("13", "Contracted Service Provider"),
    ("1I", "Preferred Provider Organization (PPO)"),
    ("1P", "Provider"),
    ("2B", "Third-Party Administrator"),
    ("36", "Employer"),
    ("73", "Other Physician"),
    ("80", "Hospital"),
    ("FA", "Facility"),
    ("GP", "Gateway Provider"),
    ("GW", "Group"),
    ("I3", "Independent Physicians Association (IPA)"),
    ("IL", "Insured or Subscriber"),
    ("LR", "Legal Representative"),
    ("OC", "Origin Carrier"),
    ("P3", "Primary Care Provider"),
    ("P4", "Prior Insurance Carrier"),
    ("P5", "Plan Sponsor"),
    ("PR", "Payer"),
    ("PRP", "Primary Payer"),
    ("SEP", "Secondary Payer"),
    ("TTP", "Tertiary Payer"),
    ("VER", "Party Performing Verification"),
    ("VN", "Vendor"),
    ("VY", "Organization Completing Configuration Change"),
    ("X3", "Utilization Management Organization"),
    ("Y2", "Managed Care Organization"),
];

/// NM102 entity type qualifiers (X12 1065).
pub static ENTITY_TYPES: &[(&str, &str)] = &[("1", "Person"), ("2", "Non-Person Entity")];

/// PER03/05/07 communication number qualifiers (X12 365).
pub static COMMUNICATION_MODES: &[(&str, &str)] = &[
    ("ED", "Electronic Data Interchange Access Number"),
    ("EM", "Electronic Mail"),
    ("EX", "Telephone Extension"),
    ("FX", "Facsimile"),
    ("TE", "Telephone"),
    ("UR", "Uniform Resource Locator (URL)"),
    ("WP", "Work Phone Number"),
];

/// INS02 individual relationship codes used in the 271 (X12 1069).
pub static RELATIONSHIPS: &[(&str, &str)] = &[
    ("01", "Spouse"),
    ("18", "Self"),
    ("19", "Child"),
    ("20", "Employee"),
    ("21", "Unknown"),
    ("34", "Other Adult"),
    ("39", "Organ Donor"),
    ("40", "Cadaver Donor"),
    ("53", "Life Partner"),
    ("G8", "Other Relationship"),
];

/// TRN01 trace type codes (X12 481).
pub static TRACE_TYPES: &[(&str, &str)] = &[
    ("1", "Current Transaction Trace Numbers"),
    ("2", "Referenced Transaction Trace Numbers"),
];

/// III01 code list qualifiers (X12 1270) as used in 2115.
pub static CODE_LIST_QUALIFIERS: &[(&str, &str)] = &[
    (
        "GR",
        "National Council on Compensation Insurance (NCCI) Nature of Injury Code",
    ),
    ("NI", "Nature of Injury Code"),
    ("ZZ", "Mutually Defined"),
];

/// EB13-1 / EQ02-1 product or service ID qualifiers (X12 235) used in 5010 eligibility.
pub static PRODUCT_SERVICE_QUALIFIERS: &[(&str, &str)] = &[
    ("AD", "American Dental Association Codes"),
    ("CJ", "Current Procedural Terminology (CPT) Codes"),
    (
        "HC",
        "Health Care Financing Administration Common Procedural Coding System (HCPCS) Codes",
    ),
    (
        "ID",
        "International Classification of Diseases, 9th Revision, Clinical Modification (ICD-9-CM) - Procedure",
    ),
    (
        "IV",
        "Home Infusion EDI Coalition (HIEC) Product/Service Code",
    ),
    ("N4", "National Drug Code in 5-4-2 Format"),
    ("ZZ", "Mutually Defined"),
];

/// III02 place of service codes (CMS place of service code set) with their names.
pub static PLACES_OF_SERVICE: &[(&str, &str)] = &[
    ("01", "Pharmacy"),
    ("03", "School"),
    ("04", "Homeless Shelter"),
    ("05", "Indian Health Service Free-standing Facility"),
    ("06", "Indian Health Service Provider-based Facility"),
    ("07", "Tribal 638 Free-standing Facility"),
    ("08", "Tribal 638 Provider-based Facility"),
    ("09", "Prison/Correctional Facility"),
    ("11", "Office"),
    ("12", "Home"),
    ("13", "Assisted Living Facility"),
    ("14", "Group Home"),
    ("15", "Mobile Unit"),
    ("16", "Temporary Lodging"),
    ("17", "Walk-in Retail Health Clinic"),
    ("18", "Place of Employment-Worksite"),
    ("19", "Off Campus-Outpatient Hospital"),
    ("20", "Urgent Care Facility"),
    ("21", "Inpatient Hospital"),
    ("22", "Outpatient Hospital"),
    ("23", "Emergency Room - Hospital"),
    ("24", "Ambulatory Surgical Center"),
    ("25", "Birthing Center"),
    ("26", "Military Treatment Facility"),
    ("31", "Skilled Nursing Facility"),
    ("32", "Nursing Facility"),
    ("33", "Custodial Care Facility"),
    ("34", "Hospice"),
    ("41", "Ambulance - Land"),
    ("42", "Ambulance - Air or Water"),
    ("49", "Independent Clinic"),
    ("50", "Federally Qualified Health Center"),
    ("51", "Inpatient Psychiatric Facility"),
    ("52", "Psychiatric Facility-Partial Hospitalization"),
    ("53", "Community Mental Health Center"),
    (
        "54",
        "Intermediate Care Facility/Individuals with Intellectual Disabilities",
    ),
    ("55", "Residential Substance Abuse Treatment Facility"),
    ("56", "Psychiatric Residential Treatment Center"),
    ("57", "Non-residential Substance Abuse Treatment Facility"),
    ("60", "Mass Immunization Center"),
    ("61", "Comprehensive Inpatient Rehabilitation Facility"),
    ("62", "Comprehensive Outpatient Rehabilitation Facility"),
    ("65", "End-Stage Renal Disease Treatment Facility"),
    ("71", "Public Health Clinic"),
    ("72", "Rural Health Clinic"),
    ("81", "Independent Laboratory"),
    ("99", "Other Place of Service"),
];

/// REF01 qualifiers → `planInformation` field names, in schema order (the order of this list is
/// the key order in the JSON; lookups go through [`ref_field`]).
pub static PLAN_INFORMATION_FIELDS: &[(&str, &str)] = &[
    ("0B", "stateLicenseNumber"),
    ("1C", "medicareProviderNumber"),
    ("1D", "medicaidProviderNumber"),
    ("1J", "facilityIdNumber"),
    ("4A", "personalIdentificationNumber"),
    ("18", "planNumber"),
    ("1L", "policyNumber"),
    ("1W", "memberId"),
    ("3H", "caseNumber"),
    ("49", "familyUnitNumber"),
    ("6P", "groupNumber"),
    ("9F", "referralNumber"),
    ("ALS", "alternativeListId"),
    ("CE", "classOfContractCode"),
    ("CLI", "coverageListId"),
    ("CT", "contractNumber"),
    ("EA", "medicalRecordIdentificationNumber"),
    ("EL", "electronicDevicePin"),
    ("EO", "submitterIdentificationNumber"),
    ("EJ", "patientAccountNumber"),
    ("F6", "hicNumber"),
    ("FO", "drugFormularyNumber"),
    ("G1", "priorAuthorizationNumber"),
    ("GH", "idCardSerialNumber"),
    ("HJ", "idCardNumber"),
    ("HPI", "centersForMedicareAndMedicaidServicesNPI"),
    ("IF", "issueNumber"),
    ("IG", "insurancePolicyNumber"),
    ("JD", "userIdentification"),
    ("M7", "medicalAssistanceCategory"),
    ("MRC", "eligibilityCategory"),
    ("N5", "providerPlanNetworkIdNumber"),
    ("N6", "planNetworkIdNumber"),
    ("N7", "facilityNetworkIdentificationNumber"),
    ("NQ", "medicaidRecipientIdNumber"),
    ("Q4", "priorIdNumber"),
    ("SY", "socialSecurityNumber"),
    ("TJ", "federalTaxpayersIdentificationNumber"),
    ("Y4", "agencyClaimNumber"),
];

/// REF01 qualifiers whose REF03 has its own `planInformation` field.
pub static PLAN_INFORMATION_DESCRIPTIONS: &[(&str, &str)] = &[
    ("18", "planDescription"),
    ("6P", "groupDescription"),
    ("N6", "planNetworkIdDescription"),
];

/// REF01 qualifiers → `benefitsAdditionalInformation` field names (2110 REF), in schema order.
pub static BENEFIT_REF_FIELDS: &[(&str, &str)] = &[
    ("18", "planNumber"),
    ("1L", "policyNumber"),
    ("1W", "memberId"),
    ("49", "familyUnitNumber"),
    ("6P", "groupNumber"),
    ("9F", "referralNumber"),
    ("ALS", "alternativeListId"),
    ("CLI", "coverageListId"),
    ("F6", "hicNumber"),
    ("FO", "drugFormularyNumber"),
    ("G1", "priorAuthorizationNumber"),
    ("IG", "insurancePolicyNumber"),
    ("M7", "medicalAssistanceCategory"),
    ("N6", "planNetworkIdNumber"),
    ("NQ", "medicaidRecepientIdNumber"),
];

/// REF01 qualifiers whose 2110 REF03 has its own field (Stedi).
pub static BENEFIT_REF_DESCRIPTIONS: &[(&str, &str)] = &[
    ("18", "planDescription"),
    ("6P", "groupDescription"),
    ("N6", "planNetworkDescription"),
];

/// DTP01 qualifiers → `planDateInformation` field names, in schema order.
pub static PLAN_DATE_FIELDS: &[(&str, &str)] = &[
    ("096", "discharge"),
    ("102", "issue"),
    ("152", "effectiveDateOfChange"),
    ("193", "periodStart"),
    ("194", "periodEnd"),
    ("198", "completion"),
    ("290", "coordinationOfBenefits"),
    ("291", "plan"),
    ("292", "benefit"),
    ("295", "primaryCareProvider"),
    ("304", "latestVisitOrConsultation"),
    ("307", "eligibility"),
    ("318", "added"),
    ("340", "cobraBegin"),
    ("341", "cobraEnd"),
    ("342", "premiumPaidToDateBegin"),
    ("343", "premiumPaidToDateEnd"),
    ("346", "planBegin"),
    ("347", "planEnd"),
    ("348", "benefitBegin"),
    ("349", "benefitEnd"),
    ("356", "eligibilityBegin"),
    ("357", "eligibilityEnd"),
    ("382", "enrollment"),
    ("435", "admission"),
    ("442", "dateOfDeath"),
    ("458", "certification"),
    ("472", "service"),
    ("539", "policyEffective"),
    ("540", "policyExpiration"),
    ("636", "dateOfLastUpdate"),
    ("771", "status"),
];

/// DTP01 qualifiers → `benefitsDateInformation` field names: as [`PLAN_DATE_FIELDS`] but with the
/// anchors' spelling `premiumPaidtoDateBegin`; 096 and 435 go to the `discharges`/`admissions` arrays.
pub static BENEFIT_DATE_FIELDS: &[(&str, &str)] = &[
    ("096", "discharges"),
    ("102", "issue"),
    ("152", "effectiveDateOfChange"),
    ("193", "periodStart"),
    ("194", "periodEnd"),
    ("198", "completion"),
    ("290", "coordinationOfBenefits"),
    ("291", "plan"),
    ("292", "benefit"),
    ("295", "primaryCareProvider"),
    ("304", "latestVisitOrConsultation"),
    ("307", "eligibility"),
    ("318", "added"),
    ("340", "cobraBegin"),
    ("341", "cobraEnd"),
    ("342", "premiumPaidtoDateBegin"),
    ("343", "premiumPaidToDateEnd"),
    ("346", "planBegin"),
    ("347", "planEnd"),
    ("348", "benefitBegin"),
    ("349", "benefitEnd"),
    ("356", "eligibilityBegin"),
    ("357", "eligibilityEnd"),
    ("382", "enrollment"),
    ("435", "admissions"),
    ("442", "dateOfDeath"),
    ("458", "certification"),
    ("472", "service"),
    ("539", "policyEffective"),
    ("540", "policyExpiration"),
    ("636", "dateOfLastUpdate"),
    ("771", "status"),
];

/// DTP01 qualifiers of 2110 whose dates form a list (`discharges`, `admissions`) rather than one string.
pub static BENEFIT_DATE_LISTS: &[&str] = &["096", "435"];

/// Looks a qualifier up in one of the schema-ordered field tables; returns the field name and
/// its position (for key order).
pub fn field(
    table: &'static [(&'static str, &'static str)],
    qualifier: &str,
) -> Option<(u16, &'static str)> {
    table
        .iter()
        .position(|(q, _)| *q == qualifier)
        .and_then(|i| Some((u16::try_from(i).ok()?, table.get(i)?.1)))
}

/// EQ01/EB03 service type codes valid in 005010X279A1 (187 codes: the 5010 code list as carried by
/// the pyx12 and `LinuxForHealth` 5010 maps; later additions such as `EA`–`EK`, `FA`, `FB` and `V3`+ are
/// not 5010 codes). Sorted for binary search.
pub static SERVICE_TYPES_5010: &[&str] = &[
    "1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "2", "20", "21", "22", "23",
    "24", "25", "26", "27", "28", "3", "30", "32", "33", "34", "35", "36", "37", "38", "39", "4",
    "40", "41", "42", "43", "44", "45", "46", "47", "48", "49", "5", "50", "51", "52", "53", "54",
    "55", "56", "57", "58", "59", "6", "60", "61", "62", "63", "64", "65", "66", "67", "68", "69",
    "7", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "8", "80", "81", "82", "83",
    "84", "85", "86", "87", "88", "89", "9", "90", "91", "92", "93", "94", "95", "96", "97", "98",
    "99", "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "AA", "AB", "AC", "AD", "AE",
    "AF", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN", "AO", "AQ", "AR", "B1", "B2", "B3", "BA",
    "BB", "BC", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BK", "BL", "BM", "BN", "BP", "BQ", "BR",
    "BS", "BT", "BU", "BV", "BW", "BX", "BY", "BZ", "C1", "CA", "CB", "CC", "CD", "CE", "CF", "CG",
    "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CQ", "DG", "DM", "DS", "GF", "GN", "GY",
    "IC", "MH", "NI", "ON", "PT", "PU", "RN", "RT", "TC", "TN", "UC",
];
