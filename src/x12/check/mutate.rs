//! Test support: mutations of an X12 document for the validators' properties (each transaction's
//! tests mutate its own fixtures with the same edits).
#![allow(clippy::indexing_slicing, clippy::missing_panics_doc)]

use proptest::prelude::*;

/// The segments of `text`, each with its `~`.
pub fn segments(text: &str) -> Vec<String> {
    text.split_inclusive('~').map(str::to_owned).collect()
}

/// One mutation of a document.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Edit {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Replace(usize, usize, String),
    Insert(usize, String),
    Truncate(usize),
}

/// Any mutation, values drawn from delimiters, letters, Unicode and bytes.
pub fn edit() -> impl Strategy<Value = Edit> {
    let value = prop_oneof![
        "[A-Z0-9]{0,12}",
        "[a-z ]{0,6}",
        Just(String::new()),
        "[*^:~`>|!\r\n]{1,3}",
        "\\PC{0,4}",
        any::<u8>().prop_map(|b| char::from(b).to_string()),
    ];
    prop_oneof![
        (0..40usize).prop_map(Edit::Delete),
        (0..40usize).prop_map(Edit::Duplicate),
        (0..40usize, 0..40usize).prop_map(|(a, b)| Edit::Swap(a, b)),
        (0..40usize, 0..14usize, value.clone()).prop_map(|(s, e, v)| Edit::Replace(s, e, v)),
        (0..2000usize, value).prop_map(|(p, v)| Edit::Insert(p, v)),
        (0..2000usize).prop_map(Edit::Truncate),
    ]
}

/// `base` with `edits` applied, segment-wise (a truncation or an insertion cuts anywhere).
pub fn apply(base: &str, edits: &[Edit]) -> String {
    let mut segs = segments(base);
    let mut tail = None;
    for e in edits {
        let n = segs.len().max(1);
        match e {
            Edit::Delete(i) => {
                if !segs.is_empty() {
                    segs.remove(i % n);
                }
            }
            Edit::Duplicate(i) => {
                if let Some(s) = segs.get(i % n).cloned() {
                    segs.insert(i % n, s);
                }
            }
            Edit::Swap(a, b) => {
                if !segs.is_empty() {
                    segs.swap(a % n, b % n);
                }
            }
            Edit::Replace(s, el, v) => {
                if let Some(seg) = segs.get_mut(s % n) {
                    let mut parts: Vec<String> = seg
                        .trim_end_matches('~')
                        .split('*')
                        .map(str::to_owned)
                        .collect();
                    let k = el % parts.len().max(1);
                    if let Some(p) = parts.get_mut(k) {
                        p.clone_from(v);
                    }
                    *seg = format!("{}~", parts.join("*"));
                }
            }
            Edit::Insert(p, v) => tail = Some((*p, v.clone())),
            Edit::Truncate(p) => {
                let joined = segs.concat();
                let cut = (*p).min(joined.len());
                let cut = (0..=cut)
                    .rev()
                    .find(|c| joined.is_char_boundary(*c))
                    .unwrap_or(0);
                segs = vec![joined[..cut].to_owned()];
            }
        }
    }
    let mut text = segs.concat();
    if let Some((p, v)) = tail {
        let at = (0..=p.min(text.len()))
            .rev()
            .find(|c| text.is_char_boundary(*c))
            .unwrap_or(0);
        text.insert_str(at, &v);
    }
    text
}
