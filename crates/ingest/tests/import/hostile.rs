//! Hostile input (issue 28): workbooks built to exhaust memory are refused with what was wrong;
//! a NUL character refuses its row by line and column on both backends, the rest is stored; a
//! rejects file writes formulas as text, and they come back as they were when it is imported.

use std::io::Write;
use std::path::{Path, PathBuf};

use throughline_ingest::pipeline::import_file;
use throughline_store::testing::TestDatabase;

use crate::{all_records, import, request, write};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook written part by part, as an attacker would: a header row (comment, nps), one good
/// row, then `extra_rows` inside the sheet, and `shared_strings` as the string table.
fn workbook(dir: &Path, name: &str, extra_rows: &str, shared_strings: &str) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let sheet = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>comment</t></is></c><c r="B1" t="inlineStr"><is><t>nps</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Delivery was late</t></is></c><c r="B2"><v>3</v></c></row>{extra_rows}</sheetData></worksheet>"#
    );
    for (part, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet.as_str()),
        ("xl/sharedStrings.xml", shared_strings),
    ] {
        zip.start_file(part, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

const NO_STRINGS: &str = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;

/// Files, not storage: on SQLite only.
#[tokio::test]
async fn hostile_workbooks_are_refused_before_they_exhaust_memory() {
    let db = TestDatabase::sqlite().await;
    let store = db.store().await;
    let dir = db.dir.path();

    // The hand-built workbook itself is readable: the refusals below are for what was added.
    let fine = workbook(dir, "fine.xlsx", "", NO_STRINGS);
    let report = import(&store, request(&fine)).await;
    assert_eq!(report.import.totals.imported, 1);

    let refused = |path: PathBuf| {
        let store = store.clone();
        async move {
            let size = std::fs::metadata(&path).unwrap().len();
            assert!(size < 2 * 1024 * 1024, "{} is {size} bytes", path.display());
            import_file(&store, request(&path), |_| {})
                .await
                .expect_err("a hostile workbook is refused")
                .to_string()
        }
    };

    // A cell at column ZZZZZZ (321 million columns in): the reader grew the row to reach it
    // (7.7 GB, then an abort).
    let far = workbook(
        dir,
        "far.xlsx",
        r#"<row r="3"><c r="ZZZZZZ3" t="inlineStr"><is><t>x</t></is></c></row>"#,
        NO_STRINGS,
    );
    let error = refused(far).await;
    assert!(error.contains("beyond Excel's last"), "{error}");
    assert!(error.contains("far.xlsx"), "{error}");

    // One inline cell of 5 MB (a few kilobytes compressed); a cell holds 32,767 characters.
    let huge_cell = format!(
        r#"<row r="3"><c r="A3" t="inlineStr"><is><t>{}</t></is></c></row>"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let error = refused(workbook(dir, "cell.xlsx", &huge_cell, NO_STRINGS)).await;
    assert!(error.contains("holds a value of more than 4 MB"), "{error}");

    // Shared strings that expand from about a hundred kilobytes to 70 MB, read whole by the
    // spreadsheet reader.
    let mut bomb = String::from(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="70000" uniqueCount="70000">"#,
    );
    let string = format!("<si><t>{}</t></si>", "b".repeat(1000));
    for _ in 0..70_000 {
        bomb.push_str(&string);
    }
    bomb.push_str("</sst>");
    let error = refused(workbook(dir, "bomb.xlsx", "", &bomb)).await;
    assert!(error.contains("refused as a compression bomb"), "{error}");

    // A string table that declares a trillion strings (the reader reserved room for them).
    let declared = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000000"><si><t>x</t></si></sst>"#;
    let error = refused(workbook(dir, "count.xlsx", "", declared)).await;
    assert!(error.contains("declare 1000000000000 strings"), "{error}");

    // Nothing of the refused workbooks was stored.
    assert_eq!(all_records(&store).await.len(), 1);
}

pub(crate) async fn a_nul_refuses_its_row_and_formulas_stay_text(db: &TestDatabase) {
    let store = db.store().await;
    let formula = "=cmd|' /C calc'!A0";
    let path = write(
        db.dir.path(),
        "hostile.csv",
        format!(
            "id,date,nps,comment\n\
             a,2026-02-01,9,Fine\n\
             b,2026-02-02,3,Late\0 again\n\
             c,2026-02-03,11,\"{formula}\"\n\
             d,2026-02-04,2,Still waiting\n"
        ),
    );
    let first = import(&store, request(&path)).await;
    assert_eq!(
        (first.import.totals.imported, first.import.totals.rejected),
        (2, 2),
        "the rows around the NUL are stored, on PostgreSQL too"
    );
    let rejects = db.dir.path().join("hostile.rejects.csv");
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        written.contains("line 3, column comment: holds a NUL character"),
        "{written}"
    );
    // Opened in a spreadsheet, the formula is text: the cell starts with an apostrophe.
    assert!(written.contains(&format!(",'{formula},")), "{written}");
    assert!(!written.contains(&format!(",{formula},")), "{written}");

    // Fixed and imported again, the comment is what the customer wrote.
    let fixed = written
        .lines()
        .filter(|l| !l.starts_with("b,"))
        .map(|l| l.replace(",11,", ",1,"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&rejects, fixed).unwrap();
    let second = import(&store, request(&rejects)).await;
    assert_eq!(second.import.totals.imported, 1);
    let records = all_records(&store).await;
    let comments: Vec<String> = records
        .iter()
        .filter_map(|r| r.texts.comment.clone())
        .collect();
    assert!(comments.iter().any(|c| c == formula), "{comments:?}");
}

/// A small deterministic generator (xorshift) for the mutations below.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `seed` with a few bytes flipped, inserted (quotes, separators, line ends, NUL, bytes
    /// that are not UTF-8), duplicated or cut off.
    fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        const NASTY: &[u8] = b"\",;\t\r\n\0\xff\xfe{}[]:\\=+-@";
        let mut bytes = seed.to_vec();
        for _ in 0..1 + self.below(8) {
            let at = self.below(bytes.len() + 1);
            match self.below(5) {
                0 if !bytes.is_empty() => {
                    let at = at.min(bytes.len() - 1);
                    bytes[at] ^= 1 << self.below(8);
                }
                1 => bytes.insert(at, NASTY[self.below(NASTY.len())]),
                2 if !bytes.is_empty() => {
                    let end = (at + self.below(64)).min(bytes.len());
                    let piece = bytes[at.min(end)..end].to_vec();
                    bytes.splice(at..at, piece);
                }
                3 => bytes.truncate(at),
                _ => {
                    let end = (at + self.below(16)).min(bytes.len());
                    bytes.drain(at.min(end)..end);
                }
            }
        }
        bytes
    }
}

/// Fuzz seeds run as a test (issue 28, 7): the sample files, a JSON Lines file and a workbook,
/// each mutated 400 ways, are read and checked as an import reads them. Every one
/// either reads (with its bad rows rejected by line) or is refused with an error; none panics.
#[test]
fn mutated_files_are_read_or_refused_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/imports");
    let mut seeds: Vec<(&str, Vec<u8>)> = [
        "messy-survey.csv",
        "qualtrics-survey.csv",
        "zendesk-tickets.csv",
    ]
    .iter()
    .map(|name| ("csv", std::fs::read(examples.join(name)).unwrap()))
    .collect();
    seeds.push((
        "jsonl",
        b"{\"id\":\"a\",\"date\":\"2026-02-01\",\"nps\":10,\"comment\":\"Lovely sofa\"}\n\
          {\"id\":\"b\",\"date\":\"8th November 2023\",\"nps\":2,\"comment\":\"Charged twice\"}\n"
            .to_vec(),
    ));
    let workbook_path = workbook(
        dir.path(),
        "seed.xlsx",
        r#"<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3"><v>7</v></c></row>"#,
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Fine</t></si></sst>"#,
    );
    seeds.push(("xlsx", std::fs::read(&workbook_path).unwrap()));

    let mut mutator = Mutator(0x9e37_79b9_7f4a_7c15);
    let (mut read, mut refused) = (0, 0);
    for (ext, seed) in &seeds {
        for n in 0..400 {
            let bytes = mutator.mutate(seed);
            let path = dir.path().join(format!("mutant-{n}.{ext}"));
            std::fs::write(&path, &bytes).unwrap();
            let outcome = std::panic::catch_unwind(|| {
                throughline_ingest::pipeline::read_file(
                    &path,
                    None,
                    None,
                    Vec::new(),
                    None,
                    None,
                    |_, record| record.texts.joined().len(),
                )
            });
            match outcome {
                Ok(Ok(_)) => read += 1,
                Ok(Err(_)) => refused += 1,
                Err(_) => panic!(
                    "reading a mutated {ext} file panicked; the file is kept at {}",
                    {
                        let kept = std::env::temp_dir().join(format!("throughline-crash.{ext}"));
                        std::fs::write(&kept, &bytes).unwrap();
                        kept.display().to_string()
                    }
                ),
            }
        }
    }
    assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
}
