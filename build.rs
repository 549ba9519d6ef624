//! Tells utoipa's derive that the response model's `Text<'a>` (a `Cow<'a, str>`) is a string.

fn main() {
    utoipa_config::Config::new()
        .alias_for("Text", "String")
        .write_to_file();
}
