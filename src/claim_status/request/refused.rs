//! A 276 built from a JSON request that the 005010X212 validator still refuses, told in the
//! request's own terms: each issue becomes a problem at the JSON field that fed the loop and
//! element, so the client never reads positions in a 276 it did not send.

use super::build::is_billing;
use super::{ClaimStatusRequest, Path, Problem};
use crate::json_request::Field;
use crate::x12::check::Issue;

/// The problems, one per issue, at the JSON fields the issues' loops and elements came from.
pub fn problems(req: &ClaimStatusRequest, issues: &[Issue]) -> Vec<Problem> {
    issues.iter().map(|i| problem(req, i)).collect()
}

fn problem(req: &ClaimStatusRequest, issue: &Issue) -> Problem {
    let root = Path::root();
    let element = issue.segment.as_deref().zip(issue.element);
    let loop_id = issue.location.strip_prefix("Loop ").unwrap_or_default();
    let person = |p: Path| match element {
        Some(("NM1", 3)) => p.key("lastName"),
        Some(("NM1", 4)) => p.key("firstName"),
        Some(("NM1", 7)) => p.key("suffix"),
        Some(("NM1", 9)) => p.key("memberId"),
        Some(("DMG", 2)) => p.key("dateOfBirth"),
        Some(("DMG", 3)) => p.key("gender"),
        _ => p,
    };
    let path = match loop_id {
        "2000A" | "2100A" => match element {
            Some(("NM1", 3)) => root.key("tradingPartnerName"),
            _ => root.key("tradingPartnerServiceId"),
        },
        "2000B" | "2100B" => provider(req, true),
        "2000C" | "2100C" => provider(req, false),
        "2000D" | "2100D" => person(root.key("subscriber")),
        "2000E" | "2100E" => person(root.key("dependent")),
        "2200D" | "2200E" => {
            let e = root.key("encounter");
            match issue.segment.as_deref() {
                Some("TRN") => e.key("trackingNumber"),
                Some("AMT") => e.key("submittedAmount"),
                Some("DTP") => e.key("beginningDateOfService"),
                _ => e,
            }
        }
        "2210D" | "2210E" if req.service_line_information.is_some() => {
            root.key("serviceLineInformation")
        }
        "2210D" | "2210E" => root.key("serviceLinesInformation"),
        _ => root,
    };
    let message = match issue.rule {
        "date_in_future" => "is in the future.",
        "invalid_date" | "date_range_order" => {
            "is not a date that exists (CCYYMMDD, or CCYYMMDD-CCYYMMDD with the earlier date first)."
        }
        "invalid_code" => "holds a code that 005010X212 does not allow here.",
        "invalid_character" => "holds characters X12 cannot carry.",
        "element_too_long" | "element_too_short" => "has a length 005010X212 does not allow.",
        _ => "makes a 276 that 005010X212 does not allow; correct the request and resubmit.",
    };
    Problem {
        path,
        message: format!("{message} (rule `{}`)", issue.rule),
    }
}

/// `providers[i]` of the billing provider (2100B) or of the provider 2100C was made from.
fn provider(req: &ClaimStatusRequest, billing: bool) -> Path {
    let all = req.providers.as_ref().and_then(Field::given);
    let find = |want: bool| {
        all.into_iter()
            .flatten()
            .position(|p| p.given().is_some_and(|p| is_billing(p) == want))
    };
    let at = if billing {
        find(true)
    } else {
        find(false).or_else(|| find(true))
    };
    let root = Path::root().key("providers");
    match at {
        Some(i) => root.index(i),
        None => root,
    }
}
