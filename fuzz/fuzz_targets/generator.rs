#![no_main]
//! Fuzzes `spikejit::fuzz::generator` (see src/fuzz.rs): it must never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spikejit::fuzz::generator(data));
