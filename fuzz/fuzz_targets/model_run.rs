#![no_main]
//! Fuzzes `spikejit::fuzz::model_run` (see src/fuzz.rs): model files built and
//! run for a few steps under a 4 GiB address-space limit; it must never panic
//! or abort (an allocation the model sizes must be checked before it is made).
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        assert!(spikejit::fuzz::limit_address_space(spikejit::fuzz::MODEL_RUN_ADDRESS_SPACE));
    },
    |data: &[u8]| spikejit::fuzz::model_run(data)
);
