//! Glue: the command line lives in the library (`cli`), so it is tested like everything else.

fn main() -> std::process::ExitCode {
    eligibility_gateway::cli::main()
}
