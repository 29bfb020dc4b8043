//! Keyset pagination: opaque cursors, validated limits, `{items, next_cursor}`
//! pages and the `Link: <…>; rel="next"` header.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};
use base64::Engine;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Longest cursor accepted; ours are far shorter, and decoding a huge one is wasted work.
const MAX_CURSOR_LEN: usize = 512;

/// A page size within `1..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    /// `None` gives `default`; anything outside `1..=max` is a 400, never a silent cap.
    pub fn parse(raw: Option<u32>, default: u32, max: u32) -> Result<Self, ApiError> {
        match raw.unwrap_or(default) {
            limit @ 1.. if limit <= max => Ok(Self(limit)),
            _ => Err(ApiError::bad_request("invalid_limit", format!("limit must be between 1 and {max}"))),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The row count to fetch: one more than the page, to learn whether a next page exists.
    pub fn probe(self) -> i64 {
        i64::from(self.0) + 1
    }
}

/// Encodes a keyset position as base64url JSON: opaque to clients, and
/// a cursor from one list used on another fails to decode.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is a 400. An
/// empty `cursor=` is no cursor: the first page.
pub fn decode_cursor<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    let Some(cursor) = cursor.filter(|cursor| !cursor.is_empty()) else {
        return Ok(None);
    };
    let invalid =
        || ApiError::bad_request("invalid_cursor", "the cursor is malformed; use next_cursor from a previous page");
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    // Cursors we issue never hold a NUL, which nothing stored can either.
    if json.windows(6).any(|window| window == b"\\u0000") {
        return Err(invalid());
    }
    serde_json::from_slice(&json).map(Some).map_err(|_| invalid())
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in list order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells
    /// that a next page exists, and the cursor is the key of the last item kept.
    pub fn from_rows<R, K: Serialize>(
        mut rows: Vec<R>,
        limit: Limit,
        key: impl Fn(&R) -> K,
        item: impl FnMut(R) -> T,
    ) -> Self {
        let has_more = rows.len() > limit.get() as usize;
        rows.truncate(limit.get() as usize);
        let next_cursor = has_more.then(|| rows.last().map(|row| encode_cursor(&key(row)))).flatten();
        Self { items: rows.into_iter().map(item).collect(), next_cursor }
    }

    /// The same page with all its items turned into others at once, for
    /// conversions that cost one query per page rather than one per item.
    pub fn try_map_items<U, E>(self, convert: impl FnOnce(Vec<T>) -> Result<Vec<U>, E>) -> Result<Page<U>, E> {
        Ok(Page { items: convert(self.items)?, next_cursor: self.next_cursor })
    }

    /// The `Link` header pointing at the next page: the request's own path and
    /// query, with `cursor` replaced. Re-encoding the query keeps anything a
    /// client sent (CR, LF, quotes) from breaking out of the header.
    pub fn link_header(&self, request: &HttpRequest) -> Option<(header::HeaderName, HeaderValue)> {
        let cursor = self.next_cursor.as_deref()?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in url::form_urlencoded::parse(request.query_string().as_bytes()) {
            if name != "cursor" {
                query.append_pair(&name, &value);
            }
        }
        query.append_pair("cursor", cursor);
        // The path is as received: already percent-encoded by the client.
        let path = request.path().replace(['<', '>'], "");
        let link = format!("<{path}?{}>; rel=\"next\"", query.finish());
        HeaderValue::from_str(&link).ok().map(|value| (header::LINK, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_errors() {
        assert_eq!(Limit::parse(None, 20, 100).unwrap().get(), 20);
        assert_eq!(Limit::parse(Some(100), 20, 100).unwrap().get(), 100);
        assert!(Limit::parse(Some(0), 20, 100).is_err());
        assert!(Limit::parse(Some(101), 20, 100).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = encode_cursor(&(42, "x"));
        assert_eq!(decode_cursor::<(i32, String)>(Some(&cursor)).unwrap(), Some((42, "x".into())));
        assert!(decode_cursor::<(i32, String)>(Some("!!!")).is_err());
        assert!(decode_cursor::<(i32, String)>(Some(&encode_cursor(&"other"))).is_err());
        assert!(decode_cursor::<i32>(Some(&"A".repeat(5000))).is_err());
        assert_eq!(decode_cursor::<i32>(None).unwrap(), None);
        assert_eq!(decode_cursor::<i32>(Some("")).unwrap(), None, "an empty cursor is the first page");
    }

    #[test]
    fn pages_keep_limit_items_and_point_past_the_last() {
        let limit = Limit::parse(Some(2), 20, 100).unwrap();
        let page = Page::from_rows(vec![5, 4, 3], limit, |row| *row, |row| row * 10);
        assert_eq!(page.items, vec![50, 40]);
        assert_eq!(decode_cursor::<i32>(page.next_cursor.as_deref()).unwrap(), Some(4));
        let last = Page::from_rows(vec![5, 4], limit, |row| *row, |row| row);
        assert_eq!(last.next_cursor, None);
    }
}
