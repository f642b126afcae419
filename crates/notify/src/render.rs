//! A digest as people and chat tools read it. Customer text is attacker-controlled: the HTML is
//! auto-escaped, Slack's control characters are escaped, the plain text is plain.

use std::sync::LazyLock;

use minijinja::Environment;
use serde_json::{Value, json};
use throughline_service::digest::Digest;

use crate::NotifyError;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_template("digest.html", include_str!("../templates/digest.html"))
        .expect("the embedded templates are valid");
    env.add_template("digest.txt", include_str!("../templates/digest.txt"))
        .expect("the embedded templates are valid");
    env
});

fn render(name: &str, d: &Digest) -> Result<String, NotifyError> {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { d => d }))
        .map_err(|e| NotifyError::Config(format!("template {name}: {e}")))
}

/// The e-mail's HTML part.
pub fn html(d: &Digest) -> Result<String, NotifyError> {
    render("digest.html", d)
}

/// The e-mail's plain-text part.
pub fn text(d: &Digest) -> Result<String, NotifyError> {
    render("digest.txt", d)
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped; nothing else is special.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack-compatible message (`text` plus blocks).
pub fn slack(d: &Digest) -> Value {
    let mut lines = vec![format!(
        "*{}* — what customers said, {} to {}: {} comments ({} the period before)",
        slack_escape(&d.name),
        d.period.from,
        d.period.to,
        d.records,
        d.previous_records
    )];
    for t in d.themes.iter().take(5) {
        lines.push(format!(
            "• {}: {} ({})",
            slack_escape(&t.label),
            t.records,
            t.change
        ));
    }
    for v in &d.verbatims {
        lines.push(format!(
            "> {} — _{}_",
            slack_escape(&v.text),
            slack_escape(&v.theme)
        ));
    }
    for r in &d.recognition {
        lines.push(format!("*{}*", slack_escape(r)));
    }
    let overdue = d.actions.iter().filter(|a| a.overdue).count();
    lines.push(format!(
        "{} open actions, {overdue} overdue. {}",
        d.actions.len(),
        slack_escape(&d.cross_department)
    ));
    let text = lines.join("\n");
    json!({
        "text": text,
        "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": text } }],
    })
}

/// The digest itself, for any other tool.
pub fn generic(d: &Digest) -> Value {
    json!({ "type": "throughline.digest", "digest": d })
}
