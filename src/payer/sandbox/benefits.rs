//! The EB segments of each scenario: realistic plan shapes, not real coverage.

use super::Scenario;
use crate::x12::Writer;
use crate::x12::date::Stamp;

/// Service types the active plan covers (EB03 repeats).
const COVERED: &[&str] = &[
    "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC",
];

/// Writes the 2110 loops of `scenario`.
pub fn write(w: &mut Writer, scenario: Scenario, now: &Stamp) {
    match scenario {
        Scenario::Active | Scenario::Dependent => active(w),
        Scenario::SinglePlan => w.segment("EB", &["1", "IND", "30", "PR", "SANDBOX PPO GOLD"]),
        Scenario::SinglePlanUnusedFields => {
            w.segment(
                "EB",
                &[
                    "1",
                    "IND",
                    "30",
                    "PR",
                    "SANDBOX PPO GOLD",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "W",
                ],
            );
            w.segment("HSD", &["VS", "30", "", "", "22", "1"]);
            w.segment("REF", &["1L", "POLICY0001"]);
            w.segment("DTP", &["292", "D8", &format!("{}0101", now.year)]);
            w.segment("MSG", &["SINGLE PLAN WITH RARELY USED FIELDS"]);
            w.segment("III", &["ZZ", "11"]);
        }
        Scenario::MaxLengths => {
            let codes: Vec<&str> = crate::eligibility::codes::SERVICE_TYPES_5010
                .iter()
                .copied()
                .take(99)
                .collect();
            let repeated = w.repeated(&codes);
            w.segment("EB", &["1", "IND", &repeated, "PR", "SANDBOX PPO GOLD"]);
            let msg = "MAXIMUM LENGTH MESSAGE ".repeat(12);
            w.segment("MSG", &[msg.get(..264).unwrap_or(&msg)]);
        }
        Scenario::NonPrintable => {
            w.segment("EB", &["1", "IND", "30", "PR", "SANDBOX PPO GOLD"]);
            w.segment("MSG", &["TEXT WITH A BELL \u{7} AND A TAB \t CHARACTER"]);
        }
        Scenario::InactiveCoverage => {
            w.segment("EB", &["6", "IND", "30", "PR", "SANDBOX PPO GOLD"]);
            w.segment("MSG", &["COVERAGE ENDED BEFORE THE DATE OF SERVICE"]);
        }
        Scenario::InactiveOtherSource => {
            w.segment("EB", &["6", "IND", "30"]);
            w.segment("EB", &["W", "IND", "30"]);
            other_payer(w, "PRP", "OTHER HEALTH PLAN", "99999");
        }
        Scenario::CopayCoinsuranceOnly => {
            w.segment("EB", &["1", "IND", "30", "HM", "SANDBOX HMO SILVER"]);
            w.segment(
                "EB",
                &["C", "IND", "30", "", "", "23", "0.00", "", "", "", "", "Y"],
            );
            w.segment(
                "EB",
                &[
                    "G", "IND", "30", "", "", "23", "9100.00", "", "", "", "", "Y",
                ],
            );
            w.segment(
                "EB",
                &[
                    "G", "IND", "30", "", "", "29", "8875.00", "", "", "", "", "Y",
                ],
            );
            w.segment(
                "EB",
                &["B", "IND", "98", "", "", "27", "30.00", "", "", "", "", "Y"],
            );
            w.segment(
                "EB",
                &["B", "IND", "UC", "", "", "27", "75.00", "", "", "", "", "Y"],
            );
            w.segment(
                "EB",
                &["A", "IND", "30", "", "", "", "", ".30", "", "", "", "Y"],
            );
        }
        Scenario::CannotProcess => {
            w.segment("EB", &["V"]);
            w.segment("MSG", &["THE PAYER CANNOT PROCESS THIS INQUIRY"]);
        }
        Scenario::ContactEntity => {
            w.segment("EB", &["U", "", "30"]);
            w.segment("MSG", &["CONTACT THE BENEFIT MANAGER FOR ELIGIBILITY"]);
            other_payer(w, "X3", "SANDBOX BENEFIT MANAGER", "88888");
        }
        Scenario::Malformed
        | Scenario::NotEligibleForInquiries
        | Scenario::PayerSystemError
        | Scenario::InvalidPatient
        | Scenario::NotFound => {}
    }
}

fn other_payer(w: &mut Writer, entity: &str, name: &str, id: &str) {
    w.segment("LS", &["2120"]);
    w.segment("NM1", &[entity, "2", name, "", "", "", "", "PI", id]);
    w.segment("PER", &["IC", "", "TE", "8005550199"]);
    w.segment("LE", &["2120"]);
}

fn active(w: &mut Writer) {
    let covered = w.repeated(COVERED);
    w.segment("EB", &["1", "FAM", "30", "PR", "SANDBOX PPO GOLD"]);
    w.segment("MSG", &["SANDBOX COVERAGE FOR TESTING ONLY"]);
    w.segment("EB", &["1", "FAM", &covered, "PR", "SANDBOX PPO GOLD"]);
    for (level, period, amount, network) in [
        ("IND", "23", "1500.00", "Y"),
        ("IND", "29", "1150.00", "Y"),
        ("FAM", "23", "3000.00", "Y"),
        ("FAM", "29", "2650.00", "Y"),
        ("IND", "23", "3000.00", "N"),
    ] {
        w.segment(
            "EB",
            &[
                "C", level, "30", "", "", period, amount, "", "", "", "", network,
            ],
        );
    }
    for (level, period, amount, network) in [
        ("IND", "23", "6000.00", "Y"),
        ("IND", "29", "5250.50", "Y"),
        ("FAM", "23", "12000.00", "Y"),
        ("IND", "23", "12000.00", "N"),
    ] {
        w.segment(
            "EB",
            &[
                "G", level, "30", "", "", period, amount, "", "", "", "", network,
            ],
        );
    }
    w.segment(
        "MSG",
        &["DEDUCTIBLE AND CO-PAYS APPLY TO THE OUT-OF-POCKET MAXIMUM"],
    );
    w.segment(
        "EB",
        &["A", "IND", "30", "", "", "", "", ".20", "", "", "", "Y"],
    );
    w.segment(
        "EB",
        &["A", "IND", "30", "", "", "", "", ".40", "", "", "", "N"],
    );
    for (service, amount) in [
        ("98", "25.00"),
        ("UC", "50.00"),
        ("86", "250.00"),
        ("88", "10.00"),
        ("MH", "25.00"),
    ] {
        w.segment(
            "EB",
            &[
                "B", "IND", service, "", "", "27", amount, "", "", "", "", "Y",
            ],
        );
    }
    w.segment("MSG", &["CO-PAY PER VISIT"]);
    w.segment("III", &["ZZ", "11"]);
    w.segment(
        "EB",
        &["F", "IND", "PT", "", "", "23", "", "", "VS", "20", "", "Y"],
    );
    w.segment("HSD", &["VS", "20", "", "", "23"]);
    w.segment("EB", &["L", "", "30"]);
    w.segment("LS", &["2120"]);
    w.segment(
        "NM1",
        &[
            "P3",
            "2",
            "SANDBOX PRIMARY CARE CLINIC",
            "",
            "",
            "",
            "",
            "XX",
            "1234567893",
        ],
    );
    w.segment("LE", &["2120"]);
}
