//! A messy survey export read end to end: the good rows convert, the bad ones land in the
//! rejects file with their reasons, and CSV and JSON Lines give the same records.

use std::path::Path;

use throughline_domain::feedback::NewFeedback;
use throughline_domain::{Name, Timestamp};
use throughline_ingest::rejects::{RejectsWriter, default_path};
use throughline_ingest::{Converter, Format, Mapping, Placement, Reader};

fn import(path: &Path, format: Format) -> (Vec<NewFeedback>, Option<std::path::PathBuf>, u64) {
    let reader = Reader::open(path, format).unwrap();
    let columns = reader.columns().to_vec();
    let converter = Converter {
        mapping: Mapping::resolve(&columns, &[]).unwrap(),
        source: Name::parse("survey").unwrap(),
        placement: Placement::default(),
        now: Timestamp::from_millis(0),
    };
    let mut rejects = RejectsWriter::new(default_path(path, format), format, &columns);
    let mut good = Vec::new();
    let mut read = 0;
    for row in reader {
        let row = row.unwrap();
        read += 1;
        match converter.convert(&row) {
            Ok(record) => good.push(record),
            Err(rejection) => rejects.write(&row, &rejection).unwrap(),
        }
    }
    (good, rejects.finish().unwrap(), read)
}

#[test]
fn good_rows_load_and_bad_rows_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    std::fs::write(
        &path,
        "\u{feff}Response ID;Date;NPS;Comment;Region\r\n\
         r1;2026-01-05;9;\"Quick delivery;\r\nfriendly driver\";North\r\n\
         r2;2026-01-06;11;Too many calls;South\r\n\
         r3;not a date;3;Still waiting for my refund;North\r\n\
         r4;2026-01-07;;;West\r\n\
         r5;2026-01-08;6\r\n\
         r6;2026-01-09;0;Third time I call about the same invoice;East\r\n",
    )
    .unwrap();
    let (good, rejects_path, read) = import(&path, Format::Csv);
    assert_eq!(read, 6);
    let ids: Vec<_> = good
        .iter()
        .map(|r| r.external_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["r1", "r6"]);

    let rejects_path = rejects_path.expect("a rejects file");
    assert_eq!(rejects_path, dir.path().join("messy.rejects.csv"));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&rejects_path)
        .unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("reason"));
    let reasons: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().iter().next_back().unwrap().to_owned())
        .collect();
    assert_eq!(reasons.len(), 4);
    assert!(
        reasons[0].contains("line 4, column NPS: NPS must be between 0 and 10, got 11"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("line 5, column Date: unrecognised date"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("line 6: the row has no comment and no score"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].contains("line 7: expected 5 fields, found 3"),
        "{reasons:?}"
    );
}

#[test]
fn json_lines_give_the_same_records_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("same.csv");
    std::fs::write(
        &csv_path,
        "id,date,nps,comment,region\na,2026-02-01,10,Lovely sofa,North\nb,2026-02-02,2,\"Charged twice, no refund\",South\n",
    )
    .unwrap();
    let jsonl_path = dir.path().join("same.jsonl");
    std::fs::write(
        &jsonl_path,
        "{\"id\":\"a\",\"date\":\"2026-02-01\",\"nps\":10,\"comment\":\"Lovely sofa\",\"region\":\"North\"}\n\
         {\"id\":\"b\",\"date\":\"2026-02-02\",\"nps\":2,\"comment\":\"Charged twice, no refund\",\"region\":\"South\"}\n",
    )
    .unwrap();
    let (from_csv, csv_rejects, _) = import(&csv_path, Format::Csv);
    let (from_jsonl, jsonl_rejects, _) = import(&jsonl_path, Format::Jsonl);
    assert_eq!(from_csv.len(), 2);
    assert_eq!(from_csv, from_jsonl);
    assert!(csv_rejects.is_none() && jsonl_rejects.is_none());
}
