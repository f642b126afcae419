//! A feedback file imported in the browser (issue 26): uploaded, previewed (format, source,
//! which column feeds which field; nothing stored), imported like the command line imports it
//! (the same totals and records), rejected rows downloadable with their reasons, a second import
//! storing nothing twice, the import audited, the new records analysed from the page; refused
//! with a reason for an empty file or an unknown format, and for a member.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_store::testing::TestDatabase;

use super::hardening::admin_and_member;
use super::{form_token, get, organisation_and_admin, post_form, send};

const FILE: &str = "id,date,comment,nps,channel\n\
r1,2026-11-02,The courier left the parcel in the rain,3,web\n\
r2,2026-11-03,Refund still not received after three weeks,1,email\n\
r3,not a date,Lovely staff at the shop,10,store\n\
r4,2026-11-05,Booking the installation was quick and easy,9,web\n";

/// A `multipart/form-data` upload of `file` named `name`, with the form's other fields.
fn upload(cookie: &str, fields: &[(&str, &str)], name: &str, file: &str) -> Request<Body> {
    let boundary = "----throughline-test-boundary";
    let mut body = String::new();
    for (key, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    Request::post("/imports/upload")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

/// The upload id in a preview's import form.
fn upload_id(preview: &str) -> String {
    preview
        .split("action=\"/imports/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the preview has the import form")
        .to_owned()
}

pub async fn a_feedback_file_is_imported_in_the_browser(db: &TestDatabase) {
    let store = organisation_and_admin(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;

    let form = send(&app, get("/imports/new", Some(&admin))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let csrf = form_token(&form.body);
    let search = send(&app, get("/feedback", Some(&admin))).await;
    assert!(
        search.body.contains("href=\"/imports/new\""),
        "linked from the search page"
    );

    // The preview says how the file will be read, and stores nothing.
    let fields = [("csrf_token", csrf.as_str()), ("source", "nps-survey")];
    let preview = send(&app, upload(&admin, &fields, "november.csv", FILE)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    for text in [
        "How “november.csv” will be imported",
        "CSV file, into the source “nps-survey”",
        "<td>comment</td><td>comment</td>",
        "<td>nps</td><td>nps</td>",
        "Import it",
    ] {
        assert!(preview.body.contains(text), "{text}: {}", preview.body);
    }
    assert_eq!(store.feedback_count().await.unwrap(), 0);
    let id = upload_id(&preview.body);

    // The import stores what the command line stores from the same file.
    let audited = store.audit_log(1000).await.unwrap().len();
    let done = send(
        &app,
        post_form(
            &format!("/imports/{id}/run"),
            Some(&admin),
            &[("csrf_token", &csrf), ("source", "nps-survey")],
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains("Read 4 rows: 3 imported, 0 duplicates (already stored), 1 rejected."),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("line 4"),
        "the rejected row and why: {}",
        done.body
    );
    let cli = TestDatabase::sqlite().await;
    let cli_store = organisation_and_admin(&cli).await;
    let path = cli.dir.path().join("november.csv");
    std::fs::write(&path, FILE).unwrap();
    let by_cli = import_file(
        &cli_store,
        ImportRequest {
            path,
            source: Some(Name::parse("nps-survey").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    let imports = store.imports().await.unwrap();
    assert_eq!(imports.len(), 1);
    let totals = &imports[0].totals;
    let cli_totals = &by_cli.import.totals;
    assert_eq!(
        (
            totals.rows_read,
            totals.imported,
            totals.duplicates,
            totals.rejected
        ),
        (
            cli_totals.rows_read,
            cli_totals.imported,
            cli_totals.duplicates,
            cli_totals.rejected
        )
    );
    let texts = |records: Vec<throughline_store::StoredFeedback>| {
        let mut t: Vec<(Option<String>, String)> = records
            .into_iter()
            .map(|r| (r.record.texts.comment, format!("{:?}", r.record.scores.nps)))
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        texts(store.feedback_after(0, 100).await.unwrap()),
        texts(cli_store.feedback_after(0, 100).await.unwrap())
    );
    let log = store.audit_log(1000).await.unwrap();
    assert_eq!(log.len(), audited + 1);
    assert_eq!(log[0].action, "feedback.import");
    assert_eq!(log[0].actor, "amara@northwind.example");

    // The rejected rows, with their reasons, to fix and import again.
    let rejects = send(
        &app,
        get(&format!("/imports/{id}/rejects.csv"), Some(&admin)),
    )
    .await;
    assert_eq!(rejects.status, StatusCode::OK);
    assert!(
        rejects.body.contains("Lovely staff at the shop"),
        "{}",
        rejects.body
    );
    assert!(
        rejects.body.to_lowercase().contains("date"),
        "{}",
        rejects.body
    );

    // The same file again stores nothing twice.
    let again = send(&app, upload(&admin, &fields, "november.csv", FILE)).await;
    let second = upload_id(&again.body);
    assert_ne!(second, id);
    let done = send(
        &app,
        post_form(
            &format!("/imports/{second}/run"),
            Some(&admin),
            &[("csrf_token", &csrf), ("source", "nps-survey")],
        ),
    )
    .await;
    assert!(
        done.body.contains("0 imported, 3 duplicates"),
        "{}",
        done.body
    );
    assert_eq!(store.feedback_count().await.unwrap(), 3);
    // An upload is imported once: its file is gone after.
    let twice = send(
        &app,
        post_form(
            &format!("/imports/{second}/run"),
            Some(&admin),
            &[("csrf_token", &csrf)],
        ),
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{}", twice.body);

    // Refusals say why, and store nothing.
    let empty = send(&app, upload(&admin, &fields, "empty.csv", "")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("The file is empty"), "{}", empty.body);
    let pdf = send(&app, upload(&admin, &fields, "report.pdf", "%PDF-1.4")).await;
    assert_eq!(pdf.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(pdf.body.contains("csv, jsonl or xlsx"), "{}", pdf.body);
    let forged = send(
        &app,
        upload(&admin, &[("csrf_token", "forged")], "november.csv", FILE),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let member = send(&app, get("/imports/new", Some(&bill))).await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    assert!(
        member.body.contains("administrators and council chairs"),
        "{}",
        member.body
    );
    let bill_csrf = form_token(&send(&app, get("/feedback", Some(&bill))).await.body);
    let by_member = send(
        &app,
        upload(&bill, &[("csrf_token", &bill_csrf)], "november.csv", FILE),
    )
    .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    assert_eq!(store.feedback_count().await.unwrap(), 3);

    // The new records analysed from the report page: the page asks a worker for it (a job in
    // the database) and shows the job, which refreshes itself until the worker is done.
    let analysed = send(
        &app,
        post_form("/imports/analyse", Some(&admin), &[("csrf_token", &csrf)]),
    )
    .await;
    assert_eq!(analysed.status, StatusCode::SEE_OTHER, "{}", analysed.body);
    let job_page = analysed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(job_page.starts_with("/jobs/"), "{job_page}");
    // Asked twice while it waits: the same job.
    let twice = send(
        &app,
        post_form("/imports/analyse", Some(&admin), &[("csrf_token", &csrf)]),
    )
    .await;
    assert_eq!(twice.headers[header::LOCATION], job_page.as_str());
    let waiting = send(&app, get(&job_page, Some(&admin))).await;
    assert!(
        waiting.body.contains("Waiting for a worker")
            && waiting.body.contains("http-equiv=\"refresh\""),
        "{}",
        waiting.body
    );
    assert!(store.latest_analysis_run().await.unwrap().is_none());
    let worker = throughline_service::jobs::Worker::new(store.clone(), "test-worker");
    assert!(worker.run_one().await.unwrap().is_some());
    assert!(store.latest_analysis_run().await.unwrap().is_some());
    let done = send(&app, get(&job_page, Some(&admin))).await;
    assert!(
        done.body.contains("<strong>Done</strong>")
            && done.body.contains("3 records analysed")
            && !done.body.contains("http-equiv=\"refresh\""),
        "{}",
        done.body
    );
    let list = send(&app, get("/jobs", Some(&admin))).await;
    assert!(list.body.contains("3 records analysed"), "{}", list.body);
    // A member may not start one.
    let bill_csrf = form_token(&send(&app, get("/jobs", Some(&bill))).await.body);
    let refused = send(
        &app,
        post_form(
            "/imports/analyse",
            Some(&bill),
            &[("csrf_token", &bill_csrf)],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
