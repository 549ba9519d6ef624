//! Which canned answer a request gets: by test payer ID first (Change's test trading partner IDs
//! work for any member), then by member.

use crate::eligibility::Inquiry;
use crate::eligibility::inquiry::Member;

/// Change's sandbox member IDs.
const MEMBER_IDS: &[&str] = &[
    "0000000000",
    "0000000001",
    "0000000002",
    "0000000003",
    "0000000004",
    "0000000005",
    "0000000006",
    "0000000007",
    "1234567890",
    "123456789",
];
const FIRST_NAMES: &[&str] = &["johnone", "johntwo", "janeone", "janetwo"];
const LAST_NAMES: &[&str] = &["doeone", "doetwo"];

/// A canned answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A sandbox member: active coverage with deductibles, co-pays, co-insurance and more.
    Active,
    /// `00001`: one coverage plan, nothing else.
    SinglePlan,
    /// `000002`: a 271 no parser can read.
    Malformed,
    /// `00003`: MSG01 at its 264-character maximum and EB03 with 99 repetitions.
    MaxLengths,
    /// `00004`: AAA 50 (provider ineligible for inquiries) at 2100B.
    NotEligibleForInquiries,
    /// `00005`: non-printable characters in a message.
    NonPrintable,
    /// `00006`: payer system error, AAA*Y**42*R in 2000A.
    PayerSystemError,
    /// `00007`: one coverage plan with rarely used fields filled.
    SinglePlanUnusedFields,
    /// `00009`: the patient is a dependent.
    Dependent,
    /// `000030`: invalid patient information (AAA 73 and 58 at 2100C).
    InvalidPatient,
    /// `000031`: the date of service falls in inactive coverage.
    InactiveCoverage,
    /// `000041`: EB 6 (inactive) and EB W (other source of data).
    InactiveOtherSource,
    /// `000050`: no deductible, high out-of-pocket remaining, co-pay and co-insurance only.
    CopayCoinsuranceOnly,
    /// `000069`: EB V (cannot process).
    CannotProcess,
    /// `000070`: EB U (contact following entity).
    ContactEntity,
    /// Anyone else: AAA 75 (subscriber/insured not found) at 2100C.
    NotFound,
}

impl Scenario {
    /// The scenario for a test payer ID, if it is one.
    pub fn for_payer(payer_id: &str) -> Option<Self> {
        Some(match payer_id {
            "00001" => Self::SinglePlan,
            "000002" => Self::Malformed,
            "00003" => Self::MaxLengths,
            "00004" => Self::NotEligibleForInquiries,
            "00005" => Self::NonPrintable,
            "00006" => Self::PayerSystemError,
            "00007" => Self::SinglePlanUnusedFields,
            "00009" => Self::Dependent,
            "000030" => Self::InvalidPatient,
            "000031" => Self::InactiveCoverage,
            "000041" => Self::InactiveOtherSource,
            "000050" => Self::CopayCoinsuranceOnly,
            "000069" => Self::CannotProcess,
            "000070" => Self::ContactEntity,
            _ => return None,
        })
    }

    /// The scenario for a request.
    pub fn of(q: &Inquiry<'_>) -> Self {
        if let Some(s) = q.payer_id().and_then(Self::for_payer) {
            return s;
        }
        if is_member(&q.subscriber)
            && q.dependent
                .as_ref()
                .is_none_or(|d| is_named(d) || d.party.name.is_none())
        {
            Self::Active
        } else {
            Self::NotFound
        }
    }
}

fn one_of(list: &[&str], value: Option<&str>) -> bool {
    value.is_some_and(|v| list.iter().any(|n| n.eq_ignore_ascii_case(v)))
}

fn is_named(m: &Member<'_>) -> bool {
    one_of(FIRST_NAMES, m.party.first_name) && one_of(LAST_NAMES, m.party.name)
}

/// A sandbox member: a known member ID, or a known first and last name.
pub fn is_member(m: &Member<'_>) -> bool {
    m.party.id.is_some_and(|id| MEMBER_IDS.contains(&id)) || is_named(m)
}
