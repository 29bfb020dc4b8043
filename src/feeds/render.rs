//! One feed in three formats: RSS 2.0 (`rss`), Atom 1.0 (`atom_syndication`)
//! and JSON Feed 1.1 (serde). The XML crates escape markup; what they cannot
//! do is drop the characters XML 1.0 forbids outright, which [`xml_text`] does
//! to every text first.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::db::FeedImage;

/// An article as a feed shows it.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub id: i32,
    pub url: String,
    pub title: String,
    pub summary: String,
    pub html: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub author: Option<String>,
    /// The category's name first, then the tags'.
    pub categories: Vec<String>,
    pub language: &'static str,
    pub cover: Option<FeedImage>,
}

/// What a feed is about, and where it lives.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    pub title: String,
    pub description: String,
    /// The public site's page for the same articles.
    pub home: String,
    /// This feed's own URL.
    pub url: String,
    /// The site's tag URI prefix (RFC 4151), `tag:news.example,2026`: ids
    /// of the feed and of its entries start with it.
    pub authority: String,
    pub language: &'static str,
}

impl FeedInfo {
    /// The id of an entry: stable across slug changes, and the same in every
    /// feed and format that carries the article.
    fn entry_id(&self, entry: &FeedEntry) -> String {
        format!("{}:article:{}", self.authority, entry.id)
    }

    fn feed_id(&self) -> String {
        let path = self.url.split_once("://").and_then(|(_, rest)| rest.split_once('/')).map_or("", |(_, path)| path);
        format!("{}:{path}", self.authority)
    }
}

/// The newest change among `entries`; `None` for an empty feed.
pub fn last_change(entries: &[FeedEntry]) -> Option<DateTime<Utc>> {
    entries.iter().map(|entry| entry.updated.max(entry.published)).max()
}

/// `text` without the characters XML 1.0 does not allow at all (most C0
/// controls, U+FFFE, U+FFFF): escaping cannot make those valid.
pub fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

/// `ar` for text mostly in Arabic script, else `en`: the model has no
/// language field, and the site publishes in these two.
pub fn language_of(text: &str) -> &'static str {
    let (mut arabic, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
        {
            arabic += 1;
        } else if c.is_alphabetic() {
            latin += 1;
        }
    }
    if arabic > latin { "ar" } else { "en" }
}

pub fn rss(info: &FeedInfo, entries: &[FeedEntry]) -> Vec<u8> {
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let items = entries
        .iter()
        .map(|entry| rss::Item {
            title: Some(xml_text(&entry.title)),
            link: Some(entry.url.clone()),
            description: Some(xml_text(&entry.summary)),
            categories: entry
                .categories
                .iter()
                .map(|name| rss::Category { name: xml_text(name), domain: None })
                .collect(),
            guid: Some(rss::Guid { value: info.entry_id(entry), permalink: false }),
            pub_date: Some(entry.published.to_rfc2822()),
            // RSS asks for a length; 0 is what readers take for "unknown".
            enclosure: entry.cover.as_ref().map(|cover| rss::Enclosure {
                url: cover.url.clone(),
                length: cover.bytes.unwrap_or(0).to_string(),
                mime_type: cover.content_type.clone(),
            }),
            content: Some(xml_text(&entry.html)),
            dublin_core_ext: Some(DublinCoreExtension {
                creators: entry.author.iter().map(|name| xml_text(name)).collect(),
                languages: vec![entry.language.to_owned()],
                ..DublinCoreExtension::default()
            }),
            ..rss::Item::default()
        })
        .collect();
    let channel = rss::Channel {
        title: xml_text(&info.title),
        link: info.home.clone(),
        description: xml_text(&info.description),
        language: Some(info.language.to_owned()),
        last_build_date: last_change(entries).map(|at| at.to_rfc2822()),
        generator: Some("newsroom".to_owned()),
        items,
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: info.url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
        }),
        ..rss::Channel::default()
    };
    channel.to_string().into_bytes()
}

pub fn atom(info: &FeedInfo, entries: &[FeedEntry]) -> Vec<u8> {
    use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Text};
    let link = |href: &str, rel: &str, mime_type: &str| Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        ..Link::default()
    };
    let in_language =
        |text: &str, language: &str| Text { lang: Some(language.to_owned()), ..Text::plain(xml_text(text)) };
    let feed = Feed {
        title: Text::plain(xml_text(&info.title)),
        id: info.feed_id(),
        updated: last_change(entries).unwrap_or_default().fixed_offset(),
        subtitle: Some(Text::plain(xml_text(&info.description))),
        links: vec![link(&info.url, "self", "application/atom+xml"), link(&info.home, "alternate", "text/html")],
        generator: Some(atom_syndication::Generator { value: "newsroom".to_owned(), ..Default::default() }),
        entries: entries
            .iter()
            .map(|entry| Entry {
                title: in_language(&entry.title, entry.language),
                id: info.entry_id(entry),
                updated: entry.updated.max(entry.published).fixed_offset(),
                published: Some(entry.published.fixed_offset()),
                authors: entry.author.iter().map(|name| Person { name: xml_text(name), ..Person::default() }).collect(),
                categories: entry
                    .categories
                    .iter()
                    .map(|name| Category { term: xml_text(name), ..Category::default() })
                    .collect(),
                links: std::iter::once(link(&entry.url, "alternate", "text/html"))
                    .chain(entry.cover.iter().map(|cover| Link {
                        length: cover.bytes.map(|bytes| bytes.to_string()),
                        ..link(&cover.url, "enclosure", &cover.content_type)
                    }))
                    .collect(),
                summary: Some(in_language(&entry.summary, entry.language)),
                content: Some(Content {
                    value: Some(xml_text(&entry.html)),
                    content_type: Some("html".to_owned()),
                    lang: Some(entry.language.to_owned()),
                    ..Content::default()
                }),
                ..Entry::default()
            })
            .collect(),
        ..Feed::default()
    };
    feed.to_string().into_bytes()
}

/// A JSON Feed 1.1 document (<https://jsonfeed.org/version/1.1>).
#[derive(Serialize, ToSchema)]
pub struct JsonFeed {
    /// `https://jsonfeed.org/version/1.1`
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    description: String,
    language: &'static str,
    items: Vec<JsonFeedItem>,
}

/// One article of a JSON Feed.
#[derive(Serialize, ToSchema)]
pub struct JsonFeedItem {
    id: String,
    url: String,
    title: String,
    summary: String,
    content_html: String,
    /// The cover image's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonFeedAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    language: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    name: String,
}

pub fn json(info: &FeedInfo, entries: &[FeedEntry]) -> Result<Vec<u8>, serde_json::Error> {
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: info.title.clone(),
        home_page_url: info.home.clone(),
        feed_url: info.url.clone(),
        description: info.description.clone(),
        language: info.language,
        items: entries
            .iter()
            .map(|entry| JsonFeedItem {
                id: info.entry_id(entry),
                url: entry.url.clone(),
                title: entry.title.clone(),
                summary: entry.summary.clone(),
                content_html: entry.html.clone(),
                image: entry.cover.as_ref().map(|cover| cover.url.clone()),
                date_published: time(entry.published),
                date_modified: time(entry.updated.max(entry.published)),
                authors: entry.author.iter().map(|name| JsonFeedAuthor { name: name.clone() }).collect(),
                tags: entry.categories.clone(),
                language: entry.language,
            })
            .collect(),
    };
    serde_json::to_vec(&feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_loses_only_what_xml_forbids() {
        assert_eq!(xml_text("a\u{0}b\u{1}c\u{B}d\te\nf\u{FFFE}g <&> 🎉 عربي"), "abcd\te\nfg <&> 🎉 عربي");
    }

    #[test]
    fn arabic_text_is_arabic() {
        assert_eq!(language_of("الميزانية الجديدة 2026"), "ar");
        assert_eq!(language_of("Parliament passes the budget"), "en");
        assert_eq!(language_of("Libya ليبيا: the vote"), "en");
    }
}
