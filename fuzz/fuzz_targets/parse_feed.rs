#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // parse::entries catches panics inside feed-rs; see the harness.
    harness::report_caught_panics();
    harness::parse_feed(data)
});
