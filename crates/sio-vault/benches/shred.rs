//! Placeholder, replaced by the shredding benchmark.
fn main() {}
