//! A 270 built from a JSON request that the 005010X279A1 validator still refuses, told in the
//! request's own terms: each issue becomes a problem at the JSON field that fed the loop and
//! element, so the client never reads positions in a 270 it did not send.

use super::Path;
use super::check::Problem;
use crate::eligibility::issue::Issue;

/// The problems, one per issue, at the JSON fields the issues' loops and elements came from.
pub fn problems(issues: &[Issue]) -> Vec<Problem> {
    issues.iter().map(problem).collect()
}

fn problem(issue: &Issue) -> Problem {
    let (party, person) = party(&issue.location);
    let element = issue.segment.as_deref().zip(issue.element);
    let path = match element {
        Some(("NM1", 3)) if person => party.key("lastName"),
        Some(("NM1", 4)) if person => party.key("firstName"),
        Some(("NM1", 5)) if person => party.key("middleName"),
        Some(("NM1", 7)) if person => party.key("suffix"),
        Some(("NM1", 9)) if person => party.key("memberId"),
        Some(("NM1", 9)) if issue.location == "Loop 2100B" => party.key("npi"),
        Some(("DMG", 2)) => party.key("dateOfBirth"),
        Some(("DMG", 3)) => party.key("gender"),
        Some(("DTP", _)) => Path::root().key("encounter").key("dateOfService"),
        Some(("EQ", _)) => Path::root().key("encounter").key("serviceTypeCodes"),
        _ => party,
    };
    let message = match issue.rule {
        "search_option" if issue.location == "Loop 2100D" => {
            "cannot identify the dependent: send firstName, lastName and dateOfBirth."
        }
        "search_option" if issue.element == Some(9) => {
            "is required when a dependent is the patient: the subscriber is found by member ID."
        }
        "search_option" => {
            "cannot be identified: send memberId, or firstName, lastName and dateOfBirth, or ssn and dateOfBirth."
        }
        "date_in_future" => "is in the future.",
        "invalid_date" | "date_range_order" => {
            "is not a date that exists (CCYYMMDD, or CCYYMMDD-CCYYMMDD with the earlier date first)."
        }
        "invalid_code" => "holds a code that 005010X279A1 does not allow here.",
        "invalid_character" => "holds characters X12 cannot carry.",
        "element_too_long" | "element_too_short" => "has a length 005010X279A1 does not allow.",
        _ => "makes a 270 that 005010X279A1 does not allow; correct the request and resubmit.",
    };
    Problem {
        path,
        message: format!("{message} (rule `{}`)", issue.rule),
    }
}

/// The JSON object a loop was built from, and whether it is a person.
fn party(location: &str) -> (Path, bool) {
    let root = Path::root();
    match location {
        "Loop 2000C" | "Loop 2100C" | "Loop 2110C" => (root.key("subscriber"), true),
        "Loop 2000D" | "Loop 2100D" | "Loop 2110D" => (root.key("dependents").index(0), true),
        "Loop 2000B" | "Loop 2100B" => (root.key("provider"), false),
        "Loop 2000A" | "Loop 2100A" => (root.key("tradingPartnerServiceId"), false),
        _ => (root, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(location: &str, tag: &str, element: Option<u8>, rule: &'static str) -> Issue {
        let mut i = Issue::new(rule, location, "NM109 in Loop 2100C, segment 9");
        i.segment = Some(tag.to_owned());
        i.element = element;
        i
    }

    #[test]
    fn issues_become_json_fields_without_x12_positions() {
        let rows = [
            (at("Loop 2100C", "NM1", None, "search_option"), "subscriber"),
            (
                at("Loop 2100C", "NM1", Some(9), "search_option"),
                "subscriber.memberId",
            ),
            (
                at("Loop 2100D", "DMG", Some(2), "date_in_future"),
                "dependents[0].dateOfBirth",
            ),
            (
                at("Loop 2110D", "EQ", Some(1), "invalid_code"),
                "encounter.serviceTypeCodes",
            ),
            (
                at("Loop 2100B", "NM1", Some(9), "element_too_long"),
                "provider.npi",
            ),
            (at("Interchange envelope", "ISA", Some(6), "x"), ""),
        ];
        for (issue, field) in rows {
            let p = problem(&issue);
            assert_eq!(p.path.dotted(), field, "{}", issue.rule);
            for x12 in ["NM1", "Loop", "segment", "2100"] {
                assert!(!p.message.contains(x12), "{}: {}", field, p.message);
            }
        }
    }
}
