//! Writes the sandbox's 271: envelope answering the 270's, HL tree, TRN echo, the member echoed
//! back, and the scenario's AAA or EB segments. Counts and control numbers are right by construction.

use std::borrow::Cow;

use super::Scenario;
use crate::eligibility::Inquiry;
use crate::eligibility::inquiry::{Member, Party};
use crate::x12::date::Stamp;
use crate::x12::{Delimiters, Writer, pad_right};

/// Payer name when the request gave none.
const PAYER_NAME: &str = "SANDBOX HEALTH PLAN";

/// Values from a request may contain our delimiters (it may use others): blank them out.
pub(super) fn clean(value: &str) -> Cow<'_, str> {
    let d = Delimiters::default();
    if value.bytes().any(|b| d.is_delimiter(b)) {
        Cow::Owned(
            value
                .chars()
                .map(|c| {
                    if u8::try_from(c).is_ok_and(|b| d.is_delimiter(b)) {
                        ' '
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(value)
    }
}

fn opt(v: Option<&str>) -> Cow<'_, str> {
    v.map_or(Cow::Borrowed(""), clean)
}

/// Builds the 271 answering `q`.
pub fn build(q: &Inquiry<'_>, scenario: Scenario, control: u32, now: &Stamp) -> String {
    if scenario == Scenario::Malformed {
        return malformed(q);
    }
    let mut w = Writer::with_capacity(Delimiters::default(), 4096);
    let ctl = format!("{control:09}");
    let e = &q.envelope;
    w.segment(
        "ISA",
        &[
            "00",
            "          ",
            "00",
            "          ",
            or(e.receiver.0, "ZZ"),
            &pad_right(&clean(or(e.receiver.1, "SANDBOX")), 15),
            or(e.sender.0, "ZZ"),
            &pad_right(&clean(or(e.sender.1, "SUBMITTER")), 15),
            &now.yymmdd(),
            &now.hhmm(),
            "^",
            "00501",
            &ctl,
            "0",
            if e.usage == "P" { "P" } else { "T" },
            ":",
        ],
    );
    let group = control.to_string();
    w.segment(
        "GS",
        &[
            "HB",
            &clean(or(e.group_receiver, "SANDBOX")),
            &clean(or(e.group_sender, "SUBMITTER")),
            &now.ccyymmdd(),
            &now.hhmm(),
            &group,
            "X",
            "005010X279A1",
        ],
    );
    w.reset_count();
    w.segment("ST", &["271", "0001", "005010X279A1"]);
    w.segment(
        "BHT",
        &[
            "0022",
            "11",
            &opt(e.reference.or(Some("SANDBOX"))),
            &now.ccyymmdd(),
            &now.hhmm(),
        ],
    );

    let patient_is_dependent = scenario == Scenario::Dependent || q.dependent.is_some();
    let stops_at_source = scenario == Scenario::PayerSystemError;
    let stops_at_receiver = scenario == Scenario::NotEligibleForInquiries;
    w.segment(
        "HL",
        &["1", "", "20", if stops_at_source { "0" } else { "1" }],
    );
    if stops_at_source {
        w.segment("AAA", &["Y", "", "42", "R"]);
    }
    let payer_id = q.payer_id().unwrap_or("SANDBOX");
    w.segment(
        "NM1",
        &[
            "PR",
            "2",
            &opt(q.payer.name.or(Some(PAYER_NAME))),
            "",
            "",
            "",
            "",
            "PI",
            &clean(payer_id),
        ],
    );
    if !stops_at_source {
        w.segment(
            "PER",
            &[
                "IC",
                "PROVIDER SERVICES",
                "TE",
                "8005550100",
                "UR",
                "www.example.com/sandbox",
            ],
        );
        w.segment(
            "HL",
            &["2", "1", "21", if stops_at_receiver { "0" } else { "1" }],
        );
        party(&mut w, &q.provider, "1P");
        if stops_at_receiver {
            w.segment("AAA", &["Y", "", "50", "N"]);
        } else {
            subscriber_level(&mut w, q, scenario, patient_is_dependent, now);
        }
    }
    let count = (w.count() + 1).to_string();
    w.segment("SE", &[count.as_str(), "0001"]);
    w.segment("GE", &["1", &group]);
    w.segment("IEA", &["1", &ctl]);
    w.finish()
}

fn or<'a>(v: &'a str, fallback: &'a str) -> &'a str {
    if v.is_empty() { fallback } else { v }
}

fn party(w: &mut Writer, p: &Party<'_>, entity: &str) {
    w.segment(
        "NM1",
        &[
            entity,
            p.entity_type.unwrap_or("2"),
            &opt(p.name),
            &opt(p.first_name),
            &opt(p.middle_name),
            "",
            &opt(p.suffix),
            &opt(p.id_qualifier),
            &opt(p.id),
        ],
    );
}

fn traces(w: &mut Writer, m: &Member<'_>) {
    for t in &m.traces {
        w.segment(
            "TRN",
            &[
                "2",
                &opt(t.reference),
                &opt(t.originator),
                &opt(t.secondary),
            ],
        );
    }
}

fn demographics(w: &mut Writer, m: &Member<'_>) {
    if let Some(dob) = m.birth_date {
        w.segment("DMG", &["D8", &clean(dob), &opt(m.gender)]);
    }
}

fn subscriber_level(
    w: &mut Writer,
    q: &Inquiry<'_>,
    scenario: Scenario,
    dependent: bool,
    now: &Stamp,
) {
    let s = &q.subscriber;
    let found = !matches!(scenario, Scenario::NotFound | Scenario::InvalidPatient);
    // HL04 says whether a child HL follows: the dependent level is written only when found.
    let child = dependent && found;
    w.segment("HL", &["3", "2", "22", if child { "1" } else { "0" }]);
    if !dependent {
        traces(w, s);
    }
    let mut sub_party = s.party.clone();
    if dependent && sub_party.name.is_none() {
        // The sandbox's subscriber for dependent scenarios, when the 270 named nobody.
        sub_party.name = Some("DOEONE");
        sub_party.first_name = Some("JOHNONE");
    }
    w.segment(
        "NM1",
        &[
            "IL",
            "1",
            &opt(sub_party.name),
            &opt(sub_party.first_name),
            &opt(sub_party.middle_name),
            "",
            &opt(sub_party.suffix),
            "MI",
            &opt(s.party.id.or(Some("0000000000"))),
        ],
    );
    if found {
        w.segment("REF", &["6P", "GRP0000001", "SANDBOX EMPLOYER GROUP"]);
        w.segment("REF", &["18", "PPO-GOLD-01", "SANDBOX PPO GOLD"]);
    }
    if !dependent {
        demographics(w, s);
    }
    match scenario {
        Scenario::NotFound => {
            w.segment("AAA", &["N", "", "75", "C"]);
            return;
        }
        Scenario::InvalidPatient => {
            w.segment("AAA", &["N", "", "73", "C"]);
            w.segment("AAA", &["N", "", "58", "C"]);
            return;
        }
        _ => {}
    }
    if !dependent {
        w.segment("INS", &["Y", "18", "001", "25"]);
        plan_dates(w, scenario, now);
        super::scenario_benefits(w, scenario, now);
        return;
    }
    w.segment("HL", &["4", "3", "23", "0"]);
    let d = q.dependent.clone().unwrap_or_default();
    traces(w, if d.traces.is_empty() { s } else { &d });
    let mut dep = d.party.clone();
    if dep.name.is_none() {
        dep.name = Some("DOEONE");
        dep.first_name = Some("JANEONE");
    }
    w.segment(
        "NM1",
        &[
            "03",
            "1",
            &opt(dep.name),
            &opt(dep.first_name),
            &opt(dep.middle_name),
            "",
            &opt(dep.suffix),
        ],
    );
    w.segment(
        "DMG",
        &[
            "D8",
            &opt(d.birth_date.or(Some("20000101"))),
            &opt(d.gender.or(Some("F"))),
        ],
    );
    w.segment("INS", &["N", "19"]);
    plan_dates(w, scenario, now);
    super::scenario_benefits(w, scenario, now);
}

fn plan_dates(w: &mut Writer, scenario: Scenario, now: &Stamp) {
    let year = if scenario == Scenario::InactiveCoverage {
        now.year - 1
    } else {
        now.year
    };
    w.segment("DTP", &["291", "RD8", &format!("{year}0101-{year}1231")]);
}

/// `000002`: an interchange whose ISA uses a letter as element separator, so nothing can read it.
fn malformed(q: &Inquiry<'_>) -> String {
    let payer = clean(q.payer_id().unwrap_or("000002")).into_owned();
    format!(
        "ISAX00X          X00X          XZZXSANDBOX        XZZXSUBMITTER      X000101X0000X^X00501X000000001X0XTX:~ST*271*0001~NM1*PR*2*SANDBOX*****PI*{payer}~SE*3*0001~"
    )
}
