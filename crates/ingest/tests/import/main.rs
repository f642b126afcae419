//! Imports end to end, file to store, on SQLite and PostgreSQL (see `backend_tests!`): a messy
//! CSV, the same data as CSV, JSON Lines and Excel, the two presets with their sample files,
//! a file that breaks half-way, and placement against the organisation.

mod hostile;

use std::path::{Path, PathBuf};

use throughline_domain::feedback::NewFeedback;
use throughline_domain::{Name, org};
use throughline_ingest::pipeline::{ImportError, ImportReport, ImportRequest, import_file};
use throughline_ingest::presets::Preset;
use throughline_ingest::{Field, Format, MappingError, ReadError};
use throughline_store::testing::TestDatabase;
use throughline_store::{Store, backend_tests};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn import(store: &Store, request: ImportRequest) -> ImportReport {
    import_file(store, request, |_| {}).await.unwrap()
}

fn request(path: &Path) -> ImportRequest {
    ImportRequest {
        path: path.to_owned(),
        ..ImportRequest::default()
    }
}

async fn all_records(store: &Store) -> Vec<NewFeedback> {
    store
        .feedback_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|stored| stored.record)
        .collect()
}

async fn a_messy_csv_loads_its_good_rows_and_a_reimport_adds_nothing(db: &TestDatabase) {
    let store = db.store().await;
    // A BOM, `;` delimiters, Windows line endings, a quoted newline and four bad rows.
    let sample = std::fs::read(Path::new(EXAMPLES).join("imports/messy-survey.csv")).unwrap();
    let path = write(db.dir.path(), "messy.csv", sample);

    let first = import(&store, request(&path)).await;
    let totals = &first.import.totals;
    assert_eq!(
        (
            totals.rows_read,
            totals.imported,
            totals.duplicates,
            totals.rejected
        ),
        (7, 3, 0, 4)
    );
    assert_eq!(
        first.import.source, "messy",
        "the source defaults to the file's name"
    );
    assert_eq!(
        first.mapping.to_string(),
        "id=Response ID comment=Comment nps=NPS received_at=Date"
    );
    let records = all_records(&store).await;
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0].texts.comment.as_deref(),
        Some("Quick delivery;\r\nfriendly driver")
    );
    assert_eq!(records[0].metadata.get("Region").unwrap(), "North");

    let rejects = dir_file(
        totals.rejects_path.as_deref(),
        db.dir.path().join("messy.rejects.csv"),
    );
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&rejects)
        .unwrap();
    assert_eq!(reader.headers().unwrap().iter().next_back(), Some("reason"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let reasons: Vec<&str> = rows.iter().map(|r| r.iter().next_back().unwrap()).collect();
    assert_eq!(reasons.len(), 4);
    assert_eq!(&rows[0][0], "r2", "the original row is kept");
    let expected = [
        "line 4, column NPS: NPS must be between 0 and 10, got 11",
        "line 5, column Date: unrecognised date",
        "line 6: the row has no comment and no score",
        "line 7: expected 5 fields, found 3",
    ];
    for (reason, expected) in reasons.iter().zip(expected) {
        assert!(
            reason.contains(expected),
            "{reason:?} should say {expected:?}"
        );
    }
    assert_eq!(first.first_rejections.len(), 4);
    assert_eq!(first.first_rejections[0].column.as_deref(), Some("NPS"));

    let second = import(&store, request(&path)).await;
    let totals = &second.import.totals;
    assert_eq!(
        (
            totals.rows_read,
            totals.imported,
            totals.duplicates,
            totals.rejected
        ),
        (7, 0, 3, 4),
        "the row without an id is recognised by its content"
    );
    assert_eq!(store.feedback_count().await.unwrap(), 3);
    assert_eq!(store.imports().await.unwrap().len(), 2);
}

fn dir_file(reported: Option<&str>, expected: PathBuf) -> PathBuf {
    assert_eq!(reported, Some(expected.to_str().unwrap()));
    expected
}

/// The same four responses; one has no id and no date, so it is keyed by its content.
const SAME_CSV: &str = "id,date,nps,csat,comment,region\n\
    a,2026-02-01,10,5,Lovely sofa,North\n\
    b,2026-02-02 14:30:00,2,1,\"Charged twice, no refund\",South\n\
    c,2026-02-03,7,,\"Fine, \"\"eventually\"\"\",\n\
    ,,4,2,Nobody called back,East\n";

const SAME_JSONL: &str = "{\"id\":\"a\",\"date\":\"2026-02-01\",\"nps\":10,\"csat\":5,\"comment\":\"Lovely sofa\",\"region\":\"North\"}\n\
    {\"id\":\"b\",\"date\":\"2026-02-02 14:30:00\",\"nps\":2,\"csat\":1,\"comment\":\"Charged twice, no refund\",\"region\":\"South\"}\n\
    \n\
    {\"id\":\"c\",\"date\":\"2026-02-03\",\"nps\":7,\"csat\":null,\"comment\":\"Fine, \\\"eventually\\\"\",\"region\":\"\"}\n\
    {\"id\":null,\"date\":null,\"nps\":4,\"csat\":2,\"comment\":\"Nobody called back\",\"region\":\"East\"}\n";

/// The same data as a workbook written the way a spreadsheet holds it: numbers as numbers,
/// dates as date cells, blanks as empty cells.
fn same_xlsx(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let datetime = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (col, header) in ["id", "date", "nps", "csat", "comment", "region"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    // id, date, nps, csat, comment, region
    type Row<'a> = (&'a str, Option<&'a str>, f64, Option<f64>, &'a str, &'a str);
    let rows: [Row; 4] = [
        (
            "a",
            Some("2026-02-01"),
            10.0,
            Some(5.0),
            "Lovely sofa",
            "North",
        ),
        (
            "b",
            Some("2026-02-02 14:30:00"),
            2.0,
            Some(1.0),
            "Charged twice, no refund",
            "South",
        ),
        (
            "c",
            Some("2026-02-03"),
            7.0,
            None,
            "Fine, \"eventually\"",
            "",
        ),
        ("", None, 4.0, Some(2.0), "Nobody called back", "East"),
    ];
    for (i, (id, when, nps, csat, comment, region)) in rows.into_iter().enumerate() {
        let row = i as u32 + 1;
        if !id.is_empty() {
            sheet.write_string(row, 0, id).unwrap();
        }
        if let Some(when) = when {
            let value = ExcelDateTime::parse_from_str(when).unwrap();
            let format = if when.len() > 10 { &datetime } else { &date };
            sheet
                .write_datetime_with_format(row, 1, &value, format)
                .unwrap();
        }
        sheet.write_number(row, 2, nps).unwrap();
        if let Some(csat) = csat {
            sheet.write_number(row, 3, csat).unwrap();
        }
        sheet.write_string(row, 4, comment).unwrap();
        if !region.is_empty() {
            sheet.write_string(row, 5, region).unwrap();
        }
    }
    workbook.save(path).unwrap();
}

async fn excel_and_json_lines_import_exactly_like_csv(db: &TestDatabase) {
    let store = db.store().await;
    let dir = db.dir.path();
    let csv = write(dir, "same.csv", SAME_CSV);
    let jsonl = write(dir, "same.jsonl", SAME_JSONL);
    let xlsx = dir.join("same.xlsx");
    same_xlsx(&xlsx);

    let from_csv = import(&store, request(&csv)).await;
    assert_eq!(from_csv.import.totals.imported, 4);
    assert_eq!(from_csv.import.format, "csv");
    let stored = all_records(&store).await;

    // The same source: every record of the other formats is recognised as already stored,
    // which means each one hashes and keys exactly like its CSV twin.
    for (path, format) in [(&jsonl, "jsonl"), (&xlsx, "xlsx")] {
        let report = import(&store, request(path)).await;
        let t = &report.import.totals;
        assert_eq!(report.import.format, format);
        assert_eq!(report.import.source, "same");
        assert_eq!(
            (t.rows_read, t.imported, t.duplicates, t.rejected),
            (4, 0, 4, 0),
            "{format}"
        );
        assert_eq!(report.mapping, from_csv.mapping, "{format}");
    }

    // And under sources of their own, the records themselves are identical.
    for (path, source) in [(&jsonl, "as-jsonl"), (&xlsx, "as-xlsx")] {
        let report = import(
            &store,
            ImportRequest {
                source: Some(Name::parse(source).unwrap()),
                ..request(path)
            },
        )
        .await;
        assert_eq!(report.import.totals.imported, 4, "{source}");
    }
    let everything = all_records(&store).await;
    let fixed_time = |records: Vec<NewFeedback>| {
        records
            .into_iter()
            .map(|mut r| {
                r.source = Name::parse("same").unwrap();
                if r.external_id.is_none() {
                    // Stamped with its own import's start time.
                    r.received_at = stored[3].received_at;
                }
                r
            })
            .collect::<Vec<_>>()
    };
    let as_jsonl = fixed_time(everything[4..8].to_vec());
    let as_xlsx = fixed_time(everything[8..12].to_vec());
    assert_eq!(as_jsonl, stored);
    assert_eq!(as_xlsx, stored);
    assert_eq!(
        stored[2].texts.comment.as_deref(),
        Some("Fine, \"eventually\"")
    );
    assert_eq!(stored[1].received_at.as_millis(), 1_770_042_600_000);
}

async fn the_presets_read_qualtrics_and_zendesk_exports(db: &TestDatabase) {
    let store = db.store().await;
    let qualtrics = Path::new(EXAMPLES).join("imports/qualtrics-survey.csv");

    let without = import_file(&store, request(&qualtrics), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            without,
            ImportError::Mapping(MappingError::NothingToImport(_))
        ),
        "{without}"
    );

    let report = import(
        &store,
        ImportRequest {
            preset: Some(Preset::Qualtrics),
            rejects: Some(db.dir.path().join("q.rejects.csv")),
            ..request(&qualtrics)
        },
    )
    .await;
    let t = &report.import.totals;
    assert_eq!(
        (t.rows_read, t.imported, t.rejected),
        (6, 6, 0),
        "{report:?}"
    );
    let mapped = |field| report.mapping.column(field);
    assert_eq!(mapped(Field::Id), Some("ResponseId"));
    assert_eq!(mapped(Field::ReceivedAt), Some("RecordedDate"));
    assert_eq!(mapped(Field::Customer), Some("ExternalReference"));
    assert_eq!(mapped(Field::Channel), Some("DistributionChannel"));
    assert_eq!(mapped(Field::Nps), Some("Q1"));
    assert_eq!(mapped(Field::Csat), Some("Q2"));
    assert_eq!(mapped(Field::Comment), Some("Q3"));
    assert_eq!(mapped(Field::Hindering), Some("Q4"));
    let records = all_records(&store).await;
    let first = &records[0];
    assert_eq!(first.external_id.as_deref(), Some("R_1a2B3c4D5e6F7g8"));
    assert_eq!(first.scores.nps.unwrap().value(), 2);
    assert_eq!(first.scores.csat.unwrap().value(), 1);
    assert_eq!(first.customer.as_deref(), Some("C-10231"));
    assert!(
        first
            .texts
            .comment
            .as_deref()
            .unwrap()
            .starts_with("The sofa arrived")
    );
    assert_eq!(
        first.texts.hindering.as_deref(),
        Some("Tell people when the delivery date moves!")
    );
    assert_eq!(
        first.metadata.get("Q1_NPS_GROUP").map(String::as_str),
        Some("1")
    );

    let zendesk = Path::new(EXAMPLES).join("imports/zendesk-tickets.csv");
    let report = import(
        &store,
        ImportRequest {
            preset: Some(Preset::Zendesk),
            // A user's own choice wins over the preset's.
            overrides: vec![(Field::Helpful, "Satisfaction Comment".to_owned())],
            rejects: Some(db.dir.path().join("z.rejects.csv")),
            ..request(&zendesk)
        },
    )
    .await;
    let t = &report.import.totals;
    assert_eq!(
        (t.rows_read, t.imported, t.rejected),
        (5, 5, 0),
        "{report:?}"
    );
    assert_eq!(report.mapping.column(Field::Comment), Some("Description"));
    assert_eq!(report.mapping.column(Field::Customer), Some("Requester id"));
    let tickets: Vec<NewFeedback> = all_records(&store).await.split_off(6);
    let csat: Vec<Option<u8>> = tickets
        .iter()
        .map(|t| t.scores.csat.map(|c| c.value()))
        .collect();
    assert_eq!(
        csat,
        [Some(1), Some(5), Some(5), None, None],
        "Good/Bad/Offered"
    );
    assert_eq!(tickets[0].channel.as_deref(), Some("Email"));
    assert_eq!(tickets[0].received_at.as_millis(), 1_772_439_243_000);
    assert_eq!(
        tickets[1].texts.helpful.as_deref(),
        Some("Refund came the same day - thank you")
    );
    assert_eq!(
        tickets[0].metadata.get("Subject").unwrap(),
        "Where is my order?"
    );
}

async fn a_file_that_breaks_half_way_stores_nothing(db: &TestDatabase) {
    let store = db.store().await;
    let mut bytes = b"id,comment,nps\n".to_vec();
    for i in 0..2500 {
        bytes.extend(format!("t{i},fine,{}\n", i % 11).as_bytes());
    }
    bytes.extend(b"t-bad,caf\xe9 au lait,5\n");
    bytes.extend(b"t-after,x,11\n");
    let path = write(db.dir.path(), "latin1.csv", &bytes);

    let err = import_file(&store, request(&path), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Read(ReadError::NotUtf8 { line: 2502, .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("save the file as UTF-8"), "{err}");
    assert_eq!(
        store.feedback_count().await.unwrap(),
        0,
        "the first batches were rolled back"
    );
    assert!(store.imports().await.unwrap().is_empty());
    assert!(!db.dir.path().join("latin1.rejects.csv").exists());
}

async fn stages_and_touchpoints_are_checked_against_the_organisation(db: &TestDatabase) {
    let store = db.store().await;
    let example = std::fs::read_to_string(Path::new(EXAMPLES).join("org.toml")).unwrap();
    let organisation = org::parse(&example).unwrap().organisation;
    store
        .apply_organisation(&organisation, false)
        .await
        .unwrap();
    let path = write(
        db.dir.path(),
        "placed.csv",
        "comment,stage,touchpoint\n\
         Late again,,delivery-day\n\
         Invoice wrong,Pay,\n\
         Hmm,Shipping,\n",
    );
    let report = import(&store, request(&path)).await;
    assert_eq!(report.import.totals.imported, 2);
    assert_eq!(report.import.totals.rejected, 1);
    assert!(
        report.first_rejections[0]
            .reason
            .contains("unknown stage \"Shipping\"")
    );
    let records = all_records(&store).await;
    assert_eq!(records[0].stage.as_ref().unwrap().as_str(), "receive");
    assert_eq!(records[1].stage.as_ref().unwrap().as_str(), "pay");
    assert_eq!(Format::from_path(&path), Some(Format::Csv));
}

async fn personal_data_is_redacted_before_it_is_stored(db: &TestDatabase) {
    let store = db.store().await;
    let path = write(
        db.dir.path(),
        "pii.csv",
        "id,comment,hindering,Email,nps\n\
         p1,Call me on +44 20 7946 0958 or mail jo@example.com,card 4111 1111 1111 1111 charged twice,jo@example.com,2\n\
         p2,Delivered 2026-03-04 - paid $1299 for 2 chairs,,,9\n",
    );
    let report = import(&store, request(&path)).await;
    assert_eq!(report.import.totals.imported, 2);
    let records = all_records(&store).await;
    assert_eq!(
        records[0].texts.comment.as_deref(),
        Some("Call me on [phone] or mail [email]")
    );
    assert_eq!(
        records[0].texts.hindering.as_deref(),
        Some("card [card] charged twice")
    );
    assert_eq!(
        records[0].metadata.get("Email").map(String::as_str),
        Some("[email]")
    );
    assert_eq!(
        records[1].texts.comment.as_deref(),
        Some("Delivered 2026-03-04 - paid $1299 for 2 chairs"),
        "dates, prices and quantities are not personal data"
    );
    let again = import(&store, request(&path)).await;
    assert_eq!(again.import.totals.duplicates, 2);
}

/// Midnight UTC of a day, in epoch milliseconds.
fn day(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

async fn dates_written_as_people_write_them_import(db: &TestDatabase) {
    let store = db.store().await;
    let path = write(
        db.dir.path(),
        "reviews.csv",
        "id,date,rating,comment\n\
         r1,8th November 2023,2,Seat was broken\n\
         r2,\"May 30, 2011\",5,Lovely crew\n\
         r3,\"Nov 8, 2023\",3,Food was cold\n\
         r4,08-Nov-2023,4,On time\n\
         r5,\"Nov 8, 2023 10:15\",1,Lost my bag\n",
    );
    let report = import(&store, request(&path)).await;
    assert_eq!(
        report.import.totals.imported, 5,
        "{:?}",
        report.first_rejections
    );
    assert_eq!(report.import.totals.rejected, 0);
    let mut dates: Vec<(String, i64)> = all_records(&store)
        .await
        .into_iter()
        .map(|r| (r.external_id.unwrap(), r.received_at.as_millis()))
        .collect();
    dates.sort();
    let nov8 = day(2023, 11, 8);
    assert_eq!(
        dates,
        [
            ("r1".to_owned(), nov8),
            ("r2".to_owned(), day(2011, 5, 30)),
            ("r3".to_owned(), nov8),
            ("r4".to_owned(), nov8),
            ("r5".to_owned(), nov8 + 10 * 3_600_000 + 15 * 60_000),
        ]
    );
}

async fn numeric_dates_are_read_when_the_column_settles_the_order(db: &TestDatabase) {
    let store = db.store().await;
    // 03/04/2026 alone could be March or April: refused, with the hint.
    let alone = write(
        db.dir.path(),
        "alone.csv",
        "id,date,nps,comment\n\
         a,2026-04-01,9,Fine\n\
         b,2026-04-02,8,Good\n\
         c,03/04/2026,3,Late again\n",
    );
    let report = import(&store, request(&alone)).await;
    assert_eq!(report.import.totals.imported, 2);
    let rejection = &report.first_rejections[0];
    assert_eq!(rejection.column.as_deref(), Some("date"));
    assert!(
        rejection.reason.contains("ambiguous") && rejection.reason.contains("--date-format"),
        "{}",
        rejection.reason
    );
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    // With 13/04/2026 in the same column, the column is day first.
    let settled = write(
        db.dir.path(),
        "settled.csv",
        "id,date,nps,comment\n\
         d,03/04/2026,3,Late again\n\
         e,13/04/2026,9,Fine\n",
    );
    let report = import(&store, request(&settled)).await;
    assert_eq!(
        report.import.totals.imported, 2,
        "{:?}",
        report.first_rejections
    );
    assert_eq!(report.notes.len(), 1);
    assert!(report.notes[0].contains("day first"), "{:?}", report.notes);
    assert!(report.notes[0].contains("13/04/2026"), "{:?}", report.notes);
    let d = all_records(&store)
        .await
        .into_iter()
        .find(|r| r.external_id.as_deref() == Some("d"))
        .unwrap();
    assert_eq!(
        d.received_at.as_millis(),
        day(2026, 4, 3),
        "3 April, read day first"
    );

    // Any other form, with --date-format.
    let dotted = write(
        db.dir.path(),
        "dotted.csv",
        "id,date,nps,comment\nf,03.04.26,5,Fine\n",
    );
    let report = import(
        &store,
        ImportRequest {
            date_format: Some("%d.%m.%y".to_owned()),
            ..request(&dotted)
        },
    )
    .await;
    assert_eq!(
        report.import.totals.imported, 1,
        "{:?}",
        report.first_rejections
    );
}

async fn a_column_that_fails_on_most_rows_stops_the_import(db: &TestDatabase) {
    let store = db.store().await;
    let path = write(
        db.dir.path(),
        "export.csv",
        "id,date,nps,comment\n\
         a,8 Novembre 2023,9,Bien\n\
         b,9 Novembre 2023,3,Retard\n\
         c,2023-11-10,7,OK\n",
    );
    let err = import_file(&store, request(&path), |_| {})
        .await
        .expect_err("two of three rows fail on the date column");
    let message = err.to_string();
    assert!(
        matches!(err, ImportError::ColumnUnreadable { ref column, rejected: 2, rows: 3, .. } if column == "date"),
        "{message}"
    );
    for part in [
        "\"8 Novembre 2023\"",
        "\"9 Novembre 2023\"",
        "--date-format",
        "--map received_at=",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }
    assert!(all_records(&store).await.is_empty(), "nothing is stored");
    assert!(
        !db.dir.path().join("export.rejects.csv").exists(),
        "no rejects file for an import that did not happen"
    );

    // Leaving the date out, as the message suggests, imports every row.
    let report = import(
        &store,
        ImportRequest {
            overrides: vec![(Field::ReceivedAt, String::new())],
            ..request(&path)
        },
    )
    .await;
    assert_eq!(report.import.totals.imported, 3);
    let records = all_records(&store).await;
    assert_eq!(
        records[0].metadata.get("date").map(String::as_str),
        Some("8 Novembre 2023"),
        "the unread column is kept as metadata"
    );
}

async fn a_fixed_rejects_file_imports_into_its_source_without_duplicates(db: &TestDatabase) {
    let store = db.store().await;
    let path = write(
        db.dir.path(),
        "survey.csv",
        "id,date,nps,comment\n\
         a,2026-02-01,9,Fine\n\
         b,2026-02-02,3,Late\n\
         c,2026-02-03,11,Typo in the score\n",
    );
    let first = import(&store, request(&path)).await;
    assert_eq!(
        (first.import.totals.imported, first.import.totals.rejected),
        (2, 1)
    );
    let rejects = db.dir.path().join("survey.rejects.csv");
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        written.starts_with("id,date,nps,comment,reason\n"),
        "{written}"
    );
    // The user fixes the score, and (as happens) the file also holds a row already stored.
    let fixed = written.replace(",11,", ",1,") + "a,2026-02-01,9,Fine,\n";
    std::fs::write(&rejects, fixed).unwrap();

    let second = import(&store, request(&rejects)).await;
    assert_eq!(
        second.import.source, "survey",
        "a rejects file goes back to its source"
    );
    assert_eq!(
        (
            second.import.totals.imported,
            second.import.totals.duplicates
        ),
        (1, 1),
        "the fixed row is new; the row already stored is a duplicate"
    );
    let records = all_records(&store).await;
    assert_eq!(records.len(), 3);
    assert!(
        records.iter().all(|r| !r.metadata.contains_key("reason")),
        "the reason column is not data"
    );
}

use hostile::a_nul_refuses_its_row_and_formulas_stay_text;

backend_tests!(
    a_nul_refuses_its_row_and_formulas_stay_text,
    dates_written_as_people_write_them_import,
    numeric_dates_are_read_when_the_column_settles_the_order,
    a_column_that_fails_on_most_rows_stops_the_import,
    a_fixed_rejects_file_imports_into_its_source_without_duplicates,
    personal_data_is_redacted_before_it_is_stored,
    a_messy_csv_loads_its_good_rows_and_a_reimport_adds_nothing,
    excel_and_json_lines_import_exactly_like_csv,
    the_presets_read_qualtrics_and_zendesk_exports,
    a_file_that_breaks_half_way_stores_nothing,
    stages_and_touchpoints_are_checked_against_the_organisation,
);
