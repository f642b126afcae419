//! Checks an API answer against the schema its OpenAPI document declares for it — the subset of
//! JSON Schema 2020-12 that the generated schemas use (`$ref` into the components, `type`,
//! `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `enum`, `const`,
//! `anyOf`, `oneOf`, `allOf`), so that a test can say the document tells the truth.

use serde_json::Value;

/// Where `value` breaks `schema` (resolved against `document`'s components), or `Ok`.
pub fn conforms(document: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    check(document, schema, value, "$")
}

fn check(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(rules) = schema.as_object() else {
        // `true` accepts anything, `false` nothing.
        return if schema == &Value::Bool(false) {
            Err(format!("{at}: nothing is allowed here"))
        } else {
            Ok(())
        };
    };
    if let Some(reference) = rules.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{at}: a reference outside the components: {reference}"))?;
        let target = &document["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: {reference} is not in the document"));
        }
        check(document, target, value, at)?;
    }
    if let Some(kinds) = rules.get("type") {
        let kinds: Vec<&str> = match kinds {
            Value::String(kind) => vec![kind.as_str()],
            Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !kinds.iter().any(|kind| is_a(value, kind)) {
            return Err(format!("{at}: {value} is not {}", kinds.join(" or ")));
        }
    }
    if let Some(allowed) = rules.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(constant) = rules.get("const")
        && constant != value
    {
        return Err(format!("{at}: {value} is not {constant}"));
    }
    for all in rules
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(document, all, value, at)?;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = rules.get(key).and_then(Value::as_array) {
            let problems: Vec<String> = options
                .iter()
                .filter_map(|option| check(document, option, value, at).err())
                .collect();
            if problems.len() == options.len() {
                return Err(format!(
                    "{at}: no option of {key} fits: {}",
                    problems.join(" | ")
                ));
            }
        }
    }
    if let Some(object) = value.as_object() {
        let properties = rules.get("properties").and_then(Value::as_object);
        for required in rules
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: the required {name:?} is missing"));
            }
        }
        for (name, field) in object {
            let here = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => check(document, property, field, &here)?,
                None => match rules.get("additionalProperties") {
                    Some(Value::Bool(false)) if properties.is_some() => {
                        return Err(format!("{here}: not a property the schema names"));
                    }
                    Some(extra) if extra.is_object() => check(document, extra, field, &here)?,
                    _ => {}
                },
            }
        }
    }
    if let Some(array) = value.as_array() {
        let prefix = rules.get("prefixItems").and_then(Value::as_array);
        for (i, item) in array.iter().enumerate() {
            let here = format!("{at}[{i}]");
            match prefix.and_then(|p| p.get(i)) {
                Some(position) => check(document, position, item, &here)?,
                None => {
                    if let Some(items) = rules.get("items") {
                        check(document, items, item, &here)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_a(value: &Value, kind: &str) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

#[test]
fn the_checker_finds_what_breaks_a_schema() {
    let document = serde_json::json!({ "components": { "schemas": {
        "Person": { "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": { "type": "string" },
                "age": { "type": ["integer", "null"] },
                "pair": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "number" }] },
                "tone": { "enum": ["positive", "negative"] } } } } } });
    let person = serde_json::json!({ "$ref": "#/components/schemas/Person" });
    let ok =
        serde_json::json!({ "name": "Aisha", "age": null, "pair": ["x", 0.5], "tone": "positive" });
    assert_eq!(conforms(&document, &person, &ok), Ok(()));
    for (bad, says) in [
        (
            serde_json::json!({ "age": 3 }),
            "the required \"name\" is missing",
        ),
        (serde_json::json!({ "name": 1 }), "$.name: 1 is not string"),
        (
            serde_json::json!({ "name": "a", "x": 1 }),
            "$.x: not a property",
        ),
        (
            serde_json::json!({ "name": "a", "age": 1.5 }),
            "$.age: 1.5 is not integer or null",
        ),
        (
            serde_json::json!({ "name": "a", "pair": ["x", "y"] }),
            "$.pair[1]",
        ),
        (
            serde_json::json!({ "name": "a", "tone": "meh" }),
            "is not one of",
        ),
    ] {
        let problem = conforms(&document, &person, &bad).unwrap_err();
        assert!(problem.contains(says), "{problem}");
    }
}
