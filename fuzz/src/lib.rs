//! What the import fuzz targets share: the fuzzer's bytes written to a file of this process
//! (the readers read files, as an import does) and read through the whole reading pipeline —
//! format, mapping, dates, conversion, redaction — as `throughline import` reads them. Any
//! answer is fine, a refusal included; a panic, a hang or running out of memory is a finding.

use std::path::PathBuf;

use throughline_ingest::formats::Format;

/// Reads `data` as a file of `format` through the import's reading pipeline.
pub fn read_as(data: &[u8], format: Format, extension: &str) {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "throughline-fuzz-{}.{extension}",
        std::process::id()
    ));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = throughline_ingest::pipeline::read_file(
        &path,
        Some(format),
        None,
        Vec::new(),
        None,
        None,
        |_, record| record.texts.joined().len(),
    );
}
