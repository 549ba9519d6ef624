//! One claim (2200D/E) and its service lines (2220D/E) as they are read, then its `claims[]`
//! entries.

use std::borrow::Cow;

use super::stc::{self, DateStyle};
use crate::claim_status::codes;
use crate::claim_status::model::{Claim, ClaimStatus, Service, ServiceDetail};
use crate::x12::CutSegment as Seg;

/// A warning about a segment: code and description.
pub type Note = (&'static str, &'static str);

/// The claim being read.
#[derive(Debug)]
pub struct ClaimBuilder<'a> {
    /// TRN02, REF and DTP values shared by every status of the claim.
    shared: ClaimStatus<'a>,
    /// Claim-level STCs, in order.
    statuses: Vec<ClaimStatus<'a>>,
    services: Vec<ServiceDetail<'a>>,
}

impl<'a> ClaimBuilder<'a> {
    /// A claim opened by a TRN with this TRN02.
    pub fn new(trace: Option<&'a str>) -> Self {
        Self {
            shared: ClaimStatus {
                tracking_number: trace.map(Cow::Borrowed),
                ..ClaimStatus::default()
            },
            statuses: Vec::new(),
            services: Vec::new(),
        }
    }

    /// Whether a service line (SVC) has been opened.
    pub fn in_service(&self) -> bool {
        !self.services.is_empty()
    }

    /// Takes one segment of the claim; returns a warning when it is out of place.
    pub fn segment(&mut self, seg: &Seg<'a>, dates: DateStyle) -> Option<Note> {
        if let Some(line) = self.services.last_mut() {
            return match seg.tag {
                "STC" => {
                    line.status.push(stc::status_codes(seg, dates));
                    None
                }
                "SVC" => {
                    self.services.push(service(seg));
                    None
                }
                // 2220 REF*FJ and DTP*472 have no home in the model; they stay in `x12`.
                "REF" | "DTP" => None,
                _ => Some((
                    "response::277::unexpected_segment",
                    "A segment not expected in a service line (loop 2220) was ignored.",
                )),
            };
        }
        match seg.tag {
            "STC" => {
                let codes = stc::status_codes(seg, dates);
                self.statuses.push(ClaimStatus {
                    codes,
                    submitted_amount: seg.element(4).map(Cow::Borrowed),
                    amount_paid: seg.element(5).map(Cow::Borrowed),
                    paid_date: seg.element(6).map(|d| stc::date(d, dates)),
                    check_issue_date: seg.element(8).map(|d| stc::date(d, dates)),
                    check_number: seg.element(9).map(Cow::Borrowed),
                    ..ClaimStatus::default()
                });
                None
            }
            "REF" => {
                let value = seg.element(2).map(Cow::Borrowed);
                let slot = match seg.element(1) {
                    Some("1K") => &mut self.shared.trading_partner_claim_number,
                    Some("EJ") => &mut self.shared.patient_account_number,
                    Some("D9") => &mut self.shared.clearing_house_claim_number,
                    // BLT, XZ, VV: no home in the model.
                    _ => return None,
                };
                if slot.is_some() {
                    return Some((
                        "response::277::repeated_reference",
                        "A claim carries the same REF qualifier twice; the first value was kept.",
                    ));
                }
                *slot = value;
                None
            }
            "DTP" => {
                if seg.element(1) == Some("472") && self.shared.claim_service_date.is_none() {
                    self.shared.claim_service_date = seg.element(3).map(Cow::Borrowed);
                }
                None
            }
            "SVC" => {
                self.services.push(service(seg));
                None
            }
            _ => Some((
                "response::277::unexpected_segment",
                "A segment not expected in a claim (loop 2200) was ignored.",
            )),
        }
    }

    /// The claim's `claims[]` entries: one per claim-level STC, the service lines with the first.
    pub fn finish(self) -> (Vec<Claim<'a>>, Option<Note>) {
        let Self {
            shared,
            statuses,
            services,
        } = self;
        let note = match statuses.len() {
            0 => Some((
                "response::277::claim_without_status",
                "A claim (loop 2200) has no `STC`; it was mapped without a status.",
            )),
            1 => None,
            _ => Some((
                "response::277::several_claim_statuses",
                "A claim (loop 2200) has several `STC` segments; each became its own `claims[]` entry with the claim's tracking number and references.",
            )),
        };
        if statuses.is_empty() {
            return (
                vec![Claim {
                    claim_status: shared,
                    service_details: services,
                }],
                note,
            );
        }
        let mut services = Some(services);
        let claims = statuses
            .into_iter()
            .map(|s| Claim {
                claim_status: ClaimStatus {
                    tracking_number: shared.tracking_number.clone(),
                    claim_service_date: shared.claim_service_date.clone(),
                    trading_partner_claim_number: shared.trading_partner_claim_number.clone(),
                    patient_account_number: shared.patient_account_number.clone(),
                    clearing_house_claim_number: shared.clearing_house_claim_number.clone(),
                    ..s
                },
                service_details: services.take().unwrap_or_default(),
            })
            .collect();
        (claims, note)
    }
}

fn service<'a>(seg: &Seg<'a>) -> ServiceDetail<'a> {
    let qualifier = seg.component(1, 1);
    ServiceDetail {
        service: Service {
            service_id_qualifier_code: qualifier.map(Cow::Borrowed),
            service_id_qualifier: qualifier
                .and_then(|q| codes::name(codes::SERVICE_ID_QUALIFIERS, q)),
            procedure_id: seg.component(1, 2).map(Cow::Borrowed),
            submitted_amount: seg.element(2).map(Cow::Borrowed),
            amount_paid: seg.element(3).map(Cow::Borrowed),
            revenue_code: seg.element(4).map(Cow::Borrowed),
            submitted_units: seg.element(7).map(Cow::Borrowed),
        },
        status: Vec::new(),
    }
}
