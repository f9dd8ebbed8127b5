//! The `tok` binary: everything happens in the library (`tok::main`, src/app.rs), so that the
//! compiler sees the whole program in one crate and reports what nothing uses.

fn main() -> std::process::ExitCode {
    tok::main()
}
