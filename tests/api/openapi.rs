//! The committed OpenAPI document is the one the code generates and serves.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn the_committed_document_is_up_to_date() {
    let generated = newsroom::openapi::to_json(&newsroom::openapi::document());
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is stale; regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, serde_json::from_str::<Value>(COMMITTED).unwrap());
}

#[test]
fn every_operation_is_named_documented_and_lists_its_errors() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let mut operation_ids = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has an operationId");
            operation_ids.push(id.to_owned());
            assert!(operation["summary"].is_string() || operation["description"].is_string(), "{id} is described");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{id} documents 500");
            let secured = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            if secured {
                assert!(responses.contains_key("401"), "{id} documents 401");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{id} documents {status}");
                }
            }
        }
    }
    let unique: std::collections::HashSet<_> = operation_ids.iter().collect();
    assert_eq!(unique.len(), operation_ids.len(), "operation ids are unique");
}

#[test]
fn links_name_real_operations_and_their_parameters() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut parameters_by_operation = std::collections::HashMap::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let names: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|parameter| parameter["name"].as_str().map(str::to_owned))
                .collect();
            parameters_by_operation.insert(operation["operationId"].as_str().unwrap().to_owned(), names);
        }
    }
    let mut links = 0;
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().unwrap().values() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let target = link["operationId"].as_str().unwrap();
                    let known = parameters_by_operation.get(target).unwrap_or_else(|| panic!("{name}: no {target}"));
                    for parameter in link["parameters"].as_object().into_iter().flatten().map(|(key, _)| key) {
                        assert!(known.contains(parameter), "{name}: {target} has no parameter {parameter}");
                    }
                }
            }
        }
    }
    assert!(links >= 25, "the chains of create, read and vote are declared ({links} links)");
}

#[tokio::test]
async fn optional_tokens_feeds_and_the_server_are_declared_as_served() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(document["servers"][0]["url"], "/", "Try it out goes to the server serving the document");
    let operation = |path: &str, method: &str| document["paths"][path][method].clone();
    for (path, method) in [
        ("/api/v1/articles", "get"),
        ("/api/v1/articles/{article}", "get"),
        ("/api/v1/collections/{id}", "get"),
        ("/api/v1/collections/{id}/articles", "get"),
    ] {
        assert_eq!(operation(path, method)["security"], serde_json::json!([{}, {"bearer": []}]), "{method} {path}");
    }

    let app = spawn_app().await;
    for (file, media_type) in [
        ("rss.xml", "application/rss+xml"),
        ("atom.xml", "application/atom+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let path = format!("/feeds/{file}");
        let reference = operation(&path, "get")["responses"]["200"]["$ref"].as_str().unwrap().to_owned();
        let name = reference.rsplit('/').next().unwrap();
        let content = document["components"]["responses"][name]["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), [media_type], "{path}: one media type");
        let served = app.get(&path, None).await;
        assert_eq!(served.status(), StatusCode::OK);
        assert!(served.headers()["content-type"].to_str().unwrap().starts_with(media_type), "{path}");
    }
    assert!(document["paths"].as_object().unwrap().keys().all(|path| !path.contains("{format}")));
}
