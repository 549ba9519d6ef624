// TEMPORARY: replaced by 19a's validator at merge
//! A placeholder for the 005010X212 276 validator (issue 19 item 2, helper 19a): the same API as
//! `eligibility::validate`. It reads the X12 with our reader and refuses only what is not a 276;
//! everything else passes unchanged.

use std::borrow::Cow;
use std::time::Instant;

use crate::eligibility::issue::Issue;
pub use crate::eligibility::validate::{Options, Outcome, OverBudget};
use crate::x12::Reader;

/// Checks `input` as a 276; gives up once `deadline` has passed.
pub fn check_within<'a>(
    input: &'a str,
    _opts: &Options,
    deadline: Instant,
) -> Result<Outcome<'a>, OverBudget> {
    let outcome = |errors: Vec<Issue>| Outcome {
        text: Cow::Borrowed(input),
        warnings: Vec::new(),
        errors,
    };
    let reader = match Reader::new(input) {
        Ok(r) => r,
        Err(e) => return Ok(outcome(vec![Issue::from_parse(&e)])),
    };
    for seg in reader {
        if Instant::now() > deadline {
            return Err(OverBudget);
        }
        let seg = match seg {
            Ok(s) => s,
            Err(e) => return Ok(outcome(vec![Issue::from_parse(&e)])),
        };
        if seg.tag != "ST" {
            continue;
        }
        let st01 = seg.element(1).unwrap_or("");
        if st01 == "276" {
            return Ok(outcome(Vec::new()));
        }
        let what = match st01 {
            "270" => "a 270 eligibility inquiry".to_owned(),
            "" => "a transaction set without an ST01".to_owned(),
            other => format!("a {other} transaction set"),
        };
        let issue = Issue::new(
            "wrong_transaction",
            "Transaction set header",
            format!(
                "The X12 is {what} (ST01 `{st01}`), not a 276 claim status request; this route takes 005010X212 276s (eligibility inquiries go to the eligibility routes)."
            ),
        )
        .at_segment("ST", seg.index, seg.offset)
        .at_element(1, seg.offset)
        .resolution("Send a 276 (ST01 `276`, ST03 `005010X212`).")
        .x12_code("6");
        return Ok(outcome(vec![issue]));
    }
    Ok(outcome(vec![Issue::new(
        "st_missing",
        "Transaction set header",
        "The X12 holds no ST segment: a 276 claim status request needs one.",
    )]))
}
