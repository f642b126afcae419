//! Reading a file of department KPI values (`metric,date,value`) for `throughline kpi import`:
//! the operational series (lead volume, complaint calls) that chains across departments run
//! through. Read like feedback files; a row that cannot be read goes to the rejects file with
//! its line and reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use throughline_domain::action::Date;
use throughline_store::KpiValue;

use crate::table::{Layout, Table, TableError, read_table};

/// The columns of a KPI file.
pub const LAYOUT: Layout = Layout {
    what: "a KPI file",
    required: &["metric", "date", "value"],
    optional: &[],
};

/// Reads every KPI value of `path`. `metrics` are the organisation's metric keys: a row naming
/// another is rejected with the list. Two values for one metric on one day are refused (the
/// second), so that a file says one thing.
pub fn read_kpis(
    path: &Path,
    rejects: Option<PathBuf>,
    metrics: &[String],
) -> Result<Table<KpiValue>, TableError> {
    let mut first_line: HashMap<(String, String), u64> = HashMap::new();
    read_table(path, rejects, &LAYOUT, |row| {
        let metric = row.get("metric");
        if !metrics.iter().any(|m| m == metric) {
            return Err(row.reject(
                "metric",
                format!(
                    "unknown metric {metric:?}; the organisation's metrics: {}",
                    if metrics.is_empty() {
                        "none (add [[metrics]] to the organisation file)".to_owned()
                    } else {
                        metrics.join(", ")
                    }
                ),
            ));
        }
        let on = Date::parse(row.get("date")).map_err(|e| row.reject("date", e.0))?;
        let text = row.get("value");
        let value = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| row.reject("value", format!("{text:?} is not a number")))?;
        let key = (metric.to_owned(), on.as_str().to_owned());
        if let Some(line) = first_line.get(&key) {
            return Err(row.reject(
                "date",
                format!(
                    "a second value for {metric} on {} (line {line} has one)",
                    on.as_str()
                ),
            ));
        }
        first_line.insert(key, row.line);
        Ok(KpiValue {
            metric: metric.to_owned(),
            on,
            value,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_values_are_read_and_bad_rows_rejected_with_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kpis.csv");
        std::fs::write(
            &path,
            "Metric,Date,Value\n\
             lead-volume,2026-03-02,120\n\
             lead-volume,2026-03-09,131.5\n\
             lead-volume,2026-03-09,99\n\
             leads,2026-03-16,12\n\
             lead-volume,March 16,12\n\
             lead-volume,2026-03-23,many\n",
        )
        .unwrap();
        let known = vec!["lead-volume".to_owned(), "complaint-calls".to_owned()];
        let table = read_kpis(&path, None, &known).unwrap();
        assert_eq!(table.rows_read, 6);
        assert_eq!(table.values.len(), 2);
        assert_eq!(table.values[1].value, 131.5);
        let reasons: Vec<(u64, &str)> = table
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert!(reasons[0].1.contains("line 3 has one"), "{reasons:?}");
        assert!(
            reasons[1].1.contains("unknown metric \"leads\""),
            "{reasons:?}"
        );
        assert!(
            reasons[1].1.contains("lead-volume, complaint-calls"),
            "{reasons:?}"
        );
        assert!(reasons[2].1.contains("YYYY-MM-DD"), "{reasons:?}");
        assert!(reasons[3].1.contains("not a number"), "{reasons:?}");
        assert_eq!(
            reasons.iter().map(|r| r.0).collect::<Vec<_>>(),
            [4, 5, 6, 7]
        );
        assert!(table.rejects_path.is_some());
    }
}
