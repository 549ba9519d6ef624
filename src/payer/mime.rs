//! CAQH CORE HTTP+MIME multipart envelopes (Connectivity Rule vC2.2.0, §4.1): the request as
//! `multipart/form-data` with one part per envelope field, and the response read back from the
//! same form. Pure functions; `caqh` does the HTTP.

use super::soap::{RULE_VERSION, RealTimeRequest, RealTimeResponse};

/// The largest number of parts read from an answer (CORE defines about a dozen fields).
const MAX_PARTS: usize = 64;

/// `(content type, body)` of the request for `r`. `UserName`/`Password` go only when set (a
/// connector with a client certificate may have none).
pub fn request(r: &RealTimeRequest<'_>) -> (String, String) {
    let mut fields: Vec<(&str, &str)> = vec![
        ("ProcessingMode", "RealTime"),
        ("PayloadType", r.payload_type),
        ("PayloadID", r.payload_id),
        ("TimeStamp", r.timestamp),
        ("SenderID", r.sender_id),
        ("ReceiverID", r.receiver_id),
        ("CORERuleVersion", RULE_VERSION),
    ];
    if !r.username.is_empty() {
        fields.push(("UserName", r.username));
        fields.push(("Password", r.password));
    }
    fields.push(("Payload", r.payload));
    // A fresh boundary; made again in the (astronomically unlikely) case a value holds it.
    let mut boundary = format!("core-{}", uuid::Uuid::new_v4().simple());
    while fields.iter().any(|(_, v)| v.contains(&boundary)) {
        boundary = format!("core-{}", uuid::Uuid::new_v4().simple());
    }
    let size = fields.iter().map(|(n, v)| n.len() + v.len() + 100).sum();
    let mut body = String::with_capacity(size);
    for (name, value) in fields {
        body.push_str("--");
        body.push_str(&boundary);
        body.push_str("\r\nContent-Disposition: form-data; name=\"");
        body.push_str(name);
        body.push_str("\"\r\n\r\n");
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str("--");
    body.push_str(&boundary);
    body.push_str("--\r\n");
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The `boundary` parameter of a `multipart/…` content type.
fn boundary(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"'))
            .filter(|b| !b.is_empty())
    })
}

/// The `name` of a part from its headers.
fn part_name(headers: &str) -> Option<&str> {
    headers.split("\r\n").find_map(|line| {
        let (k, v) = line.split_once(':')?;
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            return None;
        }
        v.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"'))
        })
    })
}

/// Reads a multipart response. Errors say what is wrong, never what the answer held.
pub fn parse(content_type: &str, body: &str) -> Result<RealTimeResponse, String> {
    let boundary = boundary(content_type)
        .ok_or("the answer is not multipart (no boundary in its content type)")?;
    let delimiter = format!("--{boundary}");
    let mut out = RealTimeResponse::default();
    let mut sections = body.split(delimiter.as_str());
    // Before the first delimiter: the preamble, ignored.
    sections.next();
    let mut closed = false;
    for (i, section) in sections.enumerate() {
        if i >= MAX_PARTS {
            return Err(format!(
                "the multipart answer has more than {MAX_PARTS} parts"
            ));
        }
        if section.starts_with("--") {
            closed = true;
            break;
        }
        let section = section.strip_prefix("\r\n").unwrap_or(section);
        let (headers, value) = section
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("part {} has no blank line after its headers", i + 1))?;
        let value = value
            .strip_suffix("\r\n")
            .unwrap_or(value)
            .trim()
            .to_owned();
        let slot = match part_name(headers) {
            Some("PayloadType") => &mut out.payload_type,
            Some("PayloadID") => &mut out.payload_id,
            Some("Payload") => &mut out.payload,
            Some("ErrorCode") => &mut out.error_code,
            Some("ErrorMessage") => &mut out.error_message,
            Some(_) => continue,
            None => return Err(format!("part {} has no form-data name", i + 1)),
        };
        *slot = value;
    }
    if !closed {
        return Err("the multipart answer does not end with its closing boundary".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(username: &str) -> RealTimeRequest<'_> {
        RealTimeRequest {
            payload_type: "X12_270_Request_005010X279A1",
            payload_id: "id-1",
            timestamp: "2026-01-02T03:04:05Z",
            sender_id: "S",
            receiver_id: "R",
            username,
            password: "pw",
            payload: "ISA*00~",
        }
    }

    #[test]
    fn the_request_has_every_field_and_credentials_only_when_set() {
        let (ct, body) = request(&req("user"));
        let b = boundary(&ct).unwrap();
        assert!(body.ends_with(&format!("--{b}--\r\n")));
        for name in [
            "ProcessingMode",
            "PayloadType",
            "PayloadID",
            "TimeStamp",
            "SenderID",
            "ReceiverID",
            "CORERuleVersion",
            "UserName",
            "Password",
            "Payload",
        ] {
            assert!(body.contains(&format!("name=\"{name}\"")), "{name}");
        }
        let (_, body) = request(&req(""));
        assert!(!body.contains("UserName") && !body.contains("Password"));
    }

    #[test]
    fn answers_read_back_and_broken_ones_are_refused() {
        let ct = "multipart/form-data; boundary=\"XyZ\"";
        let ok = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"PayloadType\"\r\n\r\nX12_271_Response_005010X279A1\r\n--XyZ\r\ncontent-disposition: form-data; name=\"Payload\"\r\n\r\nISA*271~\r\n--XyZ\r\nContent-Disposition: form-data; name=\"ErrorCode\"\r\n\r\nSuccess\r\n--XyZ--\r\n";
        let r = parse(ct, ok).unwrap();
        assert_eq!(
            (
                r.payload_type.as_str(),
                r.payload.as_str(),
                r.error_code.as_str()
            ),
            ("X12_271_Response_005010X279A1", "ISA*271~", "Success")
        );
        for (why, ct, body, want) in [
            ("not multipart", "text/xml", ok, "not multipart"),
            (
                "unclosed",
                ct,
                "--XyZ\r\nContent-Disposition: form-data; name=\"A\"\r\n\r\nv\r\n",
                "closing boundary",
            ),
            (
                "no blank line",
                ct,
                "--XyZ\r\nContent-Disposition: form-data\r\n--XyZ--",
                "no blank line",
            ),
            (
                "no name",
                ct,
                "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",
                "no form-data name",
            ),
        ] {
            let e = parse(ct, body).unwrap_err();
            assert!(e.contains(want), "{why}: {e}");
        }
    }
}
