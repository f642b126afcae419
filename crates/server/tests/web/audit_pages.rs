//! The audit log's own page (issue 26): every entry, filtered by who, what (one action or a
//! family) and when, a hundred a page with "n of N", typed wildcards matching only themselves,
//! a bad day said and left out; administrators only.

use axum::http::StatusCode;
use throughline_domain::action::Date;
use throughline_store::testing::TestDatabase;

use super::hardening::admin_and_member;
use super::{get, organisation_and_admin, send, urlencode};

/// The rows of the page's table.
fn rows(page: &str) -> usize {
    page.split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .map_or(0, |b| b.matches("<tr><td>").count())
}

pub async fn the_audit_log_is_filtered_and_paged(db: &TestDatabase) {
    let store = organisation_and_admin(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;
    for i in 0..150 {
        store
            .audit("cli:ops", "bulk.test", &format!("thing {i}"), None, None)
            .await
            .unwrap();
    }
    store
        .audit(
            "amara@northwind.example",
            "theme.rename",
            "theme 4",
            None,
            None,
        )
        .await
        .unwrap();
    let all = store.count_audit(&Default::default()).await.unwrap();
    assert!(all >= 151);

    let page = send(&app, get("/admin/audit", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!("All {all} entries")),
        "{}",
        page.body
    );
    assert_eq!(rows(&page.body), 100);
    assert!(page.body.contains("<option value=\"bulk.test\">"));
    let admin_page = send(&app, get("/admin", Some(&admin))).await;
    assert!(admin_page.body.contains("href=\"/admin/audit\""));

    // The next page holds the rest, and no entry twice.
    let older = page
        .body
        .split("href=\"/admin/audit?")
        .filter_map(|rest| rest.split('"').next())
        .find(|q| q.contains("before="))
        .expect("a link to older entries")
        .replace("&amp;", "&");
    let second = send(&app, get(&format!("/admin/audit?{older}"), Some(&admin))).await;
    assert_eq!(
        rows(&second.body) as u64,
        all - 100,
        "{older}: {}",
        second.body
    );
    assert!(second.body.contains("← The newest"));

    // Who, and what: one action or a family of them.
    let amara = send(&app, get("/admin/audit?who=AMARA", Some(&admin))).await;
    assert!(amara.body.contains("theme.rename"));
    assert!(!amara.body.contains("bulk.test</td>"));
    let renames = send(&app, get("/admin/audit?what=theme.rename", Some(&admin))).await;
    assert!(
        renames
            .body
            .contains(&format!("1 of {all} entries matches")),
        "{}",
        renames.body
    );
    let family = send(&app, get("/admin/audit?what=theme", Some(&admin))).await;
    assert_eq!(rows(&family.body), 1);
    let bulk = send(
        &app,
        get("/admin/audit?who=cli:ops&what=bulk.test", Some(&admin)),
    )
    .await;
    assert!(
        bulk.body.contains(&format!("150 of {all} entries match")),
        "{}",
        bulk.body
    );
    // A typed % is a percent sign, not "anything".
    let percent = send(
        &app,
        get(
            &format!("/admin/audit?who={}", urlencode("%")),
            Some(&admin),
        ),
    )
    .await;
    assert!(
        percent.body.contains(&format!("0 of {all} entries match")),
        "{}",
        percent.body
    );

    // When: today holds them all, tomorrow none; a bad day is said and left out.
    let today = Date::today();
    let on_today = send(
        &app,
        get(
            &format!("/admin/audit?from={today}&to={today}"),
            Some(&admin),
        ),
    )
    .await;
    assert!(
        on_today.body.contains(&format!("All {all} entries")),
        "{}",
        on_today.body
    );
    let tomorrow = today.plus_days(1);
    let later = send(
        &app,
        get(&format!("/admin/audit?from={tomorrow}"), Some(&admin)),
    )
    .await;
    assert!(later.body.contains(&format!("0 of {all} entries match")));
    let bad = send(&app, get("/admin/audit?from=2026-13-01", Some(&admin))).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("From: "), "{}", bad.body);
    assert!(bad.body.contains("that filter is left out"));
    assert!(bad.body.contains(&format!("All {all} entries")));

    // Every entry the filters keep downloads as a file: all 150 of the bulk ones, though the
    // page shows a hundred; times in RFC 3339; a bad day refused, not left out.
    assert!(
        bulk.body.contains(
            "href=\"/admin/audit.csv?who=cli%3Aops&amp;what=bulk.test&amp;from=&amp;to=\""
        ),
        "{}",
        bulk.body
    );
    let file = send(
        &app,
        get("/admin/audit.csv?who=cli:ops&what=bulk.test", Some(&admin)),
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let mut reader = csv::Reader::from_reader(file.body.as_bytes());
    let entries: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(entries.len(), 150);
    assert_eq!(&entries[0][4], "thing 149", "the newest first");
    assert!(
        entries[0][1].ends_with('Z') && entries[0][1].contains('T'),
        "{:?}",
        &entries[0]
    );
    let everything = send(&app, get("/admin/audit.csv", Some(&admin))).await;
    assert_eq!(
        csv::Reader::from_reader(everything.body.as_bytes())
            .records()
            .count() as u64,
        all
    );
    let bad_file = send(&app, get("/admin/audit.csv?from=2026-13-01", Some(&admin))).await;
    assert_eq!(
        bad_file.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_file.body
    );
    let workbook = send(&app, get("/admin/audit.xlsx", Some(&admin))).await;
    assert_eq!(workbook.status, StatusCode::OK);

    // Administrators only.
    let member = send(&app, get("/admin/audit", Some(&bill))).await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    let member_file = send(&app, get("/admin/audit.csv", Some(&bill))).await;
    assert_eq!(member_file.status, StatusCode::FORBIDDEN);
}
