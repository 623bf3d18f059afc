fn main() -> std::process::ExitCode {
    desk::cli::run()
}
