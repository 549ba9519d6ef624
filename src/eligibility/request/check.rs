//! Validation of a request before anything is built: every problem at once, each with its JSON
//! path. Messages name the rule, never the value (member data stays with the caller).
#![allow(
    clippy::ref_option,
    reason = "helpers take each field as the model holds it, `&Option<Field<T>>`"
)]

use super::{
    Address, EligibilityRequest, Encounter, Field, HealthCareInformation, List, MedicalProcedure,
    Obj, Path, Person, Provider, Text,
};
use crate::eligibility::codes;
use crate::eligibility::validate::schema::{
    EQ02_CODES, MEMBER_PROVIDER_CODES, MEMBER_PRV_QUALIFIERS, PROVIDER_CODES,
};
pub use crate::json_request::{
    CHANGE_SANDBOX_NPI, Checker, MAX_PROBLEMS, Problem, is_amount, npi_check_digit_ok,
};

/// `providerType` and its NM101.
pub const PROVIDER_TYPES: &[(&str, &str)] = &[
    ("payer", "PR"),
    ("third-party administrator", "2B"),
    ("employer", "36"),
    ("hospital", "80"),
    ("facility", "FA"),
    ("gateway provider", "GP"),
    ("plan sponsor", "P5"),
    ("provider", "1P"),
];
/// Most 2110 loops per patient (X279 repeat limit).
pub const MAX_INQUIRIES: usize = 99;
/// Most REFs per 2100 loop.
pub const MAX_REFS: usize = 9;
/// Checks `req`; `today` (`CCYYMMDD`) bounds dates of birth. Empty when the request can be built.
pub fn check(req: &EligibilityRequest, today: &str) -> Vec<Problem> {
    let mut c = Checker::new(today);
    let root = Path::root();
    c.digits(&root.key("controlNumber"), &req.control_number, 9);
    c.text(
        &root.key("submitterTransactionIdentifier"),
        &req.submitter_transaction_identifier,
        1,
        50,
    );
    c.payer(&req.trading_partner_service_id, &req.trading_partner_name);
    c.text(&root.key("portalUsername"), &req.portal_username, 1, 50);
    c.text(&root.key("portalPassword"), &req.portal_password, 1, 50);
    let dependents = c.list(&root.key("dependents"), &req.dependents, 1);
    let has_dependent = !dependents.is_empty();
    let provider_path = root.key("provider");
    match c.object(&provider_path, &req.provider) {
        Some(p) => c.provider(&provider_path, p),
        None if req.provider.is_none() => c.say(
            &provider_path,
            "is required: send organizationName (or firstName and lastName) and an identifier such as npi.",
        ),
        None => {}
    }
    if let Some(irn) = c.object(
        &root.key("informationReceiverName"),
        &req.information_receiver_name,
    ) {
        let p = root.key("informationReceiverName");
        for (key, _, value) in super::build::receiver_name_refs(irn) {
            c.text(&p.key(key), value, 1, 50);
        }
        c.text(
            &p.key("informationReceiverAdditionalIdentifierState"),
            &irn.information_receiver_additional_identifier_state,
            1,
            80,
        );
        c.address(&p.key("address"), &irn.address);
    }
    let receiver_refs = super::build::receiver_refs(req).len();
    if receiver_refs > MAX_REFS {
        c.say(
            &provider_path,
            &format!("carries {receiver_refs} additional identifiers; 2100B allows at most {MAX_REFS} REF segments."),
        );
    }
    let sub_path = root.key("subscriber");
    let subscriber = c.object(&sub_path, &req.subscriber);
    if req.subscriber.is_none() {
        c.say(&sub_path, "is required.");
    }
    let mut patient_hi = 0;
    if let Some(s) = subscriber {
        let hi = c.person(&sub_path, s, Role::Subscriber { has_dependent });
        if !has_dependent {
            patient_hi = hi;
        }
    }
    for (i, d) in dependents {
        patient_hi = c.person(&root.key("dependents").index(i), d, Role::Dependent);
    }
    if let Some(e) = c.object(&root.key("encounter"), &req.encounter) {
        c.encounter(&root.key("encounter"), e, patient_hi);
        let patient = dependents_first(req).or(subscriber);
        if has_plan_dates(patient)
            && (present(&e.date_of_service) || present(&e.beginning_date_of_service))
        {
            c.say(
                &root.key("encounter"),
                "dates of service and the patient's planIssueDate dates both map to 2100 DTP*291; send one of them.",
            );
        }
    }
    c.finish()
}

fn dependents_first(req: &EligibilityRequest) -> Option<&Person> {
    req.dependents
        .as_ref()
        .and_then(Field::given)
        .and_then(|d| d.first())
        .and_then(Field::given)
}

fn present(t: &Text) -> bool {
    t.is_some()
}

fn has_plan_dates(p: Option<&Person>) -> bool {
    p.is_some_and(|p| present(&p.plan_issue_date) || present(&p.beginning_plan_issue_date))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Subscriber { has_dependent: bool },
    Dependent,
}

impl Checker<'_> {
    fn provider(&mut self, path: &Path, p: &Provider) {
        self.text(&path.key("organizationName"), &p.organization_name, 1, 60);
        self.text(&path.key("lastName"), &p.last_name, 1, 60);
        self.text(&path.key("firstName"), &p.first_name, 1, 35);
        if p.organization_name.is_none() && (p.last_name.is_none() || p.first_name.is_none()) {
            self.say(
                path,
                "needs a name: provide organizationName, or firstName and lastName.",
            );
        }
        if let Some(t) = self.text(&path.key("providerType"), &p.provider_type, 1, 40)
            && !PROVIDER_TYPES
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(t))
        {
            let names: Vec<&str> = PROVIDER_TYPES.iter().map(|(n, _)| *n).collect();
            self.say(
                &path.key("providerType"),
                &format!(
                    "is not an allowed value. Allowed values are: {}.",
                    names.join(", ")
                ),
            );
        }
        if let Some(npi) = self.digits(&path.key("npi"), &p.npi, 10)
            && npi != CHANGE_SANDBOX_NPI
            && !npi_check_digit_ok(npi)
        {
            self.say(
                &path.key("npi"),
                "is not a valid NPI: its check digit does not match.",
            );
        }
        self.digits(&path.key("taxId"), &p.tax_id, 9);
        self.digits(&path.key("ssn"), &p.ssn, 9);
        for (key, value) in [
            ("serviceProviderNumber", &p.service_provider_number),
            ("payorId", &p.payor_id),
            ("pharmacyProcessorNumber", &p.pharmacy_processor_number),
            ("servicesPlanID", &p.services_plan_id),
            ("employersId", &p.employers_id),
        ] {
            self.text(&path.key(key), value, 2, 80);
        }
        if super::build::provider_id(p).is_none()
            && [
                &p.npi,
                &p.tax_id,
                &p.ssn,
                &p.service_provider_number,
                &p.payor_id,
            ]
            .iter()
            .all(|f| f.is_none())
            && [
                &p.pharmacy_processor_number,
                &p.services_plan_id,
                &p.employers_id,
            ]
            .iter()
            .all(|f| f.is_none())
        {
            self.say(
                &path.key("npi"),
                "is required: the provider needs an identifier (npi, or taxId, serviceProviderNumber, payorId, pharmacyProcessorNumber, servicesPlanID, employersId, ssn).",
            );
        }
        self.code(&path.key("providerCode"), &p.provider_code, PROVIDER_CODES);
        self.text(
            &path.key("referenceIdentification"),
            &p.reference_identification,
            1,
            50,
        );
        if p.reference_identification.is_some() && p.provider_code.is_none() {
            self.say(
                &path.key("providerCode"),
                "is required with referenceIdentification (PRV01 is mandatory in PRV).",
            );
        }
        for (key, _, value) in super::build::provider_refs(p) {
            self.text(&path.key(key), value, 1, 50);
        }
        self.text(
            &path.key("informationReceiverAdditionalIdentifierState"),
            &p.information_receiver_additional_identifier_state,
            1,
            80,
        );
        self.address(&path.key("address"), &p.address);
    }

    fn address(&mut self, path: &Path, f: &Obj<Address>) {
        let Some(a) = self.object(path, f) else {
            return;
        };
        if self
            .text(&path.key("address1"), &a.address1, 1, 55)
            .is_none()
            && a.address1.is_none()
        {
            self.say(&path.key("address1"), "is required in an address.");
        }
        self.text(&path.key("address2"), &a.address2, 1, 55);
        if self.text(&path.key("city"), &a.city, 2, 30).is_none() && a.city.is_none() {
            self.say(&path.key("city"), "is required in an address.");
        }
        if let Some(s) = self.text(&path.key("state"), &a.state, 2, 2)
            && !s.bytes().all(|b| b.is_ascii_alphabetic())
        {
            self.say(
                &path.key("state"),
                "must be a two-letter state or province code.",
            );
        }
        self.word(&path.key("postalCode"), &a.postal_code, &[], 3, 15);
        if let Some(c) = self.text(&path.key("countryCode"), &a.country_code, 2, 3)
            && !c.bytes().all(|b| b.is_ascii_alphabetic())
        {
            self.say(
                &path.key("countryCode"),
                "must be a country code (ISO 3166, letters).",
            );
        }
        self.word(
            &path.key("countrySubDivisionCode"),
            &a.country_sub_division_code,
            &[],
            1,
            3,
        );
        self.text(
            &path.key("locationIdentifier"),
            &a.location_identifier,
            1,
            30,
        );
        if a.state.is_some() && a.country_sub_division_code.is_some() {
            self.say(
                &path.key("countrySubDivisionCode"),
                "cannot be sent with state (N4 sends one or the other).",
            );
        }
        if a.country_sub_division_code.is_some() && a.country_code.is_none() {
            self.say(
                &path.key("countryCode"),
                "is required with countrySubDivisionCode.",
            );
        }
    }

    /// Checks a subscriber or dependent; returns how many diagnosis codes they carry (for EQ05).
    fn person(&mut self, path: &Path, p: &Person, role: Role) -> usize {
        if role != Role::Dependent {
            self.word(&path.key("memberId"), &p.member_id, b"- ", 2, 80);
        }
        self.text(&path.key("lastName"), &p.last_name, 1, 60);
        self.text(&path.key("firstName"), &p.first_name, 1, 35);
        self.text(&path.key("middleName"), &p.middle_name, 1, 25);
        self.text(&path.key("suffix"), &p.suffix, 1, 10);
        self.code(&path.key("gender"), &p.gender, &["M", "F"]);
        if p.gender.is_some() && p.date_of_birth.is_none() {
            self.say(
                &path.key("dateOfBirth"),
                "is required with gender (both go in DMG, which needs the date of birth).",
            );
        }
        if let Some(dob) = self.date(&path.key("dateOfBirth"), &p.date_of_birth)
            && dob > self.today()
        {
            self.say(&path.key("dateOfBirth"), "is in the future.");
        }
        self.digits(&path.key("ssn"), &p.ssn, 9);
        for (key, _, value) in super::build::person_refs(p, role == Role::Dependent) {
            if key == "caseNumber" || key == "medicaidRecipientIdentificationNumber" {
                self.word(&path.key(key), value, &[], 1, 50);
            } else if key != "ssn" {
                self.text(&path.key(key), value, 1, 50);
            }
        }
        if let Some(ai) = self.object(
            &path.key("additionalIdentification"),
            &p.additional_identification,
        ) {
            let ap = path.key("additionalIdentification");
            for (key, _, value) in super::build::additional_refs(ai) {
                self.text(&ap.key(key), value, 1, 50);
            }
        }
        let refs = super::build::person_refs(p, role == Role::Dependent).len()
            + p.additional_identification
                .as_ref()
                .and_then(Field::given)
                .map_or(0, |a| super::build::additional_refs(a).len());
        if refs > MAX_REFS {
            self.say(
                path,
                &format!("carries {refs} identifiers besides memberId; the loop allows at most {MAX_REFS} REF segments."),
            );
        }
        self.address(&path.key("address"), &p.address);
        self.code(
            &path.key("providerCode"),
            &p.provider_code,
            MEMBER_PROVIDER_CODES,
        );
        self.code(
            &path.key("referenceIdentificationQualifier"),
            &p.reference_identification_qualifier,
            MEMBER_PRV_QUALIFIERS,
        );
        self.word(
            &path.key("providerIdentifier"),
            &p.provider_identifier,
            &[],
            1,
            50,
        );
        if p.reference_identification_qualifier.is_some() != p.provider_identifier.is_some() {
            self.say(
                &path.key("providerIdentifier"),
                "and referenceIdentificationQualifier go together (PRV02 and PRV03).",
            );
        }
        if p.provider_identifier.is_some() && p.provider_code.is_none() {
            self.say(
                &path.key("providerCode"),
                "is required with providerIdentifier (PRV01 is mandatory).",
            );
        }
        let hi = self.diagnoses(
            &path.key("healthCareCodeInformation"),
            &p.health_care_code_information,
        );
        if let Some(_seq) = self.word(
            &path.key("birthSequenceNumber"),
            &p.birth_sequence_number,
            &[],
            1,
            9,
        ) && role == Role::Dependent
            && p.individual_relationship_code.is_none()
        {
            self.say(
                &path.key("individualRelationshipCode"),
                "is required with birthSequenceNumber (INS02 is mandatory).",
            );
        }
        if p.birth_sequence_number
            .as_ref()
            .and_then(Field::given)
            .is_some_and(|s| !s.bytes().all(|b| b.is_ascii_digit()))
        {
            self.say(&path.key("birthSequenceNumber"), "must be digits.");
        }
        let dates = path;
        self.date_or_range(
            dates,
            ("idCardIssueDate", &p.id_card_issue_date),
            ("beginningCardIssueDate", &p.beginning_card_issue_date),
            ("endCardIssueDate", &p.end_card_issue_date),
        );
        self.date_or_range(
            dates,
            ("planIssueDate", &p.plan_issue_date),
            ("beginningPlanIssueDate", &p.beginning_plan_issue_date),
            ("endPlanIssueDate", &p.end_plan_issue_date),
        );
        self.role_rules(path, p, role);
        hi
    }

    /// What only a dependent or only the subscriber has, and the search options.
    fn role_rules(&mut self, path: &Path, p: &Person, role: Role) {
        match role {
            Role::Dependent => {
                self.code(
                    &path.key("individualRelationshipCode"),
                    &p.individual_relationship_code,
                    &["01", "19", "34"],
                );
                if p.last_name.is_none() && p.first_name.is_none() && p.date_of_birth.is_none() {
                    self.say(
                        path,
                        "needs firstName, lastName or dateOfBirth to identify the dependent.",
                    );
                }
            }
            Role::Subscriber { has_dependent } => {
                for (key, value) in [
                    ("spendDownAmount", &p.spend_down_amount),
                    (
                        "spendDownTotalBilledAmount",
                        &p.spend_down_total_billed_amount,
                    ),
                ] {
                    if let Some(v) = self.text(&path.key(key), value, 1, 15)
                        && !is_amount(v)
                    {
                        self.say(&path.key(key), "must be an amount such as 125.50.");
                    }
                    if has_dependent && value.is_some() {
                        self.say(
                            &path.key(key),
                            "applies only when the subscriber is the patient (no dependents).",
                        );
                    }
                }
                let id = p.member_id.is_some();
                if has_dependent && !id {
                    self.say(
                        &path.key("memberId"),
                        "is required when a dependent is the patient: the subscriber is found by member ID.",
                    );
                } else if !has_dependent && !id && !identifiable_without_id(p) {
                    self.say(
                        path,
                        "cannot be identified: send memberId, or firstName, lastName and dateOfBirth (memberId, firstName, lastName and dateOfBirth match best).",
                    );
                }
            }
        }
    }

    /// HI: 1–8 codes, the first principal (ABK/BK), the rest other (ABF/BF). Returns the count.
    fn diagnoses(&mut self, path: &Path, f: &List<HealthCareInformation>) -> usize {
        let items = self.list(path, f, 8);
        for (i, h) in &items {
            let p = path.index(*i);
            let allowed: &[&str] = if *i == 0 {
                &["ABK", "BK"]
            } else {
                &["ABF", "BF"]
            };
            if h.diagnosis_type_code.is_none() {
                self.say(&p.key("diagnosisTypeCode"), "is required.");
            } else if let Some(t) =
                self.text(&p.key("diagnosisTypeCode"), &h.diagnosis_type_code, 2, 3)
                && !allowed.iter().any(|a| a.eq_ignore_ascii_case(t))
            {
                let which = if *i == 0 {
                    "the first code (principal diagnosis)"
                } else {
                    "codes after the first"
                };
                self.say(
                    &p.key("diagnosisTypeCode"),
                    &format!("must be {} for {which}.", allowed.join(" or ")),
                );
            }
            if h.diagnosis_code.is_none() {
                self.say(&p.key("diagnosisCode"), "is required.");
            } else {
                self.word(&p.key("diagnosisCode"), &h.diagnosis_code, &[], 1, 30);
            }
        }
        items.len()
    }

    fn encounter(&mut self, path: &Path, e: &Encounter, diagnoses: usize) {
        self.date_or_range(
            path,
            ("dateOfService", &e.date_of_service),
            ("beginningDateOfService", &e.beginning_date_of_service),
            ("endDateOfService", &e.end_date_of_service),
        );
        let stcs = self.list(
            &path.key("serviceTypeCodes"),
            &e.service_type_codes,
            MAX_INQUIRIES,
        );
        for (i, _) in &stcs {
            let p = path.key("serviceTypeCodes").index(*i);
            let code = e
                .service_type_codes
                .as_ref()
                .and_then(Field::given)
                .and_then(|v| v.get(*i))
                .cloned();
            // The validator's own test of EQ01, so a code it would refuse is refused here, on the
            // JSON path, and one it takes (any case) is taken.
            if let Some(c) = self.text(&p, &code, 1, 2)
                && !codes::contains(codes::SERVICE_TYPES_5010, &c.to_ascii_uppercase())
            {
                self.say(&p, "is not a service type code of 005010X279A1 (EQ01).");
            }
        }
        let own = self.procedure(
            path,
            &e.product_or_service_id_qualifier,
            &e.procedure_code,
            &e.procedure_modifiers,
            &e.diagnosis_code_pointer,
            diagnoses,
            false,
        );
        let more = self.list(
            &path.key("medicalProcedures"),
            &e.medical_procedures,
            MAX_INQUIRIES - 1,
        );
        for (i, m) in &more {
            let MedicalProcedure {
                product_or_service_id_qualifier: q,
                procedure_code: c,
                procedure_modifiers: ms,
                diagnosis_code_pointer: ps,
            } = m;
            self.procedure(
                &path.key("medicalProcedures").index(*i),
                q,
                c,
                ms,
                ps,
                diagnoses,
                true,
            );
        }
        let loops = stcs.len() + usize::from(own) + more.len();
        if loops > MAX_INQUIRIES {
            self.say(
                path,
                &format!("asks {loops} questions (service types and procedures, one EQ each); 005010X279A1 allows at most {MAX_INQUIRIES}."),
            );
        }
        // CMS adds place of service codes over time: the shape is checked, not a list.
        if let Some(c) = self.text(&path.key("industryCode"), &e.industry_code, 1, 2)
            && !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()))
        {
            self.say(
                &path.key("industryCode"),
                "must be a two-digit place of service code (III02).",
            );
        }
        self.text(
            &path.key("priorAuthorizationOrReferralNumber"),
            &e.prior_authorization_or_referral_number,
            1,
            50,
        );
        self.code(
            &path.key("referenceIdentificationQualifier"),
            &e.reference_identification_qualifier,
            &["9F", "G1"],
        );
        if e.prior_authorization_or_referral_number.is_some()
            != e.reference_identification_qualifier.is_some()
        {
            self.say(
                &path.key("referenceIdentificationQualifier"),
                "and priorAuthorizationOrReferralNumber go together (9F referral or G1 prior authorization).",
            );
        }
    }

    /// EQ02/EQ05 of one procedure; `true` when one is asked about.
    #[allow(clippy::too_many_arguments)] // the four JSON fields of a procedure, its path and context
    fn procedure(
        &mut self,
        path: &Path,
        qualifier: &Text,
        code: &Text,
        modifiers: &List<String>,
        pointers: &List<String>,
        diagnoses: usize,
        required: bool,
    ) -> bool {
        self.code(
            &path.key("productOrServiceIDQualifier"),
            qualifier,
            EQ02_CODES,
        );
        self.text(&path.key("procedureCode"), code, 1, 48);
        let asked = qualifier.is_some() || code.is_some();
        if asked || required {
            if qualifier.is_none() {
                self.say(
                    &path.key("productOrServiceIDQualifier"),
                    "is required with a procedure (EQ02-1).",
                );
            }
            if code.is_none() {
                self.say(
                    &path.key("procedureCode"),
                    "is required with a procedure (EQ02-2).",
                );
            }
        }
        let mods = self.list(&path.key("procedureModifiers"), modifiers, 4);
        for (i, m) in mods {
            let one = Some(Field::Given(m.clone()));
            self.word(&path.key("procedureModifiers").index(i), &one, &[], 2, 2);
        }
        let ptrs = self.list(&path.key("diagnosisCodePointer"), pointers, 4);
        for (i, p) in &ptrs {
            let at = path.key("diagnosisCodePointer").index(*i);
            match p.parse::<usize>() {
                Ok(n) if (1..=8).contains(&n) && p.len() == 1 => {
                    if n > diagnoses {
                        self.say(&at, "points past the patient's healthCareCodeInformation.");
                    }
                }
                _ => self.say(
                    &at,
                    "must be a digit from 1 to 8 (a position in healthCareCodeInformation).",
                ),
            }
        }
        if !asked && (modifiers.is_some() || pointers.is_some()) {
            self.say(
                &path.key("procedureCode"),
                "is required with procedureModifiers or diagnosisCodePointer.",
            );
        }
        asked
    }
}

/// X279's other subscriber search options: names and birth date, or SSN and birth date.
fn identifiable_without_id(p: &Person) -> bool {
    let dob = p.date_of_birth.is_some();
    (p.last_name.is_some() && p.first_name.is_some() && dob) || (p.ssn.is_some() && dob)
}
