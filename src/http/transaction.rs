//! Every eligibility exchange as a transaction: an id for `x-transaction-id`, what the flow learned
//! (the 270 sent, the 271, who and which payer), the duplicate lookup, and the record queued for
//! the store's writer when the answer is known. Only the lookup sits on the request path.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::config::{OnStoreError, Settings};
use crate::eligibility::Inquiry;
use crate::eligibility::inquiry::Member;
use crate::eligibility::status::Status;
use crate::payer::ConnectorError;
use crate::store::{self, Details, NewTransaction, Person, Recorder};

/// The response header naming the transaction.
pub const HEADER: &str = "x-transaction-id";
/// [`HEADER`], checked once at compile time rather than on every answer.
const HEADER_NAME: HeaderName = HeaderName::from_static(HEADER);
/// Optum's correlation header: stored, searchable, echoed.
pub const CORRELATION: &str = "x-optum-correlation-id";
/// Optum's per-request opt-out of value-added features (`deduplication`).
pub const DISABLE_VALUE_ADD: &str = "x-optum-eligibility-disable-value-add";
/// Optum's sandbox scenario header.
pub const MOCK_SCENARIOS: &str = "x-optum-rcmelig-mock-scenarios";
/// Optum's sub-tenant header (echoed).
pub const SUBTENANT: &str = "x-optum-subtenant-id";

/// Header values longer than this, or not printable ASCII, are ignored.
const MAX_HEADER: usize = 128;

/// The request headers a transaction reads.
#[derive(Debug, Clone, Default)]
pub struct ExchangeHeaders {
    /// `x-optum-correlation-id`.
    pub optum_correlation: Option<String>,
    /// The correlation id stored: Optum's header, else `x-chng-trace-id`, else `x-request-id`.
    pub correlation_id: Option<String>,
    /// `deduplication` named in the opt-out header.
    pub no_dedup: bool,
    /// The sandbox scenario asked for.
    pub mock_scenario: Option<String>,
    /// `x-optum-subtenant-id`.
    pub subtenant: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ExchangeHeaders {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let get = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= MAX_HEADER)
                .map(str::to_owned)
        };
        let optum_correlation = get(CORRELATION);
        let correlation_id = optum_correlation
            .clone()
            .or_else(|| get("x-chng-trace-id"))
            .or_else(|| get(super::request_id::HEADER));
        let no_dedup = parts
            .headers
            .get_all(DISABLE_VALUE_ADD)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|f| f.trim().eq_ignore_ascii_case("deduplication"));
        Ok(Self {
            optum_correlation,
            correlation_id,
            no_dedup,
            mock_scenario: get(MOCK_SCENARIOS),
            subtenant: get(SUBTENANT),
        })
    }
}

/// Deduplication windows: the default and per account, in hours.
#[derive(Debug, Clone, Default)]
pub struct Dedup {
    default_hours: u32,
    exclude_prior_month: bool,
    by_account: HashMap<String, u32>,
}

impl Dedup {
    /// From `deduplication.lookback_hours` and `accounts.<id>.deduplication_lookback_hours`.
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            default_hours: s.deduplication.lookback_hours,
            exclude_prior_month: s.deduplication.exclude_prior_month,
            by_account: s
                .accounts
                .iter()
                .filter_map(|(id, a)| a.deduplication_lookback_hours.map(|h| (id.clone(), h)))
                .collect(),
        }
    }

    /// The account's window; 0 = off.
    pub fn hours(&self, account: &str) -> u32 {
        self.by_account
            .get(account)
            .copied()
            .unwrap_or(self.default_hours)
    }

    /// The earliest time, Unix ms, an answer replayed now may have been given: `hours` back,
    /// and not before this month began (UTC) when prior months are excluded.
    pub fn since_ms(&self, now_ms: i64, hours: u32) -> i64 {
        let window = now_ms - i64::from(hours) * 3_600_000;
        if self.exclude_prior_month {
            window.max(month_start_ms(now_ms))
        } else {
            window
        }
    }
}

/// The first millisecond of the UTC calendar month holding `ms`.
fn month_start_ms(ms: i64) -> i64 {
    let days = ms.div_euclid(86_400_000);
    // Howard Hinnant's civil-from-days, then back to the month's first day.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day_of_month = doy - (153 * mp + 2) / 5; // 0-based
    (days - day_of_month) * 86_400_000
}

/// One exchange under way.
#[derive(Debug)]
pub struct Capture {
    route: &'static str,
    /// The request headers read.
    pub headers: ExchangeHeaders,
    details: Details,
    payer_id: Option<String>,
    npi: Option<String>,
    dedup_key: Option<String>,
    /// What the transaction is searched by, hashed as the 270 was read.
    searched: Option<store::SearchHashes>,
    /// The 271's canonical status, when the mapper classified it.
    status: Option<Status>,
    /// The original transaction when this one is a replay.
    pub replay_of: Option<String>,
}

/// Whether the store refuses work now (`store.on_error = "refuse"` and it does not answer).
pub fn refusing(state: &AppState) -> bool {
    state.store_on_error == OnStoreError::Refuse
        && state.store.as_ref().is_some_and(|r| r.health().is_down())
}

fn iso_date(ccyymmdd: &str) -> String {
    match (ccyymmdd.get(0..4), ccyymmdd.get(4..6), ccyymmdd.get(6..8)) {
        // `concat`, not `format!`: one allocation of the exact size, and every recorded
        // exchange dates two people.
        (Some(y), Some(m), Some(d)) if ccyymmdd.len() == 8 => [y, "-", m, "-", d].concat(),
        _ => ccyymmdd.to_owned(),
    }
}

/// The patient's reference qualified `qualifier` (`EJ`, `EA`), else the subscriber's.
fn reference<'a>(q: &Inquiry<'a>, qualifier: &str) -> Option<&'a str> {
    q.patient()
        .party
        .refs
        .iter()
        .chain(&q.subscriber.party.refs)
        .find(|(k, _)| *k == qualifier)
        .map(|(_, v)| *v)
}

/// The people a 270 names, and its payer's name: what a record whose details say
/// `people_in_270` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// The patient (the dependent when there is one).
    pub patient: Person,
    /// The subscriber.
    pub subscriber: Person,
    /// 2100A NM103.
    pub payer_name: Option<String>,
}

/// The [`People`] of the 270 `q` was read from.
pub fn people(q: &Inquiry<'_>) -> People {
    let subscriber = person(&q.subscriber);
    People {
        patient: q
            .dependent
            .as_ref()
            .map_or_else(|| subscriber.clone(), person),
        subscriber,
        payer_name: q.payer.name.map(str::to_owned),
    }
}

fn person(m: &Member<'_>) -> Person {
    let own = |v: Option<&str>| v.map(str::to_owned);
    Person {
        first_name: own(m.party.first_name),
        last_name: own(m.party.name),
        middle_name: own(m.party.middle_name),
        member_id: own(m.party.id),
        birth_date: m.birth_date.map(iso_date),
        gender: own(m.gender),
    }
}

/// What makes two requests materially identical: payer, provider NPI, subscriber and dependent
/// identity, service type codes as a set, dates of service (normalised by the store's hash).
pub fn dedup_key(q: &Inquiry<'_>) -> String {
    let who = |key: &mut String, m: &Member<'_>| {
        for (i, part) in [m.party.id, m.party.first_name, m.party.name, m.birth_date]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                key.push('/');
            }
            key.push_str(part.unwrap_or(""));
        }
    };
    let members = || std::iter::once(&q.subscriber).chain(&q.dependent);
    let mut stcs: Vec<&str> = members()
        .flat_map(|m| m.service_types.iter().copied())
        .collect();
    stcs.sort_unstable();
    stcs.dedup();
    let mut dates: Vec<(&str, &str)> = members()
        .flat_map(|m| m.dates.iter())
        .filter(|(qualifier, _, _)| *qualifier == "291")
        .map(|(_, format, value)| (*format, *value))
        .collect();
    dates.sort_unstable();
    let mut key = String::with_capacity(160);
    key.push_str("v1|payer=");
    key.push_str(q.payer_id().unwrap_or(""));
    key.push_str("|npi=");
    key.push_str(npi(q).unwrap_or(""));
    key.push_str("|subscriber=");
    who(&mut key, &q.subscriber);
    key.push_str("|dependent=");
    if let Some(d) = &q.dependent {
        who(&mut key, d);
    }
    key.push_str("|stc=");
    key.push_str(&stcs.join(","));
    key.push_str("|dos=");
    for (i, (format, value)) in dates.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        key.push_str(format);
        key.push(':');
        key.push_str(value);
    }
    key
}

fn npi<'a>(q: &Inquiry<'a>) -> Option<&'a str> {
    q.provider
        .id
        .filter(|_| q.provider.id_qualifier == Some("XX"))
}

/// The canonical status of a failed exchange.
pub fn status_of(e: &ApiError) -> Status {
    match e {
        ApiError::Connector(
            ConnectorError::NotConfigured { .. } | ConnectorError::NotServed { .. },
        ) => Status::PayerNotInSystem,
        ApiError::Connector(_) => Status::PayerUnavailable,
        _ => Status::ProcessingError,
    }
}

impl Capture {
    /// Starts a transaction on `route`; refused while the store is down under
    /// `store.on_error = "refuse"`.
    pub fn begin(
        state: &AppState,
        route: &'static str,
        headers: ExchangeHeaders,
    ) -> Result<Self, Box<(Self, ApiError)>> {
        let capture = Self {
            route,
            headers,
            details: Details::default(),
            payer_id: None,
            npi: None,
            dedup_key: None,
            searched: None,
            status: None,
            replay_of: None,
        };
        if refusing(state) {
            return Err(Box::new((capture, ApiError::StoreUnavailable)));
        }
        Ok(capture)
    }

    /// The 270 as received or as sent (after repairs).
    pub fn sent(&mut self, x12: &str) {
        self.details.x12_270 = Some(x12.to_owned());
    }

    /// What the accepted 270 says about who and where: its payer and NPI, and, when the store
    /// is on, the hashes of what the transaction is searched by and, with `deduplicate` (the
    /// account's window is open), what later requests match it on. The people themselves are
    /// not copied: the record's 270 names them ([`store::Details::people_in_270`]).
    pub fn learn(&mut self, state: &AppState, q: &Inquiry<'_>, deduplicate: bool) {
        self.details.people_in_270 = true;
        self.payer_id = q.payer_id().map(str::to_owned);
        self.npi = npi(q).map(str::to_owned);
        let Some(recorder) = &state.store else { return };
        let patient = q.patient();
        let birth_date = patient.birth_date.map(iso_date);
        self.searched = Some(recorder.store().search_hashes(&store::Searched {
            first_name: patient.party.first_name,
            last_name: patient.party.name,
            member_id: patient.party.id.or(q.subscriber.party.id),
            birth_date: birth_date.as_deref(),
            account_number: reference(q, "EJ"),
            medical_record_number: reference(q, "EA"),
        }));
        // Only requests recorded while deduplication is on can be matched later (the store
        // indexes no others).
        self.dedup_key = deduplicate.then(|| dedup_key(q));
    }

    /// The 271 received (or replayed).
    pub fn received(&mut self, x12: &str) {
        self.details.x12_271 = Some(x12.to_owned());
    }

    /// The route template.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// The canonical status the 271 mapper found.
    pub fn classified(&mut self, status: Status) {
        self.status = Some(status);
    }

    /// The canonical status of the 271 received: the mapper's, else read from the 271
    /// (`processing_error` when none was received).
    pub fn status_271(&self) -> Status {
        self.status.unwrap_or_else(|| {
            self.details.x12_271.as_deref().map_or(
                Status::ProcessingError,
                crate::eligibility::status::classify,
            )
        })
    }

    /// Warnings answered, as text.
    pub fn warn(&mut self, code: &str, description: &str) {
        self.details.warnings.push(format!("{code}: {description}"));
    }

    /// The account's stored answer to a materially identical request within its window, unless
    /// deduplication is off; a lookup that fails or is slow counts as a miss.
    pub async fn duplicate(&mut self, state: &AppState, account: &str) -> Option<String> {
        let hours = state.dedup.hours(account);
        if hours == 0 || self.headers.no_dedup {
            return None;
        }
        let recorder = state.store.as_ref()?;
        let key = self.dedup_key.as_deref()?;
        let since = state.dedup.since_ms(store::now_ms(), hours);
        let started = Instant::now();
        match recorder.store().find_duplicate(account, key, since).await {
            Ok(found) => {
                recorder.metrics().lookup(started.elapsed().as_secs_f64());
                recorder.health().succeeded();
                let original = found?;
                let reply = original.details.x12_271?;
                recorder.metrics().duplicate_hit();
                self.replay_of = Some(original.source_id.unwrap_or(original.id));
                Some(reply)
            }
            Err(e) => {
                recorder.metrics().lookup_failed();
                recorder.health().failed("lookup", &e);
                None
            }
        }
    }

    /// Builds the record of this exchange; [`keep`] queues it.
    pub fn conclude(
        self,
        caller: &Caller,
        status: Status,
        http_status: u16,
        errors: Vec<String>,
    ) -> NewTransaction {
        let mut details = self.details;
        details.http_status = http_status;
        details.errors = errors;
        // Its id is made now, with the time it is processed: the store finds it by that time.
        let processed_ms = store::now_ms();
        let t = store::Transaction {
            id: store::id_at(processed_ms),
            account: caller.account.to_string(),
            processed_ms,
            route: self.route.to_owned(),
            status: status.as_str().to_owned(),
            source_type: if self.replay_of.is_some() {
                "duplicate"
            } else {
                "new"
            }
            .to_owned(),
            source_id: self.replay_of,
            correlation_id: self.headers.correlation_id,
            payer_id: self.payer_id,
            npi: self.npi,
            details,
        };
        // A replay is not itself replayed: the original stays the one to match.
        let dedup_key = self.dedup_key.filter(|_| t.source_id.is_none());
        NewTransaction {
            transaction: t,
            dedup_key,
            searched: self.searched,
        }
    }

    /// Records the outcome of a v3 or raw-X12 route and answers it with `x-transaction-id`.
    pub fn finish(
        self,
        state: &AppState,
        caller: &Caller,
        result: Result<Response, ApiError>,
    ) -> Response {
        // With the store off there is nothing to record: no 271 classified, no record built,
        // and the id is made here.
        let recording = state.store.is_some();
        let (id, mut res) = match result {
            Ok(res) if !recording => (store::new_id(), res),
            Ok(res) => {
                let status = self.status_271();
                let code = res.status().as_u16();
                (
                    keep(state, self.conclude(caller, status, code, Vec::new())),
                    res,
                )
            }
            Err(e) if !recording => (store::new_id(), e.into_response()),
            Err(e) => {
                let status = status_of(&e);
                let errors = vec![e.to_string()];
                let mut this = self;
                let res = e.into_response();
                if this.details.response.is_none() {
                    this.details.response =
                        Some(format!("{} {}", res.status().as_u16(), errors.join("; ")));
                }
                let code = res.status().as_u16();
                (
                    keep(state, this.conclude(caller, status, code, errors)),
                    res,
                )
            }
        };
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(HEADER_NAME, v);
        }
        res
    }
}

/// Queues the record of an exchange for the store's writer (when the store is on); its id.
pub fn keep(state: &AppState, record: NewTransaction) -> String {
    let id = record.transaction.id.clone();
    if let Some(recorder) = &state.store {
        recorder.record(record);
    }
    id
}

/// Starts the store's writer for `state` (`None` when the store is off).
pub fn recorder(
    store: Option<store::Store>,
    s: &Settings,
    metrics: store::StoreMetrics,
) -> Option<std::sync::Arc<Recorder>> {
    store.map(|st| {
        std::sync::Arc::new(Recorder::start(
            st,
            s.store.queue_capacity,
            s.store.retention_days,
            metrics,
            Box::new(|_| {}),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deduplication key as first written: stored hashes of it must keep matching.
    fn dedup_key_v1(q: &Inquiry<'_>) -> String {
        let who = |m: &Member<'_>| {
            format!(
                "{}/{}/{}/{}",
                m.party.id.unwrap_or(""),
                m.party.first_name.unwrap_or(""),
                m.party.name.unwrap_or(""),
                m.birth_date.unwrap_or("")
            )
        };
        let members: Vec<&Member<'_>> =
            std::iter::once(&q.subscriber).chain(&q.dependent).collect();
        let mut stcs: Vec<&str> = members
            .iter()
            .flat_map(|m| m.service_types.iter().copied())
            .collect();
        stcs.sort_unstable();
        stcs.dedup();
        let mut dates: Vec<String> = members
            .iter()
            .flat_map(|m| m.dates.iter())
            .filter(|(qualifier, _, _)| *qualifier == "291")
            .map(|(_, format, value)| format!("{format}:{value}"))
            .collect();
        dates.sort_unstable();
        format!(
            "v1|payer={}|npi={}|subscriber={}|dependent={}|stc={}|dos={}",
            q.payer_id().unwrap_or(""),
            npi(q).unwrap_or(""),
            who(&q.subscriber),
            q.dependent.as_ref().map(who).unwrap_or_default(),
            stcs.join(","),
            dates.join(",")
        )
    }

    #[test]
    fn the_deduplication_key_is_spelled_as_before() {
        let head = "ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*^*00501*000000001*0*T*:~GS*HS*S*R*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~BHT*0022*13*1*20260101*1200~HL*1**20*1~NM1*PR*2*P*****PI*842610001~HL*2*1*21*1~NM1*1P*2*C*****XX*1234567893~";
        let cases = [
            "HL*3*2*22*0~TRN*1*1*9877281234~NM1*IL*1*DOE*JOHN****MI*M1~DMG*D8*19800102~DTP*291*RD8*20260101-20260131~DTP*291*D8*20251231~EQ*30~EQ*1~EQ*30~",
            "HL*3*2*22*1~NM1*IL*1*DOE*JANE****MI*M2~HL*4*3*23*0~NM1*03*1*DOE*KID~DMG*D8*20100101~DTP*291*D8*20260101~EQ*88~",
            "HL*3*2*22*0~NM1*IL*1*DOE~",
        ];
        for body in cases {
            let x12 = format!("{head}{body}SE*9*0001~GE*1*1~IEA*1*000000001~");
            let q = crate::eligibility::inquiry::read(&x12);
            let key = dedup_key(&q);
            assert!(key.contains("payer=842610001|npi=1234567893"), "{key}");
            assert_eq!(key, dedup_key_v1(&q), "{body}");
        }
    }

    #[test]
    fn a_month_starts_on_its_first_day_at_midnight_utc() {
        // 2026-03-01T00:00:00Z, 2024-02-29T13:00:00Z (leap day), 1999-12-31T23:59:59.999Z.
        assert_eq!(month_start_ms(1_772_323_200_000), 1_772_323_200_000);
        assert_eq!(month_start_ms(1_772_323_199_999), 1_769_904_000_000);
        assert_eq!(month_start_ms(1_709_211_600_000), 1_706_745_600_000);
        assert_eq!(month_start_ms(946_684_799_999), 944_006_400_000);
    }

    #[test]
    fn prior_months_are_excluded_only_when_asked() {
        let mut d = Dedup::default();
        let now = 1_772_409_600_000; // 2026-03-02T00:00:00Z
        assert_eq!(d.since_ms(now, 72), now - 72 * 3_600_000);
        d.exclude_prior_month = true;
        assert_eq!(d.since_ms(now, 72), 1_772_323_200_000);
        assert_eq!(d.since_ms(now, 1), now - 3_600_000);
    }
}
