//! Validation of a claim status request before anything is built: every problem at once, each
//! with its JSON path, under the rules of the path called (Change's or Stedi's). Messages name the
//! rule, never the value. The field rules themselves are [`crate::json_request::Checker`]'s,
//! shared with eligibility.
#![allow(
    clippy::ref_option,
    reason = "helpers take each field as the model holds it, `&Option<Field<T>>`"
)]

use super::{ClaimStatusRequest, Dependent, Encounter, Provider, ServiceLine, Subscriber};
use crate::json_request::{
    CHANGE_SANDBOX_NPI, Checker, Dialect, Field, Path, Problem, Text, is_amount, npi_check_digit_ok,
};

/// `providerType` values.
pub const BILLING: &str = "BillingProvider";
/// `providerType` of the service provider.
pub const SERVICE: &str = "ServiceProvider";
/// SVC01-1 (product or service ID qualifier) codes of 005010X212.
pub const SVC_QUALIFIERS: &[&str] = &["AD", "ER", "HC", "HP", "IV", "N4", "NU", "WK"];

/// Checks `req` as a request to `dialect`'s path; `today` (`CCYYMMDD`) bounds dates of birth.
/// Empty when the request can be built.
pub fn check(req: &ClaimStatusRequest, today: &str, dialect: Dialect) -> Vec<Problem> {
    let mut c = Checker::new(today);
    let root = Path::root();
    c.digits(&root.key("controlNumber"), &req.control_number, 9);
    c.payer(&req.trading_partner_service_id, &req.trading_partner_name);
    providers(&mut c, &root.key("providers"), req, dialect);
    let sub_path = root.key("subscriber");
    match c.object(&sub_path, &req.subscriber) {
        Some(s) => subscriber(&mut c, &sub_path, s, dialect),
        None if req.subscriber.is_none() => c.say(
            &sub_path,
            "is required: send memberId, firstName and lastName (and dateOfBirth).",
        ),
        None => {}
    }
    let dep_path = root.key("dependent");
    if let Some(d) = c.object(&dep_path, &req.dependent) {
        dependent(&mut c, &dep_path, d, dialect);
    }
    let enc_path = root.key("encounter");
    if let Some(e) = c.object(&enc_path, &req.encounter) {
        encounter(&mut c, &enc_path, e);
    }
    let one = root.key("serviceLineInformation");
    if let Some(line) = c.object(&one, &req.service_line_information) {
        service_line(&mut c, &one, line, dialect);
    }
    let many = root.key("serviceLinesInformation");
    for (i, line) in c.list(&many, &req.service_lines_information, usize::MAX) {
        service_line(&mut c, &many.index(i), line, dialect);
    }
    if req.service_line_information.is_some() && req.service_lines_information.is_some() {
        c.say(
            &one,
            "cannot be sent with serviceLinesInformation: send every line in serviceLinesInformation.",
        );
    }
    c.finish()
}

/// `providers[]`: each provider, then exactly one billing provider and at most one service
/// provider (a JSON request asks about one claim, under one 2000C).
fn providers(c: &mut Checker, path: &Path, req: &ClaimStatusRequest, dialect: Dialect) {
    if req.providers.is_none() {
        c.say(
            path,
            "is required: send one provider with providerType BillingProvider (and optionally one ServiceProvider).",
        );
        return;
    }
    let items = c.list(path, &req.providers, usize::MAX);
    let (mut billing, mut service) = (Vec::new(), Vec::new());
    for (i, p) in &items {
        let at = path.index(*i);
        match provider(c, &at, p, dialect) {
            Some(true) => billing.push(*p),
            Some(false) => service.push(*p),
            None => {}
        }
    }
    let typed = items.iter().all(|(_, p)| p.provider_type.is_some());
    if typed && !items.is_empty() && billing.is_empty() {
        c.say(
            path,
            "needs exactly one provider with providerType BillingProvider (2100B, the information receiver); a ServiceProvider alone is not enough.",
        );
    }
    if billing.len() > 1 {
        c.say(
            path,
            "may hold only one BillingProvider: one information receiver per request.",
        );
    }
    if service.len() > 1 {
        c.say(
            path,
            "may hold only one ServiceProvider: a request asks about one claim.",
        );
    }
    if let [b] = billing.as_slice()
        && service.is_empty()
        && b.npi.is_none()
        && b.tax_id.is_none()
        && b.tin.is_none()
        && b.spn.is_none()
        && b.etin.is_some()
    {
        c.say(
            path,
            "needs a ServiceProvider, or an npi, taxId, tin or spn on the BillingProvider: the service provider (2100C) is made from the billing provider when absent, and an etin cannot identify it.",
        );
    }
}

/// One provider; `Some(true)` for a billing provider, `Some(false)` for a service provider.
fn provider(c: &mut Checker, path: &Path, p: &Provider, dialect: Dialect) -> Option<bool> {
    c.text(&path.key("organizationName"), &p.organization_name, 1, 60);
    c.text(&path.key("lastName"), &p.last_name, 1, 60);
    c.text(&path.key("firstName"), &p.first_name, 1, 35);
    if p.first_name.is_some() && p.last_name.is_none() && p.organization_name.is_none() {
        c.say(
            &path.key("lastName"),
            "is required with firstName (NM103 holds the last name).",
        );
    }
    // Stedi's claim status schema asks only for ten digits (its own example fails the check
    // digit); on Change's path the check digit is checked as for eligibility.
    if let Some(npi) = c.digits(&path.key("npi"), &p.npi, 10)
        && dialect == Dialect::Change
        && npi != CHANGE_SANDBOX_NPI
        && !npi_check_digit_ok(npi)
    {
        c.say(
            &path.key("npi"),
            "is not a valid NPI: its check digit does not match.",
        );
    }
    match dialect {
        Dialect::Stedi => c.digits(&path.key("taxId"), &p.tax_id, 9),
        // Change's sandbox sends a ten-character taxId.
        Dialect::Change => c.text(&path.key("taxId"), &p.tax_id, 2, 80),
    };
    c.text(&path.key("tin"), &p.tin, 2, 80);
    c.text(&path.key("spn"), &p.spn, 2, 80);
    c.text(&path.key("etin"), &p.etin, 2, 80);
    if [&p.npi, &p.tax_id, &p.tin, &p.spn, &p.etin]
        .iter()
        .all(|f| f.is_none())
    {
        c.say(
            &path.key("npi"),
            "is required: the provider needs an identifier (npi, or taxId, etin, tin, spn).",
        );
    }
    let kind = c
        .code(
            &path.key("providerType"),
            &p.provider_type,
            &[BILLING, SERVICE],
        )
        .map(|t| t.eq_ignore_ascii_case(BILLING));
    if p.provider_type.is_none() {
        c.say(
            &path.key("providerType"),
            "is required: BillingProvider or ServiceProvider.",
        );
    }
    if kind == Some(false) && p.etin.is_some() {
        c.say(
            &path.key("etin"),
            "applies only to the BillingProvider (2100B); a ServiceProvider (2100C) is identified by npi, taxId, tin or spn.",
        );
    }
    kind
}

fn subscriber(c: &mut Checker, path: &Path, s: &Subscriber, dialect: Dialect) {
    required(c, &path.key("memberId"), &s.member_id);
    c.word(&path.key("memberId"), &s.member_id, b"- ", 2, 80);
    required(c, &path.key("firstName"), &s.first_name);
    c.text(&path.key("firstName"), &s.first_name, 1, 35);
    required(c, &path.key("lastName"), &s.last_name);
    c.text(&path.key("lastName"), &s.last_name, 1, 60);
    demographics(
        c,
        path,
        (&s.suffix, &s.gender, &s.date_of_birth, &s.group_number),
        dialect,
    );
}

fn dependent(c: &mut Checker, path: &Path, d: &Dependent, dialect: Dialect) {
    required(c, &path.key("firstName"), &d.first_name);
    c.text(&path.key("firstName"), &d.first_name, 1, 35);
    required(c, &path.key("lastName"), &d.last_name);
    c.text(&path.key("lastName"), &d.last_name, 1, 60);
    if d.date_of_birth.is_none() {
        c.say(
            &path.key("dateOfBirth"),
            "is required for a dependent (2000E DMG is required in 005010X212).",
        );
    }
    demographics(
        c,
        path,
        (&d.suffix, &d.gender, &d.date_of_birth, &d.group_number),
        dialect,
    );
}

/// `suffix`, `gender`, `dateOfBirth` and `groupNumber`, which the subscriber and the dependent
/// share.
fn demographics(
    c: &mut Checker,
    path: &Path,
    (suffix, gender, dob, group): (&Text, &Text, &Text, &Text),
    dialect: Dialect,
) {
    c.text(&path.key("suffix"), suffix, 1, 10);
    let genders: &[&str] = match dialect {
        Dialect::Change => &["M", "F", "U"],
        Dialect::Stedi => &["M", "F"],
    };
    c.code(&path.key("gender"), gender, genders);
    if gender.is_some() && dob.is_none() {
        c.say(
            &path.key("dateOfBirth"),
            "is required with gender (both go in DMG, which needs the date of birth).",
        );
    }
    if let Some(d) = c.date(&path.key("dateOfBirth"), dob)
        && d > c.today()
    {
        c.say(&path.key("dateOfBirth"), "is in the future.");
    }
    c.text(&path.key("groupNumber"), group, 1, 50);
}

fn encounter(c: &mut Checker, path: &Path, e: &Encounter) {
    let begin = c.date(
        &path.key("beginningDateOfService"),
        &e.beginning_date_of_service,
    );
    let end = c.date(&path.key("endDateOfService"), &e.end_date_of_service);
    if e.end_date_of_service.is_some() && e.beginning_date_of_service.is_none() {
        c.say(
            &path.key("beginningDateOfService"),
            "is required with endDateOfService.",
        );
    }
    if let (Some(b), Some(e)) = (begin, end)
        && b > e
    {
        c.say(
            &path.key("endDateOfService"),
            "must not be before beginningDateOfService.",
        );
    }
    for (key, value) in [
        ("trackingNumber", &e.tracking_number),
        ("tradingPartnerClaimNumber", &e.trading_partner_claim_number),
        ("locationIdentifier", &e.location_identifier),
        ("billingType", &e.billing_type),
        ("patientAccountNumber", &e.patient_account_number),
        (
            "pharmacyPrescriptionNumber",
            &e.pharmacy_prescription_number,
        ),
        ("clearingHouseClaimNumber", &e.clearing_house_claim_number),
    ] {
        c.text(&path.key(key), value, 1, 50);
    }
    amount(c, &path.key("submittedAmount"), &e.submitted_amount, 18);
}

fn service_line(c: &mut Checker, path: &Path, l: &ServiceLine, dialect: Dialect) {
    let q = path.key("productOrServiceIDQualifier");
    required(c, &q, &l.product_or_service_id_qualifier);
    c.code(&q, &l.product_or_service_id_qualifier, SVC_QUALIFIERS);
    required(c, &path.key("procedureCode"), &l.procedure_code);
    c.text(&path.key("procedureCode"), &l.procedure_code, 1, 48);
    // Change's own example sends `procedureModifiers: []`; Stedi wants 1 to 4.
    let min = usize::from(dialect == Dialect::Stedi);
    let mods = path.key("procedureModifiers");
    for (i, m) in c.list_min(&mods, &l.procedure_modifiers, min, 4) {
        let one = Some(Field::Given(m.clone()));
        c.word(&mods.index(i), &one, &[], 2, 2);
    }
    required(
        c,
        &path.key("lineItemChargeAmount"),
        &l.line_item_charge_amount,
    );
    amount(
        c,
        &path.key("lineItemChargeAmount"),
        &l.line_item_charge_amount,
        18,
    );
    c.text(&path.key("revenueCode"), &l.revenue_code, 1, 48);
    if dialect == Dialect::Stedi {
        required(
            c,
            &path.key("unitsOfServiceCount"),
            &l.units_of_service_count,
        );
    }
    amount(
        c,
        &path.key("unitsOfServiceCount"),
        &l.units_of_service_count,
        15,
    );
    c.text(
        &path.key("lineItemControlNumber"),
        &l.line_item_control_number,
        1,
        50,
    );
    if l.service_line_date.is_none() {
        c.say(
            &path.key("serviceLineDate"),
            "is required (2210 DTP*472 is required in 005010X212).",
        );
    }
    let begin = c.date(&path.key("serviceLineDate"), &l.service_line_date);
    let end = c.date(&path.key("serviceLineEndDate"), &l.service_line_end_date);
    if let (Some(b), Some(e)) = (begin, end)
        && b > e
    {
        c.say(
            &path.key("serviceLineEndDate"),
            "must not be before serviceLineDate.",
        );
    }
}

/// Says `path` is required when the field is absent.
fn required(c: &mut Checker, path: &Path, f: &Text) {
    if f.is_none() {
        c.say(path, "is required.");
    }
}

/// An `R` amount of at most `max` characters.
fn amount(c: &mut Checker, path: &Path, f: &Text, max: usize) {
    if let Some(v) = c.text(path, f, 1, max)
        && !is_amount(v)
    {
        c.say(path, "must be an amount such as 125.50.");
    }
}
