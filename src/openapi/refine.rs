//! What the derive macros cannot say, added to the document as JSON: the
//! patterns of the text checks, constants, shared page envelopes by
//! reference, the headers every answer carries, and names for enum values.
//! Everything here states what the server already does; a test in
//! `tests/api/openapi.rs` holds the server to it.

use serde_json::{Map, Value, json};

use crate::text::patterns;

/// Every refinement, in order.
pub fn refine(document: &mut Value) {
    envelopes_by_reference(document);
    constants(document);
    text_constraints(document);
    public_operations(document);
    feeds_by_format(document);
    conditional_headers(document);
    response_headers(document);
    enum_names(document);
}

fn schemas(document: &mut Value) -> Option<&mut Map<String, Value>> {
    document.pointer_mut("/components/schemas").and_then(Value::as_object_mut)
}

/// The property `name` of a schema, looking into the parts of an `allOf`.
fn property<'a>(schema: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    if schema.pointer(&format!("/properties/{name}")).is_some() {
        return schema.pointer_mut(&format!("/properties/{name}"));
    }
    schema.get_mut("allOf")?.as_array_mut()?.iter_mut().find_map(|part| part.get_mut("properties")?.get_mut(name))
}

/// `Page_X` envelopes refer to the schema `X` instead of inlining it, so that
/// generated clients get one type per item, not one per list.
fn envelopes_by_reference(document: &mut Value) {
    let Some(schemas) = schemas(document) else { return };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let Some(item) = name.strip_prefix("Page_").filter(|item| names.iter().any(|name| name == item)) else {
            continue;
        };
        if let Some(items) = schemas.get_mut(name).and_then(|page| page.pointer_mut("/properties/items/items")) {
            *items = json!({ "$ref": format!("#/components/schemas/{item}") });
        }
    }
}

/// Properties with one possible value, so that the union of a collection's
/// items narrows on `available`.
fn constants(document: &mut Value) {
    let constants = [
        ("SavedArticle", "available", json!(true)),
        ("UnavailableArticle", "available", json!(false)),
        ("TokenResponse", "token_type", json!("Bearer")),
    ];
    let Some(schemas) = schemas(document) else { return };
    for (schema, name, value) in constants {
        if let Some(Value::Object(property)) = schemas.get_mut(schema).and_then(|schema| property(schema, name)) {
            property.remove("example");
            property.insert("const".into(), value);
        }
    }
}

/// What the text checks of `crate::text`, `crate::users` and
/// `crate::articles::slug` accept, as patterns and lengths.
fn text_constraints(document: &mut Value) {
    let one_line = |max: u64| json!({ "pattern": patterns::ONE_LINE, "maxLength": max });
    let multi_line = |max: u64| json!({ "pattern": patterns::MULTI_LINE, "maxLength": max });
    let body = json!({ "pattern": patterns::MULTI_LINE_NOT_EMPTY, "maxLength": 200_000 });
    let slug = json!({ "pattern": patterns::SLUG, "maxLength": 100 });
    // No `format: email`: addresses are trimmed and may be internationalised,
    // which that format forbids; the pattern says exactly what is accepted.
    let email = json!({ "pattern": patterns::EMAIL, "maxLength": 254 });
    let password = json!({ "minLength": 10, "maxLength": 128 });
    let url = json!({ "format": "uri", "pattern": patterns::HTTP_URL, "maxLength": 2000 });
    let rules: Vec<(&str, &str, Value)> = vec![
        ("RegisterRequest", "email", email.clone()),
        ("RegisterRequest", "password", password.clone()),
        ("RegisterRequest", "display_name", one_line(100)),
        ("ForgotPasswordRequest", "email", email),
        ("ResetPasswordRequest", "password", password.clone()),
        ("ChangePasswordRequest", "new_password", password),
        ("UpdateProfileRequest", "display_name", one_line(100)),
        ("UpdateProfileRequest", "bio", multi_line(2000)),
        ("CreateArticleRequest", "title", one_line(200)),
        ("CreateArticleRequest", "body", body.clone()),
        ("CreateArticleRequest", "excerpt", multi_line(300)),
        ("CreateArticleRequest", "slug", slug.clone()),
        ("CreateArticleRequest", "cover_image_url", url.clone()),
        ("UpdateArticleRequest", "title", one_line(200)),
        ("UpdateArticleRequest", "body", body.clone()),
        ("UpdateArticleRequest", "excerpt", multi_line(300)),
        ("UpdateArticleRequest", "slug", slug.clone()),
        ("UpdateArticleRequest", "cover_image_url", url),
        ("CreateCategoryRequest", "name", one_line(100)),
        ("CreateCategoryRequest", "slug", slug.clone()),
        ("CreateCategoryRequest", "description", multi_line(1000)),
        ("UpdateCategoryRequest", "name", one_line(100)),
        ("UpdateCategoryRequest", "slug", slug.clone()),
        ("UpdateCategoryRequest", "description", multi_line(1000)),
        ("CreateCollectionRequest", "name", one_line(100)),
        ("CreateCollectionRequest", "description", multi_line(1000)),
        ("UpdateCollectionRequest", "name", one_line(100)),
        ("UpdateCollectionRequest", "description", multi_line(1000)),
        ("PutPageRequest", "title", one_line(200)),
        ("PutPageRequest", "body", body),
    ];
    if let Some(schemas) = schemas(document) {
        for (schema, name, rule) in rules {
            if let (Some(Value::Object(property)), Value::Object(rule)) =
                (schemas.get_mut(schema).and_then(|schema| property(schema, name)), rule)
            {
                property.extend(rule);
            }
        }
        for schema in ["CreateArticleRequest", "UpdateArticleRequest"] {
            if let Some(Value::Object(items)) =
                schemas.get_mut(schema).and_then(|schema| schema.pointer_mut("/properties/tags/items"))
            {
                items.extend([("pattern".into(), json!(patterns::ONE_LINE)), ("maxLength".into(), json!(50))]);
            }
        }
    }
    let page_slug = "/paths/~1api~1v1~1pages~1{slug}/put/parameters";
    if let Some(parameters) = document.pointer_mut(page_slug).and_then(Value::as_array_mut) {
        for parameter in parameters.iter_mut().filter(|parameter| parameter["name"] == "slug") {
            parameter["schema"] = json!({ "type": "string", "pattern": patterns::SLUG, "maxLength": 100 });
        }
    }
}

fn operations(document: &mut Value) -> impl Iterator<Item = (String, &mut Map<String, Value>)> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter_map(|(method, operation)| Some((method.clone(), operation.as_object_mut()?)))
}

/// Operations that need no token say so with an empty `security`; those
/// where a token is optional keep `[{}, {"bearer": []}]`, so that Swagger UI
/// and generated clients send it, and say what it changes.
fn public_operations(document: &mut Value) {
    const OPTIONAL: &str = "A bearer token is optional: with one, the answer is what its user may see, \
                            with their own `my_vote`; a bad one is a 401, never an anonymous answer.";
    for (_, operation) in operations(document) {
        let optional = operation
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|requirements| requirements.iter().any(|requirement| requirement == &json!({})));
        if optional {
            let description = match operation.get("description").and_then(Value::as_str) {
                Some(description) => format!("{description}\n\n{OPTIONAL}"),
                None => OPTIONAL.to_owned(),
            };
            operation.insert("description".into(), json!(description));
        }
        operation.entry("security").or_insert_with(|| json!([]));
    }
}

/// Each feed path in three, one per format (`/feeds/rss.xml`,
/// `/feeds/atom.xml`, `/feeds/feed.json`), each answering its own media
/// type: one operation answering any of three types makes generated
/// clients parse RSS as JSON. The server routes `{format}` as one path.
fn feeds_by_format(document: &mut Value) {
    const FORMATS: [(&str, &str, &str, &str); 3] = [
        ("rss.xml", "rss", "RssFeed", "application/rss+xml"),
        ("atom.xml", "atom", "AtomFeed", "application/atom+xml"),
        ("feed.json", "json", "JsonFeedDocument", "application/feed+json"),
    ];
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let feeds: Vec<String> =
        paths.keys().filter(|path| path.starts_with("/feeds/") && path.ends_with("/{format}")).cloned().collect();
    for path in feeds {
        let Some(item) = paths.remove(&path) else { continue };
        for (file, suffix, response, _) in FORMATS {
            let mut item = item.clone();
            if let Some(operation) = item.get_mut("get").and_then(Value::as_object_mut) {
                if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                    operation.insert("operationId".into(), json!(format!("{id}_{suffix}")));
                }
                if let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
                    parameters.retain(|parameter| parameter.get("name") != Some(&json!("format")));
                }
                if let Some(ok) = operation.get_mut("responses").and_then(|responses| responses.get_mut("200")) {
                    *ok = json!({ "$ref": format!("#/components/responses/{response}") });
                }
            }
            paths.insert(path.replace("{format}", file), item);
        }
    }
    let Some(responses) = document.pointer_mut("/components/responses").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(feed) = responses.remove("Feed") else { return };
    for (_, _, name, media_type) in FORMATS {
        let mut response = feed.clone();
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            content.retain(|name, _| name == media_type);
        }
        responses.insert(name.to_owned(), response);
    }
}

/// `If-Match` is a string when sent (never null), and every GET that can
/// answer 304 takes `If-None-Match`.
fn conditional_headers(document: &mut Value) {
    for (method, operation) in operations(document) {
        let answers_304 = operation.get("responses").is_some_and(|responses| responses.get("304").is_some());
        let parameters = operation.entry("parameters").or_insert_with(|| json!([]));
        let Some(parameters) = parameters.as_array_mut() else { continue };
        for parameter in parameters.iter_mut().filter(|parameter| parameter["name"] == "If-Match") {
            parameter["schema"] = json!({ "type": "string" });
        }
        if method == "get" && answers_304 {
            parameters.push(json!({
                "name": "If-None-Match",
                "in": "header",
                "description": "The ETag of the copy the client holds: 304 when it is still current",
                "required": false,
                "schema": { "type": "string" },
            }));
        }
        if parameters.is_empty() {
            operation.remove("parameters");
        }
    }
}

/// Headers every answer carries (the request id, caching, `Vary`), and the
/// rate-limit state on every answer of the auth endpoints; declared once in
/// `components/headers` and referred to.
fn response_headers(document: &mut Value) {
    let declared = json!({
        "X-Request-Id": {
            "description": "The request's id: the client's own when it sent a plain one, else a new UUID",
            "schema": { "type": "string" },
        },
        "Cache-Control": {
            "description": "`public, max-age=60` for public content read anonymously, `private, no-store` for what depends on the caller, `no-store` otherwise",
            "schema": { "type": "string" },
        },
        "Vary": {
            "description": "`Authorization` on answers that depend on the caller, and `Origin` from CORS",
            "schema": { "type": "string" },
        },
        "RateLimit": {
            "description": "`limit=N, remaining=N, reset=S` of the per-client limit on the auth endpoints, when it is on",
            "schema": { "type": "string" },
        },
        "RateLimit-Policy": {
            "description": "`N;w=60`: the per-client limit on the auth endpoints, when it is on",
            "schema": { "type": "string" },
        },
    });
    if let Some(components) = document.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("headers".into(), declared);
    }
    let add = |response: &mut Value, names: &[&str]| {
        let Some(response) = response.as_object_mut().filter(|response| !response.contains_key("$ref")) else {
            return;
        };
        if let Some(headers) = response.entry("headers").or_insert_with(|| json!({})).as_object_mut() {
            for name in names {
                headers
                    .entry((*name).to_owned())
                    .or_insert_with(|| json!({ "$ref": format!("#/components/headers/{name}") }));
            }
        }
    };
    const EVERYWHERE: [&str; 3] = ["X-Request-Id", "Cache-Control", "Vary"];
    if let Some(responses) = document.pointer_mut("/components/responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            add(response, &EVERYWHERE);
        }
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for operation in item.values_mut() {
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for response in responses.values_mut() {
                add(response, &EVERYWHERE);
                if path.starts_with("/api/v1/auth/") {
                    add(response, &["RateLimit", "RateLimit-Policy"]);
                }
            }
        }
    }
}

/// Names for enum values that are not identifiers, for generators that need
/// them (`-published_at` would otherwise become `VALUE_0`).
fn enum_names(document: &mut Value) {
    if let Some(Value::Object(sort)) = schemas(document).and_then(|schemas| schemas.get_mut("SortParam")) {
        sort.insert("x-enum-varnames".into(), json!(["NEWEST_FIRST", "OLDEST_FIRST", "TOP_SCORE", "HOT", "RELEVANCE"]));
    }
}
