//! The audit log's entries for people.

use crate::pages::minute;

/// An audit entry's before or after for people: "label: Orders arrive late; records: 120",
/// times as UTC minutes (not milliseconds), lists as their items or their count; at most about
/// 300 characters.
pub(super) fn readable(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn scalar(key: &str, v: &Value) -> Option<String> {
        match v {
            Value::Null => Some("none".to_owned()),
            Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
            Value::Number(n) => Some(match n.as_i64() {
                Some(ms) if key.ends_with("_at") && ms > 1_000_000_000_000 => {
                    minute(throughline_domain::Timestamp::from_millis(ms))
                }
                _ => n.to_string(),
            }),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    fn render(key: &str, v: &Value) -> String {
        if let Some(s) = scalar(key, v) {
            return s;
        }
        match v {
            Value::Array(items) if items.iter().all(|i| scalar(key, i).is_some()) => items
                .iter()
                .filter_map(|i| scalar(key, i))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Array(items) => format!("{} items", items.len()),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), render(k, v)))
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::new(),
        }
    }
    let text = render("", value);
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn audit_values_read_as_words_and_times() {
        let v = serde_json::json!({
            "label": "Orders arrive late",
            "created_at": 1_764_892_800_000_i64,
            "themes": [3, 4],
            "changes": [{"kind": "added"}, {"kind": "removed"}],
            "open": true,
        });
        let text = readable(&v);
        assert!(text.contains("label: Orders arrive late"), "{text}");
        assert!(text.contains("created at: 2025-12-05 00:00"), "{text}");
        assert!(text.contains("themes: 3, 4"), "{text}");
        assert!(text.contains("changes: 2 items"), "{text}");
        assert!(text.contains("open: yes"), "{text}");
        assert!(readable(&serde_json::json!({"x": "y".repeat(400)})).ends_with('…'));
    }
}
