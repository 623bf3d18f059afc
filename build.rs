// `desk init` embeds src/defaults/ and examples/shop/ (include_dir); a file added there
// must rebuild the binary, which include_dir alone does not notice.
fn main() {
    println!("cargo:rerun-if-changed=src/defaults");
    println!("cargo:rerun-if-changed=examples/shop");
}
