// Why mimalloc, and how it is set: `desk::memory`.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    desk::cli::exit(desk::cli::run())
}
