//! Claim status code lists as sorted data tables, compiled in. Sources (see the shared
//! `claim-status.md` §4 and `code-lists-claimstatus.json`): category (507) and status (508) codes
//! are the union of Stedi's `OpenAPI` enums (`Stedi/openApi:healthcare.json` at `36b97f15`) and pyx12's
//! `codes.xml` (at `8893c59f`), with texts from HIPPO's 2011 code lists (`mcollie007/hippo` at `7aab20b3`,
//! BSD-style); entity codes are Stedi's `EntityCode`/`Entity` enums (= pyx12's X212 277 map);
//! `SVC01-1` qualifier names are Change's `OpenAPI` (`optum-medical-network-claim-status-v2.json`).
//! Texts follow the X12 list wording, which is what Change's documentation shows (Stedi rewrites
//! `X-Y` as `X - Y`; §4.4).

mod categories;
mod entities;
mod services;
mod statuses;

pub use categories::CATEGORIES;
pub use entities::ENTITIES;
pub use services::SERVICE_ID_QUALIFIERS;
pub use statuses::STATUSES;

/// The text of `code` in a table sorted by code.
pub fn name(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_unique_and_named() {
        for (what, table) in [
            ("categories", CATEGORIES),
            ("statuses", STATUSES),
            ("entities", ENTITIES),
            ("services", SERVICE_ID_QUALIFIERS),
        ] {
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "{what} is not sorted by code"
            );
            assert!(
                table.iter().all(|(c, n)| !c.is_empty() && !n.is_empty()),
                "{what}"
            );
        }
        assert_eq!(ENTITIES.len(), 228);
        assert!(STATUSES.len() > 700);
    }

    #[test]
    fn texts_match_the_change_docs() {
        assert_eq!(
            name(CATEGORIES, "F1"),
            Some("Finalized/Payment-The claim/line has been paid.")
        );
        assert_eq!(name(STATUSES, "65"), Some("Claim/line has been paid."));
        assert_eq!(
            name(ENTITIES, "1E"),
            Some("Health Maintenance Organization (HMO)")
        );
        assert_eq!(name(ENTITIES, "IN"), Some("Insurer"));
        assert_eq!(name(STATUSES, "803"), None);
        assert_eq!(name(STATUSES, "9999"), None);
    }
}
