//! OpenAPI links: where one operation's answer names what others take, so
//! that generated clients and stateful testers (Schemathesis) can chain calls
//! on real resources.

use utoipa::Modify;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::{OpenApi as Document, RefOr};

use super::operations_mut;

/// One OpenAPI link: from a response of `source`, the value at `expression`
/// fills `parameter` of each of `targets`.
struct LinkRule {
    source: &'static str,
    status: &'static str,
    parameter: &'static str,
    expression: &'static str,
    targets: &'static [&'static str],
}

/// Where one operation's answer names what others take, so generated clients
/// and stateful testers (Schemathesis) can chain calls on real resources.
const LINKS: &[LinkRule] = &[
    LinkRule {
        // Not to the vote: a new article is a draft, and drafts take no votes
        // (404), while a link promises the call works.
        source: "create_article",
        status: "201",
        parameter: "article",
        expression: "$response.body#/id",
        targets: &["get_article", "update_article", "delete_article", "related_articles"],
    },
    LinkRule {
        // New articles are drafts; the first of a list is published, so votes
        // on it succeed.
        source: "list_articles",
        status: "200",
        parameter: "article",
        expression: "$response.body#/items/0/id",
        targets: &["get_article", "related_articles", "get_article_vote", "put_article_vote", "delete_article_vote"],
    },
    LinkRule {
        source: "create_category",
        status: "201",
        parameter: "slug",
        expression: "$response.body#/slug",
        targets: &["get_category", "update_category", "delete_category"],
    },
    LinkRule {
        source: "put_page",
        status: "201",
        parameter: "slug",
        expression: "$response.body#/slug",
        targets: &["get_page", "delete_page"],
    },
    LinkRule {
        source: "create_collection",
        status: "201",
        parameter: "id",
        expression: "$response.body#/id",
        targets: &[
            "get_collection",
            "update_collection",
            "delete_collection",
            "list_collection_articles",
            "add_collection_article",
            "remove_collection_article",
        ],
    },
    LinkRule {
        source: "register",
        status: "201",
        parameter: "id",
        expression: "$response.body#/user/id",
        targets: &["get_user", "list_user_collections"],
    },
];

/// The links of [`LINKS`], plus the refresh token of a new session feeding
/// `refresh` and `logout`, named after their target in PascalCase.
pub struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut Document) {
        let mut declared: Vec<(&str, &str, String, Link)> = Vec::new();
        for rule in LINKS {
            for target in rule.targets {
                let link = LinkBuilder::new().operation_id(*target).parameter(rule.parameter, rule.expression).build();
                declared.push((rule.source, rule.status, pascal_case(target), link));
            }
        }
        let refresh_token = serde_json::json!({"refresh_token": "$response.body#/refresh_token"});
        for (source, status) in [("register", "201"), ("login", "200"), ("refresh", "200")] {
            for target in ["refresh", "logout"] {
                let link = LinkBuilder::new().operation_id(target).request_body(Some(refresh_token.clone())).build();
                declared.push((source, status, pascal_case(target), link));
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                let Some(id) = operation.operation_id.clone() else { continue };
                for (_, status, name, link) in declared.iter().filter(|(source, ..)| *source == id) {
                    if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) {
                        response.links.insert(name.clone(), RefOr::T(link.clone()));
                    }
                }
            }
        }
    }
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase()).into_iter().chain(chars)
        })
        .collect()
}
