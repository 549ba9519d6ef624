use serde_json::json;

use super::*;
use crate::config::AccountSettings;
use crate::eligibility::inquiry;
use crate::eligibility::validate::{self, Options};

const SUBSCRIBER_270: &str = include_str!(
    "../../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi"
);

fn account(v: serde_json::Value) -> AccountSettings {
    serde_json::from_value(v).unwrap()
}

fn rules(v: serde_json::Value) -> AccountRules {
    AccountRules::compile("acme", &account(v)).unwrap()
}

fn refused(v: serde_json::Value) -> String {
    AccountRules::compile("acme", &account(v))
        .unwrap_err()
        .to_string()
}

/// The fixture with `payer` in 2100A and `provider` as the whole 2100B NM1 (plus extra
/// segments after it).
fn x12(payer: &str, provider: &str) -> String {
    SUBSCRIBER_270
        .replace("PI*842610001", &format!("PI*{payer}"))
        .replace("NM1*1P*2*BONE AND JOINT CLINIC*****SV*2000035", provider)
}

fn apply(r: &AccountRules, text: &str, day: &str) -> Option<Added> {
    let mut q = inquiry::read(text);
    let added = r.apply(text, &mut q, day);
    if let Some(a) = &added {
        assert_eq!(
            format!("{q:?}"),
            format!("{:?}", inquiry::read(&a.x12)),
            "the updated inquiry reads as the new text"
        );
    }
    added
}

fn aliases_2026() -> AccountRules {
    rules(json!({"payer_aliases": [
        {"alias": "ACME1", "payer_id": "87726", "from": "2026-01-01", "until": "2026-06-30"},
        {"alias": "ACME1", "payer_id": "60054", "from": "2026-07-01"},
        {"alias": "OLD", "payer_id": "00006"}
    ]}))
}

#[test]
fn an_alias_applies_from_its_first_day_to_its_last_inclusive() {
    let r = aliases_2026();
    let payer_on = |day: &str| {
        apply(&r, &x12("ACME1", "NM1*1P*2*CLINIC*****XX*1234567893"), day)
            .and_then(|a| a.applied.payer_alias)
            .map(|a| a.payer_id)
    };
    assert_eq!(payer_on("20251231"), None, "the day before `from`");
    assert_eq!(
        payer_on("20260101").as_deref(),
        Some("87726"),
        "`from` itself"
    );
    assert_eq!(
        payer_on("20260630").as_deref(),
        Some("87726"),
        "`until` itself"
    );
    assert_eq!(
        payer_on("20260701").as_deref(),
        Some("60054"),
        "the next range's first day"
    );
    assert_eq!(
        payer_on("20991231").as_deref(),
        Some("60054"),
        "an open end"
    );
}

#[test]
fn an_alias_without_dates_applies_every_day_and_ignores_case() {
    let r = aliases_2026();
    let text = x12("old", "NM1*1P*2*CLINIC*****XX*1234567893");
    let added = apply(&r, &text, "19990101").expect("applied");
    assert!(added.x12.contains("NM1*PR*2*ABC COMPANY*****PI*00006~"));
    let a = added.applied.payer_alias.unwrap();
    assert_eq!((a.alias.as_str(), a.in_effect.as_str()), ("old", "any day"));
    assert_eq!(a.rule, "accounts.acme.payer_aliases[2]");
}

#[test]
fn no_rule_leaves_the_270_alone() {
    let text = x12("842610001", "NM1*1P*2*CLINIC*****XX*1234567893");
    assert!(
        apply(&aliases_2026(), &text, "20260301").is_none(),
        "not an alias"
    );
    let npi_only = rules(json!({"npi_rules": [{"npi": "1111111112", "payer_id": "OTHER"}]}));
    let no_npi = x12("842610001", "NM1*1P*2*CLINIC*****SV*2000035");
    assert!(
        apply(&npi_only, &no_npi, "20260301").is_none(),
        "no rule for this payer"
    );
    assert!(rules(json!({})).is_empty());
}

fn hierarchy() -> AccountRules {
    rules(json!({
        "payer_aliases": [{"alias": "ACME1", "payer_id": "87726"}],
        "npi_rules": [
            {"npi": "1000000004"},
            {"npi": "1111111112", "payer_id": "87726"},
            {"npi": "2222222228", "facility": "FAC-9"},
            {"npi": "9876543213", "payer_id": "87726", "facility": "fac-9"}
        ]
    }))
}

#[test]
fn npi_rules_apply_most_specific_first() {
    let r = hierarchy();
    let cases = [
        (
            "payer and facility",
            "87726",
            "REF*1J*FAC-9~",
            "9876543213",
            Level::PayerAndFacility,
        ),
        (
            "alias resolved first",
            "ACME1",
            "REF*1J*FAC-9~",
            "9876543213",
            Level::PayerAndFacility,
        ),
        (
            "facility only",
            "842610001",
            "REF*1J*FAC-9~",
            "2222222228",
            Level::Facility,
        ),
        (
            "payer only",
            "87726",
            "REF*1J*FAC-1~",
            "1111111112",
            Level::Payer,
        ),
        (
            "payer, no facility sent",
            "87726",
            "",
            "1111111112",
            Level::Payer,
        ),
        (
            "default",
            "842610001",
            "REF*0B*FAC-9~",
            "1000000004",
            Level::Account,
        ),
    ];
    for (why, payer, refs, npi, level) in cases {
        let text = x12(payer, &format!("NM1*1P*2*CLINIC*****SV*2000035~{refs}")).replace("~~", "~");
        let added = apply(&r, &text, "20260301").expect(why);
        let n = added.applied.npi_rule.expect(why);
        assert_eq!((n.npi.as_str(), n.level), (npi, level), "{why}");
        assert!(
            added
                .x12
                .contains(&format!("NM1*1P*2*CLINIC*****XX*{npi}~")),
            "{why}"
        );
    }
}

#[test]
fn an_invalid_npi_is_replaced_and_a_valid_one_kept() {
    let r = hierarchy();
    let bad = x12("842610001", "NM1*1P*2*CLINIC*****XX*1234567890");
    let added = apply(&r, &bad, "20260301").expect("replaced");
    assert!(added.x12.contains("*XX*1000000004~"));
    assert!(!added.x12.contains("XX*1234567890"));
    assert_eq!(added.applied.npi_rule.unwrap().lacked, Lacked::InvalidNpi);

    let good = x12("842610001", "NM1*1P*2*CLINIC*****XX*1234567893");
    assert!(
        apply(&r, &good, "20260301").is_none(),
        "a valid NPI wins over every rule"
    );

    let with_alias = x12("ACME1", "NM1*1P*2*CLINIC*****XX*1234567893");
    let added = apply(&r, &with_alias, "20260301").unwrap();
    assert!(added.applied.npi_rule.is_none());
    assert!(added.x12.contains("*XX*1234567893~"), "kept as sent");
}

#[test]
fn a_provider_without_nm108_and_nm109_gets_them() {
    let r = hierarchy();
    let text = x12("842610001", "NM1*1P*2*CLINIC");
    let added = apply(&r, &text, "20260301").unwrap();
    assert!(
        added.x12.contains("~NM1*1P*2*CLINIC*****XX*1000000004~"),
        "{}",
        added.x12
    );
    assert_eq!(added.applied.npi_rule.unwrap().lacked, Lacked::NoIdentifier);
}

#[test]
fn the_rewritten_270_still_validates_and_only_the_nm1s_change() {
    let r = hierarchy();
    let text = x12("ACME1", "NM1*1P*2*BONE AND JOINT CLINIC*****SV*2000035");
    let opts = Options {
        repairs: true,
        real_time: true,
    };
    let checked = validate::check_on(&text, &opts, "20260301");
    assert!(checked.is_valid(), "{:?}", checked.errors);
    let added = apply(&r, &checked.text, "20260301").unwrap();
    let expected = checked
        .text
        .replace("PI*ACME1", "PI*87726")
        .replace("*SV*2000035", "*XX*1111111112");
    assert_eq!(added.x12, expected);
    assert!(validate::check_on(&added.x12, &opts, "20260301").is_valid());
    let warnings = added.applied.warnings();
    assert_eq!(warnings.len(), 2);
    assert_eq!(warnings[0].code, "value_add::payer_alias_applied");
    assert_eq!(warnings[0].location.as_deref(), Some("Loop 2100A"));
    assert_eq!(warnings[0].segment_position, Some(4), "ST BHT HL NM1");
    assert_eq!(warnings[1].code, "value_add::npi_rule_applied");
    assert_eq!(warnings[1].segment_position, Some(6));
    assert!(
        warnings[1].description.contains("NM108 `SV`"),
        "{}",
        warnings[1].description
    );
    assert!(
        warnings[1]
            .description
            .contains("accounts.acme.npi_rules[1]")
    );
}

#[test]
fn bad_aliases_stop_start_up_naming_the_key() {
    let cases = [
        (
            json!({"alias": "", "payer_id": "87726"}),
            "payer_aliases[0].alias",
        ),
        (
            json!({"alias": "A1", "payer_id": " "}),
            "payer_aliases[0].payer_id",
        ),
        (
            json!({"alias": "A1", "payer_id": "a1"}),
            "payer_aliases[0].payer_id",
        ),
        (
            json!({"alias": "A1", "payer_id": "X*1"}),
            "payer_aliases[0].payer_id",
        ),
        (
            json!({"alias": "A1", "payer_id": "87726", "from": "2026-02-30"}),
            "payer_aliases[0].from",
        ),
        (
            json!({"alias": "A1", "payer_id": "87726", "until": "2026/01/01"}),
            "payer_aliases[0].until",
        ),
        (
            json!({"alias": "A1", "payer_id": "87726", "from": "20260101"}),
            "payer_aliases[0].from",
        ),
        (
            json!({"alias": "A1", "payer_id": "87726", "from": ""}),
            "payer_aliases[0].from",
        ),
        (
            json!({"alias": "A1", "payer_id": "87726", "from": "2026-02-01", "until": "2026-01-31"}),
            "payer_aliases[0].until",
        ),
    ];
    for (entry, key) in cases {
        let e = refused(json!({ "payer_aliases": [entry] }));
        assert!(e.contains(&format!("`accounts.acme.{key}`")), "{key}: {e}");
    }
}

#[test]
fn overlapping_ranges_of_one_alias_are_refused_and_adjacent_ones_accepted() {
    let two = |a: serde_json::Value, b: serde_json::Value| json!({ "payer_aliases": [a, b] });
    let e = refused(two(
        json!({"alias": "A1", "payer_id": "87726", "until": "2026-06-30"}),
        json!({"alias": "a1", "payer_id": "60054", "from": "2026-06-30"}),
    ));
    assert!(e.contains("`accounts.acme.payer_aliases[1].alias`"), "{e}");
    assert!(e.contains("payer_aliases[0]"), "{e}");
    let e = refused(two(
        json!({"alias": "A1", "payer_id": "87726"}),
        json!({"alias": "A1", "payer_id": "60054", "from": "2030-01-01", "until": "2030-01-01"}),
    ));
    assert!(
        e.contains("overlaps"),
        "an open range covers every other: {e}"
    );
    rules(two(
        json!({"alias": "A1", "payer_id": "87726", "until": "2026-06-30"}),
        json!({"alias": "A1", "payer_id": "60054", "from": "2026-07-01"}),
    ));
    rules(two(
        json!({"alias": "A1", "payer_id": "87726"}),
        json!({"alias": "A2", "payer_id": "87726"}),
    ));
}

#[test]
fn bad_npi_rules_stop_start_up_naming_the_key() {
    let cases = [
        (json!([{"npi": "1234567890"}]), "npi_rules[0].npi"),
        (json!([{"npi": "123456789"}]), "npi_rules[0].npi"),
        (json!([{"npi": "12345-7893"}]), "npi_rules[0].npi"),
        (json!([{"npi": ""}]), "npi_rules[0].npi"),
        (
            json!([{"npi": "1234567893", "payer_id": ""}]),
            "npi_rules[0].payer_id",
        ),
        (
            json!([{"npi": "1234567893", "facility": " "}]),
            "npi_rules[0].facility",
        ),
        (
            json!([{"npi": "1234567893", "payer_id": "87726"}, {"npi": "1111111112", "payer_id": "87726"}]),
            "npi_rules[1]",
        ),
        (
            json!([{"npi": "1234567893"}, {"npi": "1111111112"}]),
            "npi_rules[1]",
        ),
    ];
    for (list, key) in cases {
        let e = refused(json!({ "npi_rules": list }));
        assert!(e.contains(&format!("`accounts.acme.{key}`")), "{key}: {e}");
    }
}

#[test]
fn value_add_compiles_only_accounts_with_rules() {
    let mut accounts = BTreeMap::new();
    accounts.insert("plain".to_owned(), account(json!({})));
    accounts.insert(
        "acme".to_owned(),
        account(json!({"npi_rules": [{"npi": "1234567893"}]})),
    );
    let v = ValueAdd::from_settings(&accounts).unwrap();
    assert!(v.for_account("plain").is_none());
    assert!(v.for_account("acme").is_some());
    accounts.insert(
        "bad".to_owned(),
        account(json!({"npi_rules": [{"npi": "1"}]})),
    );
    let e = ValueAdd::from_settings(&accounts).unwrap_err().to_string();
    assert!(e.contains("accounts.bad.npi_rules[0].npi"), "{e}");
}

/// Every public 270 fixture the validator accepts in real time still validates after both rules,
/// and only its 2100A and 2100B `NM1`s differ.
#[test]
fn public_fixtures_keep_validating_after_the_rewrite() {
    let opts = Options {
        repairs: true,
        real_time: true,
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/x12");
    let mut tried = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if !path.to_string_lossy().contains("270") {
                continue;
            }
            let Ok(input) = std::fs::read_to_string(&path) else {
                continue;
            };
            let checked = validate::check_on(&input, &opts, "20261123");
            if !checked.is_valid() {
                continue;
            }
            let payer = inquiry::read(&checked.text).payer_id().unwrap().to_owned();
            let r = rules(json!({
                "payer_aliases": [{"alias": payer, "payer_id": "ZZ-REAL.1"}],
                "npi_rules": [{"npi": "1000000004"}]
            }));
            let name = path.display();
            let added = apply(&r, &checked.text, "20261123").expect("the alias applies");
            let again = validate::check_on(&added.x12, &opts, "20261123");
            assert!(again.is_valid(), "{name}: {:?}", again.errors);
            assert!(again.warnings.is_empty(), "{name}: nothing to repair");
            let q = inquiry::read(&added.x12);
            assert_eq!(q.payer_id(), Some("ZZ-REAL.1"), "{name}");
            assert_eq!(q.provider.id_qualifier, Some("XX"), "{name}");
            let before: Vec<_> = crate::x12::Reader::new(&checked.text)
                .unwrap()
                .flatten()
                .collect();
            let after: Vec<_> = crate::x12::Reader::new(&added.x12)
                .unwrap()
                .flatten()
                .collect();
            assert_eq!(before.len(), after.len(), "{name}");
            let changed: Vec<u32> = before
                .iter()
                .zip(&after)
                .filter(|(b, a)| b.text() != a.text())
                .map(|(b, _)| b.index)
                .collect();
            assert!(
                (1..=2).contains(&changed.len())
                    && changed
                        .iter()
                        .all(|i| before.iter().any(|s| s.index == *i && s.tag == "NM1")),
                "{name}: {changed:?}"
            );
            tried += 1;
        }
    }
    assert!(tried >= 3, "only {tried} fixtures were tried");
}
