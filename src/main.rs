// Why mimalloc, and how it is set: `desk::memory`.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    desk::cli::run()
}
