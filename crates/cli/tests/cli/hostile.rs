//! Issue 28's memory cap: no CSV, JSON Lines or Excel file of 2 MB or less makes
//! `throughline import` use more than 500 MB. Each file is built to cost the reader as much
//! memory as its size allows — one huge cell, a huge header, a huge JSON line, a JSON object of
//! a hundred thousand keys, nesting a million deep, a shared-string table of tiny strings
//! expanded to just under the compression-bomb limit, a workbook of 140,000 rows — and
//! imported by the binary in a process of its own, whose peak memory (Linux's high-water mark)
//! `THROUGHLINE_TIMINGS` prints when the import ends, whether the file was imported or refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{stderr, stdout};

const TWO_MB: usize = 2 * 1024 * 1024;
const CAP_MB: u64 = 500;

/// Imports `file` into a fresh SQLite workspace in `dir`; the process's peak memory in MB, and
/// its output.
fn import_peak(dir: &Path, file: &Path) -> (u64, bool, String) {
    let db = dir.join(format!(
        "{}.db",
        file.file_name().unwrap().to_string_lossy()
    ));
    let output = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .env_remove("THROUGHLINE_DATABASE_URL")
        .env("THROUGHLINE_TIMINGS", "1")
        .args(["--database-url", &format!("sqlite://{}", db.display())])
        .arg("import")
        .arg(file)
        .output()
        .expect("the throughline binary runs");
    let err = stderr(&output);
    let line = err
        .lines()
        .find(|l| l.starts_with("timing: import"))
        .unwrap_or_else(|| panic!("no timing line for {}:\n{err}", file.display()));
    let peak: u64 = line
        .split("peak")
        .nth(1)
        .and_then(|rest| rest.trim().trim_end_matches("MB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {line:?}"));
    let said = format!("{}{err}", stdout(&output));
    (peak, output.status.success(), said)
}

/// Writes `content` to `dir/name`, checking it is no more than 2 MB.
fn file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    assert!(content.len() <= TWO_MB, "{name} is {} bytes", content.len());
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook written part by part: its sheet's rows after a header row (comment, nps), the
/// shared strings written by `strings` into the compressed part, and `padding` bytes stored
/// uncompressed (a larger file is allowed larger shared strings).
fn workbook(
    dir: &Path,
    name: &str,
    rows: impl Fn(&mut dyn Write),
    strings: impl Fn(&mut dyn Write),
    padding: usize,
) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (part, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(part, deflated).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    zip.write_all(br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>comment</t></is></c><c r="B1" t="inlineStr"><is><t>nps</t></is></c></row>"#).unwrap();
    rows(&mut zip);
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
    strings(&mut zip);
    if padding > 0 {
        // Bytes that do not compress, stored as they are: the file's size without more to read.
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("docProps/padding.bin", stored).unwrap();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let bytes: Vec<u8> = (0..padding)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= TWO_MB as u64, "{name} is {size} bytes");
    path
}

#[test]
fn no_file_of_two_megabytes_makes_an_import_use_more_than_500_mb() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut files: Vec<(PathBuf, bool)> = Vec::new();

    // One cell of 2 MB: refused (a comment is at most 32,767 characters), read once.
    let mut one_cell = b"date,comment\n2024-01-01,\"".to_vec();
    one_cell.resize(TWO_MB - 2, b'a');
    one_cell.extend_from_slice(b"\"\n");
    files.push((file(dir, "one-cell.csv", &one_cell), false));

    // A header of 290,000 columns: refused (no column holds a comment).
    let mut wide = String::new();
    let mut column = 0;
    while wide.len() < TWO_MB - 64 {
        wide.push_str(&format!("c{column},"));
        column += 1;
    }
    wide.push_str("last\n1\n");
    files.push((file(dir, "wide.csv", wide.as_bytes()), false));

    // 2 MB of comments in distinct words: imported.
    let mut words = String::from("comment\n");
    let mut word = 0u64;
    while words.len() < TWO_MB - 512 {
        for _ in 0..30 {
            words.push_str(&format!("w{word}x "));
            word += 1;
        }
        words.push('\n');
    }
    files.push((file(dir, "many-words.csv", words.as_bytes()), true));

    // One JSON line holding a 2 MB comment: refused, like the cell.
    let mut line = br#"{"date":"2024-01-01","comment":""#.to_vec();
    line.resize(TWO_MB - 3, b'b');
    line.extend_from_slice(b"\"}\n");
    files.push((file(dir, "one-line.jsonl", &line), false));

    // One JSON object of 150,000 keys: imported (one record, the keys as metadata).
    let mut keys = String::from(r#"{"comment":"hello""#);
    let mut key = 0;
    while keys.len() < TWO_MB - 64 {
        keys.push_str(&format!(r#","k{key}":"v""#));
        key += 1;
    }
    keys.push_str("}\n");
    files.push((file(dir, "many-keys.jsonl", keys.as_bytes()), true));

    // Nesting a million deep: refused (no line is a JSON object).
    let depth = (TWO_MB - 64) / 2;
    let deep = format!(
        r#"{{"comment":"x","meta":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    files.push((file(dir, "deep.jsonl", deep.as_bytes()), false));

    // Shared strings of tiny strings, 110 MB of them (about 60 times the file's size; the
    // limit is 64): about seven million strings from a 1.9 MB file. Imported: the sheet's row
    // uses the first.
    let padding = 1_200_000;
    let expanded = 110 * 1024 * 1024;
    files.push((
        workbook(
            dir,
            "strings.xlsx",
            |zip| {
                zip.write_all(
                    br#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>3</v></c></row>"#,
                )
                .unwrap();
            },
            |zip| {
                zip.write_all(
                    br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
                )
                .unwrap();
                let chunk = "<si><t>a</t></si>".repeat(10_000);
                let mut written = 0;
                while written < expanded {
                    zip.write_all(chunk.as_bytes()).unwrap();
                    written += chunk.len();
                }
                zip.write_all(b"</sst>").unwrap();
            },
            padding,
        ),
        true,
    ));

    // 140,000 rows of a sheet, 1.9 MB compressed (about 16 MB of XML): imported.
    files.push((
        workbook(
            dir,
            "tall.xlsx",
            |zip| {
                for r in 2..140_002u64 {
                    write!(
                        zip,
                        r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Parcel {} was late</t></is></c><c r="B{r}"><v>{}</v></c></row>"#,
                        r * 7919 % 1_000_003,
                        r % 11
                    )
                    .unwrap();
                }
            },
            |zip| {
                zip.write_all(br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#)
                    .unwrap();
            },
            0,
        ),
        true,
    ));

    let mut peaks = Vec::new();
    for (path, imported) in &files {
        let (peak, success, said) = import_peak(dir, path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            success, *imported,
            "{name}: imported {success}, expected {imported}:\n{said}"
        );
        if *imported {
            assert!(
                !said.contains(" 0 imported"),
                "{name} was read through:\n{said}"
            );
        }
        assert!(
            peak < CAP_MB,
            "{name} made the import use {peak} MB (cap {CAP_MB} MB):\n{said}"
        );
        peaks.push(format!("{name} {peak} MB"));
    }
    println!("peak memory per file: {}", peaks.join(", "));
}
