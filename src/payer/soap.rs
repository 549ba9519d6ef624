//! CAQH CORE Phase II real-time SOAP 1.2 envelopes (CORE Connectivity Rule vC2.2.0): the request
//! we write, with a WS-Security `UsernameToken`, and the response or fault we read with quick-xml.
//! Pure functions; `caqh` does the HTTP.

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;

/// The namespace of `COREEnvelopeRealTimeRequest` / `…Response`; their children are unqualified.
pub const CORE_NS: &str = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd";
/// SOAP 1.2.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSSE_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
/// `CORERuleVersion`.
pub const RULE_VERSION: &str = "2.2.0";
/// `ErrorCode` of a good answer.
pub const SUCCESS: &str = "Success";

/// The fields of one real-time request.
#[derive(Clone, Copy)]
pub struct RealTimeRequest<'a> {
    /// `PayloadType`: follows the transaction (see `Transaction::core_payload_type`).
    pub payload_type: &'a str,
    /// A fresh UUID (RFC 4122).
    pub payload_id: &'a str,
    /// UTC, ISO 8601.
    pub timestamp: &'a str,
    /// `SenderID`.
    pub sender_id: &'a str,
    /// `ReceiverID`.
    pub receiver_id: &'a str,
    /// WS-Security username; empty: no `Security` header (a client certificate authenticates).
    pub username: &'a str,
    /// WS-Security password (sent as `PasswordText`).
    pub password: &'a str,
    /// The 270.
    pub payload: &'a str,
}

/// The envelope for `r`. The payload goes in CDATA, as CORE examples send it, unless it holds
/// `]]>`, in which case it is escaped text.
pub fn request(r: &RealTimeRequest<'_>) -> String {
    let payload = if r.payload.contains("]]>") {
        escape(r.payload).into_owned()
    } else {
        format!("<![CDATA[{}]]>", r.payload)
    };
    let security = if r.username.is_empty() {
        String::new()
    } else {
        format!(
            concat!(
                r#"<wsse:Security xmlns:wsse="{wsse}" soapenv:mustUnderstand="true">"#,
                r#"<wsse:UsernameToken>"#,
                r#"<wsse:Username>{username}</wsse:Username>"#,
                r#"<wsse:Password Type="{password_text}">{password}</wsse:Password>"#,
                r#"</wsse:UsernameToken>"#,
                r#"</wsse:Security>"#,
            ),
            wsse = WSSE_NS,
            username = escape(r.username),
            password_text = PASSWORD_TEXT,
            password = escape(r.password),
        )
    };
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="{soap}">"#,
            r#"<soapenv:Header>{security}</soapenv:Header>"#,
            r#"<soapenv:Body>"#,
            r#"<cor:COREEnvelopeRealTimeRequest xmlns:cor="{core}">"#,
            r#"<PayloadType>{payload_type}</PayloadType>"#,
            r#"<ProcessingMode>RealTime</ProcessingMode>"#,
            r#"<PayloadID>{payload_id}</PayloadID>"#,
            r#"<TimeStamp>{timestamp}</TimeStamp>"#,
            r#"<SenderID>{sender_id}</SenderID>"#,
            r#"<ReceiverID>{receiver_id}</ReceiverID>"#,
            r#"<CORERuleVersion>{version}</CORERuleVersion>"#,
            r#"<Payload>{payload}</Payload>"#,
            r#"</cor:COREEnvelopeRealTimeRequest>"#,
            r#"</soapenv:Body>"#,
            r#"</soapenv:Envelope>"#,
        ),
        soap = SOAP12_NS,
        security = security,
        core = CORE_NS,
        payload_type = escape(r.payload_type),
        payload_id = escape(r.payload_id),
        timestamp = escape(r.timestamp),
        sender_id = escape(r.sender_id),
        receiver_id = escape(r.receiver_id),
        version = RULE_VERSION,
        payload = payload,
    )
}

/// The fields of a `COREEnvelopeRealTimeResponse`, trimmed; absent ones are empty.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RealTimeResponse {
    /// e.g. `X12_271_Response_005010X279A1`, `X12_999_…`, `CoreEnvelopeError`.
    pub payload_type: String,
    /// The answer's `PayloadID`.
    pub payload_id: String,
    /// The X12 document.
    pub payload: String,
    /// `Success` or an error code.
    pub error_code: String,
    /// Why, when not `Success`.
    pub error_message: String,
}

/// What a SOAP endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A CORE real-time response (check its `error_code`).
    Response(RealTimeResponse),
    /// A SOAP 1.2 (or 1.1) fault.
    Fault {
        /// `Code/Value` (with `Subcode/Value`), or 1.1 `faultcode`.
        code: String,
        /// `Reason/Text`, or 1.1 `faultstring`.
        reason: String,
    },
}

/// Reads a response envelope. Elements are matched by local name, so any prefixes work. Errors
/// say what is missing or where the XML broke, never what it contained.
pub fn parse(xml: &str) -> Result<Answer, String> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut response: Option<RealTimeResponse> = None;
    let mut fault: Option<(String, String)> = None;
    let mut seen_envelope = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "the XML is not well-formed at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if name != "Envelope" {
                        return Err("the answer is not a SOAP envelope".into());
                    }
                    seen_envelope = true;
                }
                if name == "COREEnvelopeRealTimeResponse" && parent(&path) == Some("Body") {
                    response = Some(RealTimeResponse::default());
                }
                if name == "Fault" && parent(&path) == Some("Body") {
                    fault = Some((String::new(), String::new()));
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                if path.is_empty() {
                    return Err("the answer is not a SOAP envelope".into());
                }
                let name = e.local_name().as_ref().to_owned();
                if name == "COREEnvelopeRealTimeResponse" && parent(&path) == Some("Body") {
                    response = Some(RealTimeResponse::default());
                }
            }
            Event::Text(t) => text.push_str(&t.into_inner()),
            Event::CData(c) => text.push_str(&c.into_inner()),
            Event::GeneralRef(r) => {
                if let Some(c) = r
                    .resolve_char_ref()
                    .map_err(|_| "the XML holds a bad character reference".to_owned())?
                {
                    text.push(c);
                } else if let Some(s) = resolve_predefined_entity(&r) {
                    text.push_str(s);
                } else {
                    return Err("the XML refers to an undefined entity".into());
                }
            }
            Event::End(_) => {
                let value = text.trim().to_owned();
                text.clear();
                let steps: Vec<&str> = path.iter().map(String::as_str).collect();
                match steps.as_slice() {
                    [.., "COREEnvelopeRealTimeResponse", field] => {
                        if let Some(r) = response.as_mut() {
                            let slot = match *field {
                                "PayloadType" => Some(&mut r.payload_type),
                                "PayloadID" => Some(&mut r.payload_id),
                                "Payload" => Some(&mut r.payload),
                                "ErrorCode" => Some(&mut r.error_code),
                                "ErrorMessage" => Some(&mut r.error_message),
                                _ => None,
                            };
                            if let Some(slot) = slot {
                                *slot = value;
                            }
                        }
                    }
                    [.., "Fault", "Code", "Value"]
                    | [.., "Fault", "Code", "Subcode", "Value"]
                    | [.., "Fault", "faultcode"] => {
                        if let Some((code, _)) = fault.as_mut() {
                            if !code.is_empty() {
                                code.push('/');
                            }
                            code.push_str(&value);
                        }
                    }
                    [.., "Fault", "Reason", "Text"] | [.., "Fault", "faultstring"] => {
                        if let Some((_, reason)) = fault.as_mut()
                            && reason.is_empty()
                        {
                            *reason = value;
                        }
                    }
                    _ => {}
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_envelope {
        return Err("the answer is not a SOAP envelope".into());
    }
    if let Some((code, reason)) = fault {
        return Ok(Answer::Fault { code, reason });
    }
    response.map(Answer::Response).ok_or_else(|| {
        "the SOAP body holds neither a COREEnvelopeRealTimeResponse nor a Fault".into()
    })
}

fn parent(path: &[String]) -> Option<&str> {
    path.last().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X12: &str = "ISA*00*          *00*~ST*270*0001~";

    fn req(payload: &str) -> String {
        request(&RealTimeRequest {
            payload_type: "X12_270_Request_005010X279A1",
            payload_id: "f81d4fae-7dec-41d0-a765-00a0c91e6bf6",
            timestamp: "2026-01-02T03:04:05Z",
            sender_id: "SENDER&CO",
            receiver_id: "PAYER01",
            username: "user<1>",
            password: "p&ss\"word",
            payload,
        })
    }

    fn response(inner: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="{SOAP12_NS}"><s:Header/><s:Body><ns1:COREEnvelopeRealTimeResponse xmlns:ns1="{CORE_NS}">{inner}</ns1:COREEnvelopeRealTimeResponse></s:Body></s:Envelope>"#
        )
    }

    #[test]
    fn the_request_is_well_formed_and_escaped() {
        let xml = req(X12);
        assert!(xml.contains("<![CDATA[ISA*00*          *00*~ST*270*0001~]]>"));
        assert!(xml.contains("<PayloadType>X12_270_Request_005010X279A1</PayloadType>"));
        assert!(xml.contains("<ProcessingMode>RealTime</ProcessingMode>"));
        assert!(xml.contains("<CORERuleVersion>2.2.0</CORERuleVersion>"));
        assert!(xml.contains("<SenderID>SENDER&amp;CO</SenderID>"));
        assert!(xml.contains("<wsse:Username>user&lt;1&gt;</wsse:Username>"));
        assert!(xml.contains("p&amp;ss&quot;word"));
        assert!(xml.contains("#PasswordText"));
        // Every element closes: the reader walks it to the end.
        let mut r = Reader::from_str(&xml);
        while !matches!(r.read_event().unwrap(), Event::Eof) {}
        let odd = req("A]]>B");
        assert!(odd.contains("<Payload>A]]&gt;B</Payload>"), "{odd}");
    }

    #[test]
    fn responses_faults_and_broken_answers() {
        let ok = response(
            "<PayloadType>X12_271_Response_005010X279A1</PayloadType><ProcessingMode>RealTime</ProcessingMode>\
             <PayloadID>abc</PayloadID><Payload>\n<![CDATA[ISA*271~]]>\n</Payload>\
             <ErrorCode>Success</ErrorCode><ErrorMessage></ErrorMessage>",
        );
        let Answer::Response(r) = parse(&ok).unwrap() else {
            panic!("a response")
        };
        assert_eq!(
            (
                r.payload_type.as_str(),
                r.payload.as_str(),
                r.error_code.as_str()
            ),
            ("X12_271_Response_005010X279A1", "ISA*271~", "Success")
        );
        let escaped = response("<Payload>A&amp;B&#42;</Payload><ErrorCode>Success</ErrorCode>");
        let Answer::Response(r) = parse(&escaped).unwrap() else {
            panic!("a response")
        };
        assert_eq!(r.payload, "A&B*");
        let error = response(
            "<PayloadType>CoreEnvelopeError</PayloadType><ErrorCode>Sender</ErrorCode>\
             <ErrorMessage>Unauthorized sender</ErrorMessage>",
        );
        let Answer::Response(r) = parse(&error).unwrap() else {
            panic!("a response")
        };
        assert_eq!(
            (r.error_code.as_str(), r.error_message.as_str()),
            ("Sender", "Unauthorized sender")
        );
        let fault = format!(
            r#"<env:Envelope xmlns:env="{SOAP12_NS}"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>wsse:FailedAuthentication</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Authentication failed</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#
        );
        assert_eq!(
            parse(&fault).unwrap(),
            Answer::Fault {
                code: "env:Sender/wsse:FailedAuthentication".into(),
                reason: "Authentication failed".into()
            }
        );
        let soap11 = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Down</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
        assert_eq!(
            parse(soap11).unwrap(),
            Answer::Fault {
                code: "soap:Server".into(),
                reason: "Down".into()
            }
        );
        for (why, xml, want) in [
            ("not XML", "<html><body>oops", "not a SOAP envelope"),
            ("plain text", "ISA*00*", "not a SOAP envelope"),
            (
                "broken XML",
                "<s:Envelope><s:Body></s:Envelope>",
                "not well-formed",
            ),
            (
                "empty body",
                &format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Body/></s:Envelope>"#),
                "neither",
            ),
            (
                "unknown entity",
                &response("<Payload>&nbsp;</Payload>"),
                "undefined entity",
            ),
        ] {
            let e = parse(xml).unwrap_err();
            assert!(e.contains(want), "{why}: {e}");
        }
    }
}
