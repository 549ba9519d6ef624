//! Rewrites the payer ID (2100A NM109) and the provider's identifier (2100B NM108/NM109) of an
//! accepted 270 in one pass: unchanged bytes are copied, the one or two NM1s are written anew.

use crate::x12::{Reader, Segment};

/// What to put in the 270.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edits<'e> {
    /// New 2100A NM109.
    pub payer_id: Option<&'e str>,
    /// New 2100B NM109, with NM108 `XX`.
    pub npi: Option<&'e str>,
}

/// The rewritten 270 and where the edits landed (segment position in the transaction set,
/// `ST` = 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spliced {
    /// The new text.
    pub text: String,
    /// Position of the 2100A `NM1` when its NM109 was replaced.
    pub payer_at: Option<u32>,
    /// Position of the 2100B `NM1` when its NM108/NM109 were replaced.
    pub provider_at: Option<u32>,
}

/// Applies `edits` to `text` (a 270 the validator accepted: one transaction set). `None` when
/// there is nothing to do or the loops are not found (nothing is changed then). Linear in
/// `text`: it stops reading at the first subscriber loop.
pub fn splice(text: &str, edits: Edits<'_>) -> Option<Spliced> {
    if edits.payer_id.is_none() && edits.npi.is_none() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 32);
    let (mut copied, mut st, mut level) = (0usize, 0u32, "");
    let mut done = Spliced {
        text: String::new(),
        payer_at: None,
        provider_at: None,
    };
    let (mut payer_seen, mut provider_seen) = (false, false);
    let element = Reader::new(text).ok()?.delimiters().element as char;
    for seg in Reader::new(text).ok()? {
        let Ok(seg) = seg else { continue };
        match seg.tag {
            "ST" => st = seg.index,
            "HL" => {
                level = seg.element(3).unwrap_or("");
                if level != "20" && level != "21" {
                    break;
                }
            }
            "NM1" if level == "20" && !payer_seen => {
                payer_seen = true;
                if let Some(id) = edits.payer_id {
                    out.push_str(text.get(copied..seg.offset)?);
                    write_nm1(&mut out, &seg, element, None, id);
                    copied = seg.end();
                    done.payer_at = Some(seg.index.saturating_sub(st) + 1);
                }
            }
            "NM1" if level == "21" && !provider_seen => {
                provider_seen = true;
                if let Some(npi) = edits.npi {
                    out.push_str(text.get(copied..seg.offset)?);
                    write_nm1(&mut out, &seg, element, Some("XX"), npi);
                    copied = seg.end();
                    done.provider_at = Some(seg.index.saturating_sub(st) + 1);
                }
            }
            _ => {}
        }
    }
    if done.payer_at.is_none() && done.provider_at.is_none() {
        return None;
    }
    out.push_str(text.get(copied..)?);
    done.text = out;
    Some(done)
}

/// Writes `seg` (without its terminator) with NM109 = `id` and, when given, NM108 = `qualifier`.
fn write_nm1(out: &mut String, seg: &Segment<'_>, sep: char, qualifier: Option<&str>, id: &str) {
    out.push_str(seg.tag);
    let mut n = 0usize;
    for (i, e) in seg.elements().enumerate() {
        n = i + 1;
        out.push(sep);
        out.push_str(match (n, qualifier) {
            (8, Some(q)) => q,
            (9, _) => id,
            _ => e,
        });
    }
    // NM1s shorter than nine elements are padded to reach NM109.
    for k in n + 1..=9 {
        out.push(sep);
        if k == 8 {
            out.push_str(qualifier.unwrap_or(""));
        } else if k == 9 {
            out.push_str(id);
        }
    }
}
