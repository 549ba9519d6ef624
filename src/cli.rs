//! The command line: `serve` (the default; `main` runs it), `validate`, `to-json`, `to-270`,
//! `to-276` and `hash-key`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod healthcheck;

use crate::claim_status::map277;
use crate::config::{Settings, hash_key};
use crate::eligibility::map271;
use crate::eligibility::validate::{self, Options};

/// Change Healthcare-compatible real-time eligibility gateway.
#[derive(Debug, Parser)]
#[command(name = "eligibility-gateway", version, about)]
pub struct Cli {
    /// A TOML file layered over the embedded defaults (environment variables
    /// `GATEWAY__SECTION__KEY` override both).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the gateway (the default).
    Serve,
    /// Check a 270 against 005010X279A1, or a 276 against 005010X212 (detected from ST01), and
    /// print the report as JSON (errors, warnings, and the repaired X12 when repairs applied);
    /// exit 0 when valid or repaired, 1 when invalid.
    Validate {
        /// The 270 or 276 file, or `-` for standard input.
        file: String,
        /// Report needed repairs as errors instead of applying them.
        #[arg(long)]
        no_repairs: bool,
        /// Apply the real-time rules too: one transaction set, one patient (as the API does).
        #[arg(long)]
        real_time: bool,
    },
    /// Print the JSON for a payer's answer: eligibility for a 271, claim status for a 277
    /// (detected from ST01); an array when it answers several subscribers or patients.
    ToJson {
        /// The 271 or 277 file, or `-` for standard input.
        file: String,
    },
    /// Print the 270 the gateway would send for a JSON eligibility request (envelope from
    /// configuration); exit 1 with the problems as JSON when the request is invalid.
    #[command(name = "to-270")]
    To270 {
        /// The JSON request file, or `-` for standard input.
        file: String,
    },
    /// Print the 276 the gateway would send for a JSON claim status request (envelope from
    /// configuration); exit 1 with the problems as JSON when the request is invalid.
    #[command(name = "to-276")]
    To276 {
        /// The JSON request file, or `-` for standard input.
        file: String,
    },
    /// Ask the running gateway's `GET /readyz` (a container HEALTHCHECK; the image has no curl);
    /// exit 0 when it answers 200, 1 otherwise.
    Healthcheck {
        /// `host:port` to ask; default: `server.host`/`server.port` from configuration, on
        /// loopback when the host is 0.0.0.0.
        #[arg(long)]
        addr: Option<String>,
    },
    /// Print the `sha256:` hash of an API key, to paste into an account's `api_key_hashes`.
    HashKey {
        /// The key; read from standard input when omitted (keeps it out of shell history).
        key: Option<String>,
        /// Generate a new random key and print it with its hash.
        #[arg(long, conflicts_with = "key")]
        generate: bool,
    },
}

/// Runs `command` when it works offline; `None` for `serve`, which the binary's `main` runs
/// (start-up is glue there: settings, telemetry, `App::build`, `run_until_stopped`). `config` is
/// the `--config` file, for the commands that read settings.
pub fn run_offline(command: Command, config: Option<&std::path::Path>) -> Option<ExitCode> {
    Some(match command {
        Command::Serve => return None,
        Command::Validate {
            file,
            no_repairs,
            real_time,
        } => {
            let opts = Options {
                repairs: !no_repairs,
                real_time,
            };
            with_input(&file, |text| validate(text, &opts))
        }
        Command::ToJson { file } => with_input(&file, to_json),
        Command::To270 { file } => to_270_command(config, &file),
        Command::To276 { file } => to_276_command(config, &file),
        Command::HashKey { key, generate } => hash(key, generate),
        Command::Healthcheck { addr } => {
            let addr = match addr {
                Some(a) => a,
                None => match Settings::load(config) {
                    Ok(s) => healthcheck::target(&s),
                    Err(e) => {
                        eprintln!("eligibility-gateway: {e}");
                        return Some(ExitCode::from(2));
                    }
                },
            };
            healthcheck::run(&addr)
        }
    })
}

/// Reads `file` (or stdin for `-`) as UTF-8 and runs `f` on it.
fn with_input(file: &str, f: impl Fn(&str) -> (String, bool)) -> ExitCode {
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(file).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eprintln!("eligibility-gateway: cannot read {file}: {e}");
        return ExitCode::from(2);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let (out, _) = error_json(&format!("the input is not UTF-8 text (byte {at})"));
            print_out(&out);
            return ExitCode::FAILURE;
        }
    };
    let (out, ok) = f(&text);
    print_out(&out);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints `out` and a newline; a closed pipe (`| head`) is the reader's choice, not a panic.
fn print_out(out: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{out}");
}

fn error_json(message: &str) -> (String, bool) {
    (
        serde_json::json!({ "status": "ERROR", "message": message }).to_string(),
        false,
    )
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v)
        .unwrap_or_else(|e| format!("{{\"message\": \"cannot serialise: {e}\"}}"))
}

/// The `validate` report: `{"valid", "repaired", "errors", "warnings", "x12"?}`; `x12` is the
/// repaired text when repairs applied. A 276 (ST01) is checked as a claim status request,
/// anything else as a 270.
pub fn validate(text: &str, opts: &Options) -> (String, bool) {
    let text = file_content(text);
    let o = if first_st01(text) == Some("276") {
        crate::claim_status::validate::check(text, opts)
    } else {
        validate::check(text, opts)
    };
    let valid = o.is_valid();
    let mut report = serde_json::Map::new();
    report.insert("valid".into(), valid.into());
    report.insert("repaired".into(), o.repaired().into());
    if !valid {
        report.insert("status".into(), "ERROR".into());
    }
    report.insert(
        "errors".into(),
        serde_json::to_value(&o.errors).unwrap_or_default(),
    );
    report.insert(
        "warnings".into(),
        serde_json::to_value(&o.warnings).unwrap_or_default(),
    );
    if o.repaired() {
        report.insert("x12".into(), o.text.as_ref().into());
    }
    (pretty(&report), valid)
}

/// A file's text without what an editor adds after the last segment (a final newline, trailing
/// spaces), which is no part of the interchange and so no repair. A terminator that is itself
/// a line break or space (ISA byte 106) is kept.
fn file_content(text: &str) -> &str {
    let trimmed = text.trim_end_matches([' ', '\t', '\r', '\n']);
    let start = text.len() - text.trim_start().len();
    let terminator = text.as_bytes().get(start + 105).copied();
    match terminator {
        Some(t @ (b' ' | b'\t' | b'\r' | b'\n'))
            if text.as_bytes().get(trimmed.len()) == Some(&t) =>
        {
            text.get(..=trimmed.len()).unwrap_or(text)
        }
        _ => trimmed,
    }
}

/// ST01 of the first transaction set, when the text reads as X12.
fn first_st01(text: &str) -> Option<&str> {
    let (reader, _) = crate::x12::open_tolerant(text).ok()?;
    reader
        .flatten()
        .find(|s| s.tag == "ST")
        .and_then(|s| s.element(1))
}

/// The `to-json` output: one object, or an array when the 271 answers several subscribers (the
/// 277 several patients). A 277 is mapped into the claim status model; anything else as a 271,
/// and an error (exit 1) when no transaction set is a 271, 999 or TA1 (a 270 is a request:
/// `validate`).
pub fn to_json(text: &str) -> (String, bool) {
    if first_st01(text) == Some("277") {
        return match map277::map_all(text, &map277::Context::default()) {
            Ok(all) => match all.as_slice() {
                [one] => (pretty(one), true),
                _ => (pretty(&all), true),
            },
            Err(e) => error_json(&e.to_string()),
        };
    }
    match map271::map_all(text, &map271::Context::default()) {
        Ok(all)
            if all.iter().all(|r| {
                r.warnings
                    .iter()
                    .any(|w| w.code == "response::271::unexpected_transaction")
            }) =>
        {
            error_json(
                "the file holds no 271 or 277 (its ST01 is not 271, 277, 999 or TA1); to check a 270, use `validate`",
            )
        }
        Ok(all) => match all.as_slice() {
            [one] => (pretty(one), true),
            _ => (pretty(&all), true),
        },
        Err(e) => error_json(&e.to_string()),
    }
}

fn to_270_command(config: Option<&std::path::Path>, file: &str) -> ExitCode {
    with_envelope(config, file, to_270)
}

fn to_276_command(config: Option<&std::path::Path>, file: &str) -> ExitCode {
    with_envelope(config, file, to_276)
}

/// Loads settings (exit 2 when they are broken) and runs `f` on the input with their envelope.
fn with_envelope(
    config: Option<&std::path::Path>,
    file: &str,
    f: fn(&str, &crate::json_request::Envelope) -> (String, bool),
) -> ExitCode {
    let settings = match Settings::load(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("eligibility-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let envelope = crate::http::json::envelope(&settings.x12);
    with_input(file, |text| f(text, &envelope))
}

/// The `to-270` output: the 270, or the problems as JSON (Stedi's `fieldList` shape, with JSON
/// Pointer paths, and Change's `errors`).
pub fn to_270(text: &str, envelope: &crate::eligibility::request::Envelope) -> (String, bool) {
    use crate::eligibility::request;
    match request::to_270(text.as_bytes(), envelope, &crate::x12::date::Stamp::now()) {
        Ok(x12) => (x12, true),
        Err(refusal) => refused(&refusal, "an eligibility request"),
    }
}

/// The `to-276` output: the 276 (under Change's rules), or the problems as `to-270` prints them.
pub fn to_276(text: &str, envelope: &crate::json_request::Envelope) -> (String, bool) {
    use crate::claim_status::request;
    match request::to_276(text.as_bytes(), envelope, &crate::x12::date::Stamp::now()) {
        Ok(x12) => (x12, true),
        Err(refusal) => refused(&refusal, "a claim status request"),
    }
}

/// Why a JSON request gives no X12, as JSON: `{"status": "ERROR", "errors": [{"field", "path",
/// "description"}]}` (Change's field names and Stedi's JSON Pointers), or `{"status", "message"}`
/// when the input is not a JSON object. `what` names the object expected.
fn refused(refusal: &crate::json_request::Refusal, what: &str) -> (String, bool) {
    use crate::json_request::Refusal;
    match refusal {
        Refusal::NotAnObject(e) if e.line == 0 => {
            error_json(&format!("the input must be a JSON object ({what})"))
        }
        Refusal::NotAnObject(e) => error_json(&format!(
            "the input is not valid JSON (line {}, column {})",
            e.line, e.column
        )),
        Refusal::Invalid(problems) => {
            let errors: Vec<serde_json::Value> = problems
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "field": p.path.dotted(),
                        "path": p.path.pointer(),
                        "description": p.description(),
                    })
                })
                .collect();
            (
                pretty(&serde_json::json!({ "status": "ERROR", "errors": errors })),
                false,
            )
        }
    }
}

fn hash(key: Option<String>, generate: bool) -> ExitCode {
    if generate {
        let key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        println!("key:  {key}\nhash: {}", hash_key(&key));
        return ExitCode::SUCCESS;
    }
    let key = if let Some(k) = key {
        k
    } else {
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line).is_err() {
            eprintln!("eligibility-gateway: cannot read the key from standard input");
            return ExitCode::from(2);
        }
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if key.is_empty() {
        eprintln!("eligibility-gateway: the key is empty");
        return ExitCode::from(2);
    }
    println!("{}", hash_key(&key));
    ExitCode::SUCCESS
}
