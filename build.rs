//! Tells utoipa's derive that the response model's `Text<'a>` (a `Cow<'a, str>`) is a string.

fn main() {
    // Its output depends on nothing else: without this, any change to the package reruns it.
    println!("cargo::rerun-if-changed=build.rs");
    utoipa_config::Config::new()
        .alias_for("Text", "String")
        .write_to_file();
}
