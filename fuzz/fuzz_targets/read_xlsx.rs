//! The xlsx reader, as an import reads a file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    throughline_fuzz::read_as(data, throughline_ingest::formats::Format::Xlsx, "xlsx");
});
