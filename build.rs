fn main() {
    // `desk init` embeds src/defaults/ and examples/shop/ (include_dir); a file added
    // there must rebuild the binary, which include_dir alone does not notice.
    println!("cargo:rerun-if-changed=src/defaults");
    println!("cargo:rerun-if-changed=examples/shop");
    // Linked at a fixed address on Linux: a position-independent desk has 64,000
    // relocations that the loader applies at every start, writing 430 pages; cron
    // starts `desk tick` every minute and `desk new` is run per message. This takes
    // `desk --version` from 2.6 ms to 1.8 ms. The libraries, heap and stack are still
    // placed at random.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=desk=-no-pie");
    }
}
