//! What a signed-in reader gets: the response anonymous readers share from
//! the public cache, with the reader's own votes written into it. Only
//! `my_vote` differs between the two, so the article or list is built (and
//! serialised) once for everyone.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use memchr::memmem;

use super::cache::Cached;
use crate::http::Tagged;

/// How the public response shows every article's vote. Inside a JSON string
/// a quote is always escaped, so this text can only be the field itself.
const NOT_VOTED: &[u8] = b"\"my_vote\":null";

/// `public` with `votes` (article id to 1 or -1) written in. The ETag is the
/// public one qualified by the votes, so it changes exactly when the body
/// does.
pub fn with_votes(public: &Cached, votes: &HashMap<i32, i32>) -> Tagged {
    let mine: Vec<(usize, i32)> = public
        .articles
        .iter()
        .enumerate()
        .filter_map(|(position, article)| votes.get(article).map(|vote| (position, *vote)))
        .collect();
    if mine.is_empty() {
        return public.response.clone();
    }
    let source = &public.response.body;
    let mut body = Vec::with_capacity(source.len() + 2 * mine.len());
    let mut copied = 0;
    let mut mine_left = mine.iter().peekable();
    for (position, at) in memmem::find_iter(source, NOT_VOTED).enumerate() {
        let Some(&(_, vote)) = mine_left.next_if(|(wanted, _)| *wanted == position) else {
            continue;
        };
        let value_at = at + NOT_VOTED.len() - b"null".len();
        body.extend_from_slice(source.get(copied..value_at).unwrap_or_default());
        body.extend_from_slice(if vote > 0 { b"1" } else { b"-1" });
        copied = at + NOT_VOTED.len();
    }
    body.extend_from_slice(source.get(copied..).unwrap_or_default());
    let mut hasher = DefaultHasher::new();
    mine.hash(&mut hasher);
    let etag = format!("{}-{:016x}\"", public.response.etag.trim_end_matches('"'), hasher.finish());
    Tagged { etag, body: body.into(), ..public.response.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn cached(value: &Value, articles: Vec<i32>) -> Cached {
        Cached { response: Tagged::of(value).unwrap(), articles }
    }

    #[test]
    fn votes_land_on_their_own_articles() {
        let page = json!({"items": [
            {"id": 1, "title": "\"my_vote\":null", "author": {"id": 9}, "my_vote": null},
            {"id": 2, "my_vote": null},
            {"id": 3, "my_vote": null},
        ]});
        let public = cached(&page, vec![1, 2, 3]);
        let personal = with_votes(&public, &HashMap::from([(1, -1), (3, 1), (4, 1)]));
        let body: Value = serde_json::from_slice(&personal.body).unwrap();
        let votes: Vec<&Value> = body["items"].as_array().unwrap().iter().map(|item| &item["my_vote"]).collect();
        assert_eq!(votes, [&json!(-1), &Value::Null, &json!(1)]);
        assert_eq!(body["items"][0]["title"], "\"my_vote\":null", "text that looks like the field is left alone");
        assert_ne!(personal.etag, public.response.etag);
        assert!(personal.etag.starts_with('"') && personal.etag.ends_with('"'));
    }

    #[test]
    fn without_votes_it_is_the_public_response() {
        let public = cached(&json!({"id": 1, "my_vote": null}), vec![1]);
        let personal = with_votes(&public, &HashMap::from([(2, 1)]));
        assert_eq!((personal.body, personal.etag), (public.response.body.clone(), public.response.etag.clone()));
    }

    #[test]
    fn different_votes_give_different_etags() {
        let public = cached(&json!({"id": 1, "my_vote": null}), vec![1]);
        let up = with_votes(&public, &HashMap::from([(1, 1)]));
        let down = with_votes(&public, &HashMap::from([(1, -1)]));
        assert_ne!(up.etag, down.etag);
        assert_eq!(up.etag, with_votes(&public, &HashMap::from([(1, 1)])).etag);
    }
}
