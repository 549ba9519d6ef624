//! Generated once from `code-lists-claimstatus.json` of the shared claim-status research (see the
//! module docs of `claim_status::codes` for the sources); edit as data. Sorted by code (tests check).

/// Product/Service ID Qualifiers of `SVC01-1` with the names Change's `OpenAPI` gives them.
pub static SERVICE_ID_QUALIFIERS: &[(&str, &str)] = &[
    ("AD", "American Dental Association Codes"),
    ("ER", "Jurisdiction Specific Procedure and Supply Codes"),
    (
        "HC",
        "Health Care Financing Administration Common Procedural Coding System (HCPCS) Codes",
    ),
    (
        "HP",
        "Health Insurance Prospective Payment System (HIPPS) Skilled Nursing Facility Rate Code",
    ),
    (
        "IV",
        "Home Infusion EDI Coalition (HIEC) Product/Service Code",
    ),
    ("N4", "National Drug Code in 5-4-2 Format"),
    ("NU", "National Uniform Billing Committee (NUBC) UB92 Codes"),
    ("WK", "Advanced Billing Concepts (ABC) Codes"),
];
