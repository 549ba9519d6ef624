//! Log setup (JSON lines by default) and `Redacted<T>` for values that may hold PHI or secrets.
//! Uses nothing else in the crate.

use std::fmt;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// A value that must never reach a log line: `Debug` and `Display` print `<redacted>`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redacted<T>(pub T);

impl<T> Redacted<T> {
    /// The value itself, for the code that needs it (never for formatting).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Installs the global subscriber writing to stdout. `RUST_LOG` overrides `level`.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = install(filter, json, std::io::stdout);
}

/// Installs a subscriber writing to `writer`; `Err` when one is already installed.
pub fn install<W>(
    filter: EnvFilter,
    json: bool,
    writer: W,
) -> Result<(), tracing_subscriber::util::TryInitError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::util::SubscriberInitExt;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish()
            .try_init()
    } else {
        builder.finish().try_init()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_never_formats_its_value() {
        let r = Redacted("11122333301".to_owned());
        assert_eq!(format!("{r} {r:?}"), "<redacted> <redacted>");
        assert_eq!(r.expose(), "11122333301");
    }
}
