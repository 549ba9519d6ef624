//! The 276 for a checked request, written with the crate's X12 writer in 005010X212 order: payer
//! (2000A), information receiver (2000B, the billing provider), service provider (2000C, the
//! billing provider again when none is sent), subscriber (2000D) and, when sent, the dependent
//! (2000E), whose loop then asks about the claim (2200/2210).
#![allow(
    clippy::ref_option,
    reason = "helpers take each field as the model holds it, `&Option<Field<T>>`"
)]

use super::check::BILLING;
use super::{ClaimStatusRequest, Encounter, Envelope, Provider, ServiceLine, Text};
use crate::json_request::interchange::{self, SetKind};
use crate::json_request::{items, obj, val};
use crate::x12::date::Stamp;
use crate::x12::{Delimiters, Writer};

/// The 276 in its envelope.
const X212: SetKind = SetKind {
    functional_id: "HR",
    id: "276",
    version: "005010X212",
};

/// What a 276 is built with besides the request.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// The interchange envelope (from configuration).
    pub envelope: &'a Envelope,
    /// Nine digits: ISA13, GS06 (without leading zeros), ST02, SE02 and BHT03.
    pub control_number: &'a str,
    /// 2200D/E TRN02: the request's `encounter.trackingNumber` or a generated one.
    pub tracking_number: &'a str,
    /// Stamps ISA09/10, GS04/05 and BHT04/05.
    pub now: &'a Stamp,
}

/// Writes the 276 for `req`, which [`super::check`] passed.
pub fn build(req: &ClaimStatusRequest, ctx: &BuildContext<'_>) -> String {
    let env = ctx.envelope;
    let control = ctx.control_number;
    let mut w = Writer::with_capacity(Delimiters::default(), 1024);
    let group = interchange::open(&mut w, env, X212, control, ctx.now);
    let (date, time) = (ctx.now.ccyymmdd(), ctx.now.hhmm());
    w.segment("BHT", &["0010", "13", control, &date, &time]);

    // 2000A/2100A: the payer.
    let payer_id = val(&req.trading_partner_service_id).unwrap_or_default();
    let payer_name = env.payer_name(val(&req.trading_partner_name), payer_id);
    w.segment("HL", &["1", "", "20", "1"]);
    w.segment(
        "NM1",
        &["PR", "2", payer_name, "", "", "", "", "PI", payer_id],
    );

    // 2000B/2100B: the information receiver, whose only NM108 is `46` (ETIN).
    let providers: Vec<&Provider> = items(&req.providers).collect();
    let billing = providers.iter().copied().find(|p| is_billing(p));
    let service = providers.iter().copied().find(|p| !is_billing(p));
    w.segment("HL", &["2", "1", "21", "1"]);
    if let Some(b) = billing {
        let id = [&b.etin, &b.tax_id, &b.tin, &b.npi, &b.spn]
            .into_iter()
            .find_map(val)
            .unwrap_or_default();
        name(&mut w, "41", b, "46", id);
    }

    // 2000C/2100C: the service provider; the billing provider's identity when none is sent.
    w.segment("HL", &["3", "2", "19", "1"]);
    if let Some(p) = service.or(billing) {
        let (q, id) = [
            ("XX", &p.npi),
            ("FI", &p.tax_id),
            ("FI", &p.tin),
            ("SV", &p.spn),
        ]
        .into_iter()
        .find_map(|(q, f)| val(f).map(|v| (q, v)))
        .unwrap_or_default();
        name(&mut w, "1P", p, q, id);
    }

    // 2000D/2100D: the subscriber, then the claim when the subscriber is the patient.
    let subscriber = obj(&req.subscriber);
    let dependent = obj(&req.dependent);
    w.segment(
        "HL",
        &["4", "3", "22", if dependent.is_some() { "1" } else { "0" }],
    );
    let s_gender = subscriber.map_or(&None, |s| &s.gender);
    let s_dob = subscriber.map_or(&None, |s| &s.date_of_birth);
    demographics(&mut w, s_dob, s_gender);
    w.segment(
        "NM1",
        &[
            "IL",
            "1",
            field(subscriber.map(|s| &s.last_name)),
            field(subscriber.map(|s| &s.first_name)),
            "",
            "",
            field(subscriber.map(|s| &s.suffix)),
            "MI",
            field(subscriber.map(|s| &s.member_id)),
        ],
    );
    let group_number = dependent
        .and_then(|d| val(&d.group_number))
        .or_else(|| subscriber.and_then(|s| val(&s.group_number)));
    if let Some(d) = dependent {
        // 2000E/2100E: the dependent, the patient.
        w.segment("HL", &["5", "4", "23"]);
        demographics(&mut w, &d.date_of_birth, &d.gender);
        w.segment(
            "NM1",
            &[
                "QC",
                "1",
                val(&d.last_name).unwrap_or_default(),
                val(&d.first_name).unwrap_or_default(),
                "",
                "",
                val(&d.suffix).unwrap_or_default(),
            ],
        );
    }
    claim(&mut w, req, ctx.tracking_number, group_number);

    interchange::close(w, control, group)
}

/// A person's field, or nothing.
fn field(f: Option<&Text>) -> &str {
    f.and_then(val).unwrap_or_default()
}

/// Whether `providerType` is `BillingProvider` (any case).
pub(super) fn is_billing(p: &Provider) -> bool {
    val(&p.provider_type).is_some_and(|t| t.eq_ignore_ascii_case(BILLING))
}

/// A provider's NM1: an organisation (`2`) when it has `organizationName`, else a person (`1`).
fn name(w: &mut Writer, nm101: &str, p: &Provider, nm108: &str, id: &str) {
    let (kind, last, first) = match val(&p.organization_name) {
        Some(org) => ("2", org, ""),
        None => (
            if p.last_name.is_some() { "1" } else { "2" },
            val(&p.last_name).unwrap_or_default(),
            val(&p.first_name).unwrap_or_default(),
        ),
    };
    w.segment("NM1", &[nm101, kind, last, first, "", "", "", nm108, id]);
}

/// `DMG*D8*<birth date>[*F|M]`, when the birth date is known; gender `U` is not sent.
fn demographics(w: &mut Writer, dob: &Text, gender: &Text) {
    if let Some(dob) = val(dob) {
        let g = val(gender)
            .map(str::to_ascii_uppercase)
            .filter(|g| g == "F" || g == "M")
            .unwrap_or_default();
        w.segment("DMG", &["D8", dob, &g]);
    }
}

/// 2200D/E (TRN, REF, AMT, DTP) and its 2210 service lines.
fn claim(w: &mut Writer, req: &ClaimStatusRequest, tracking: &str, group: Option<&str>) {
    w.segment("TRN", &["1", tracking]);
    let e = obj(&req.encounter);
    let get = |f: fn(&Encounter) -> &Text| e.map(f).and_then(val);
    let refs = [
        ("1K", get(|e| &e.trading_partner_claim_number)),
        ("BLT", get(|e| &e.billing_type)),
        ("LU", get(|e| &e.location_identifier)),
        ("6P", group),
        ("EJ", get(|e| &e.patient_account_number)),
        ("XZ", get(|e| &e.pharmacy_prescription_number)),
        ("D9", get(|e| &e.clearing_house_claim_number)),
    ];
    for (q, v) in refs {
        if let Some(v) = v {
            w.segment("REF", &[q, v]);
        }
    }
    if let Some(a) = get(|e| &e.submitted_amount) {
        w.segment("AMT", &["T3", a]);
    }
    if let Some(e) = e {
        dates(w, &e.beginning_date_of_service, &e.end_date_of_service);
    }
    let lines = obj(&req.service_line_information)
        .into_iter()
        .chain(items(&req.service_lines_information));
    for l in lines {
        service_line(w, l);
    }
}

/// `DTP*472*D8*<date>`, or `RD8*<begin>-<end>` when an end date is sent.
fn dates(w: &mut Writer, begin: &Text, end: &Text) {
    match (val(begin), val(end)) {
        (Some(b), Some(e)) => w.segment("DTP", &["472", "RD8", &format!("{b}-{e}")]),
        (Some(b), None) => w.segment("DTP", &["472", "D8", b]),
        _ => {}
    }
}

/// 2210: `SVC`, `REF*FJ`, `DTP*472`.
fn service_line(w: &mut Writer, l: &ServiceLine) {
    let component = w.delimiters().component as char;
    let mut svc01 = format!(
        "{}{component}{}",
        val(&l.product_or_service_id_qualifier)
            .unwrap_or_default()
            .to_ascii_uppercase(),
        val(&l.procedure_code).unwrap_or_default()
    );
    for m in items(&l.procedure_modifiers) {
        svc01.push(component);
        svc01.push_str(&m.to_ascii_uppercase());
    }
    w.segment(
        "SVC",
        &[
            svc01.as_str(),
            val(&l.line_item_charge_amount).unwrap_or_default(),
            "",
            val(&l.revenue_code).unwrap_or_default(),
            "",
            "",
            val(&l.units_of_service_count).unwrap_or_default(),
        ],
    );
    if let Some(fj) = val(&l.line_item_control_number) {
        w.segment("REF", &["FJ", fj]);
    }
    dates(w, &l.service_line_date, &l.service_line_end_date);
}
