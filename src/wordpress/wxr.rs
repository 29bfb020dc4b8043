//! A streaming reader of WordPress eXtended RSS (WXR 1.0–1.2), the file of
//! Tools → Export. It yields one record at a time (a category, a tag, an
//! author, an item), so memory stays flat in the file's size, and bounded in
//! the size of any one text in it: the XML reader holds a whole text at once,
//! so a text past [`MAX_EVENT_BYTES`] stops the import, and a field keeps at
//! most [`MAX_FIELD_BYTES`] (the item is marked [`Item::oversized`]).
//!
//! Exporters declare the WordPress namespace as `http://` or `https://`
//! `wordpress.org/export/1.0/`, `1.1/` or `1.2/`: as WordPress's own importer
//! does, the namespace of the `wp` prefix is read from the document, and
//! elements are matched by namespace, not by prefix.

use std::io::{BufRead, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

pub use super::records::{Author, Category, Item, Record, Term};

/// The longest text, tag or comment read at all: far past any field newsroom
/// keeps, small enough that reading one costs a bounded amount of memory.
pub const MAX_EVENT_BYTES: usize = 64 << 20;

/// The most of one field kept; an item with a longer field is
/// [`Item::oversized`]. A body this long in HTML is far over what an article
/// may hold in Markdown.
pub const MAX_FIELD_BYTES: usize = 4 << 20;

/// Where an export comes from, for messages about files that are not one.
const EXPORT_HINT: &str = "(WordPress makes an export under Tools → Export → All content: an .xml file)";

const CONTENT_NS: &[u8] = b"http://purl.org/rss/1.0/modules/content/";
const DC_NS: &[u8] = b"http://purl.org/dc/elements/1.1/";

#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error("not well-formed XML: {message}")]
    Xml { offset: u64, message: String },
    #[error("this is not a WordPress export (WXR): {0}")]
    NotWxr(String),
    #[error("WXR version {0} is not one this importer reads (1.0, 1.1, 1.2)")]
    Version(String),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("one text, tag or comment is longer than {} MiB, far longer than anything newsroom keeps", MAX_EVENT_BYTES >> 20)]
    TooLong { offset: u64 },
}

/// The file as the XML reader reads it, with a count of the bytes handed
/// out since the current event began: past [`MAX_EVENT_BYTES`], reading fails.
struct EventBudget<R> {
    inner: R,
    used: usize,
}

impl<R> EventBudget<R> {
    fn exhausted(&self) -> bool {
        self.used > MAX_EVENT_BYTES
    }
}

impl<R: Read> Read for EventBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.used += read;
        Ok(read)
    }
}

impl<R: BufRead> BufRead for EventBudget<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.exhausted() {
            return Err(std::io::Error::other("an event past the size limit"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.used += amount;
        self.inner.consume(amount);
    }
}

/// Which namespace an element is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    None,
    Wp,
    Excerpt,
    Content,
    Dc,
    Other,
}

/// Reads records from a WXR document.
pub struct WxrReader<R: BufRead> {
    reader: NsReader<EventBudget<R>>,
    buf: Vec<u8>,
    wp_ns: Option<Vec<u8>>,
    excerpt_ns: Option<Vec<u8>>,
    /// Elements open above the current one.
    path: Vec<(Ns, String)>,
    text: String,
    /// Part of the current text was left out of `text`.
    text_cut: bool,
    item: Option<Item>,
    category: Option<Category>,
    author: Option<Author>,
    tag: Option<(String, String)>,
    meta: Option<(String, String)>,
    term: Option<Term>,
    version_seen: bool,
    saw_rss: bool,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(source: R) -> Self {
        Self {
            reader: NsReader::from_reader(EventBudget { inner: source, used: 0 }),
            buf: Vec::new(),
            wp_ns: None,
            excerpt_ns: None,
            path: Vec::new(),
            text: String::new(),
            text_cut: false,
            item: None,
            category: None,
            author: None,
            tag: None,
            meta: None,
            term: None,
            version_seen: false,
            saw_rss: false,
        }
    }

    /// Bytes read so far, for a progress bar.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn error(&self, message: impl ToString) -> WxrError {
        WxrError::Xml { offset: self.reader.buffer_position(), message: message.to_string() }
    }

    fn ns(wp_ns: Option<&[u8]>, excerpt_ns: Option<&[u8]>, resolved: &ResolveResult<'_>) -> Ns {
        match resolved {
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Bound(Namespace(uri)) => {
                if wp_ns == Some(*uri) {
                    Ns::Wp
                } else if excerpt_ns == Some(*uri) {
                    Ns::Excerpt
                } else if *uri == CONTENT_NS {
                    Ns::Content
                } else if *uri == DC_NS {
                    Ns::Dc
                } else {
                    Ns::Other
                }
            }
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }

    /// The next record, `None` at the end of the document.
    pub fn next_record(&mut self) -> Result<Option<Record>, WxrError> {
        loop {
            // The event borrows the buffer, which goes back when it is done.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            self.reader.get_mut().used = 0;
            let started = self.reader.buffer_position();
            let (wp_ns, excerpt_ns) = (self.wp_ns.as_deref(), self.excerpt_ns.as_deref());
            let read = self
                .reader
                .read_resolved_event_into(&mut buf)
                .map(|(resolved, event)| (Self::ns(wp_ns, excerpt_ns, &resolved), event));
            let (ns, event) = match read {
                Ok(read) => read,
                Err(_) if self.reader.get_mut().exhausted() => {
                    return Err(WxrError::TooLong { offset: started });
                }
                Err(error) => return Err(self.error(error)),
            };
            let record = self.take(ns, event);
            self.buf = buf;
            if let Some(record) = record? {
                return Ok(record);
            }
        }
    }

    /// Takes in one event: `Some` when it ends a record (`Some(None)` at the
    /// end of the document), `None` to read on.
    fn take(&mut self, ns: Ns, event: Event<'_>) -> Result<Option<Option<Record>>, WxrError> {
        {
            match event {
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    self.open(ns, &name, &start)?;
                    self.path.push((ns, name));
                    self.clear_text();
                }
                Event::Empty(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    self.open(ns, &name, &start)?;
                    self.clear_text();
                    if let Some(record) = self.close(ns, &name)? {
                        return Ok(Some(Some(record)));
                    }
                }
                Event::End(_) => {
                    let (ns, name) =
                        self.path.pop().ok_or_else(|| self.error("a closing tag without its opening tag"))?;
                    if let Some(record) = self.close(ns, &name)? {
                        return Ok(Some(Some(record)));
                    }
                    self.clear_text();
                }
                Event::Text(text) => {
                    let text = text.decode().map_err(|e| self.error(e))?;
                    if self.path.is_empty() && !self.saw_rss && !text.trim().is_empty() {
                        return Err(WxrError::NotWxr(format!("it starts with text, not XML {EXPORT_HINT}")));
                    }
                    self.push_text(&text);
                }
                Event::CData(data) => {
                    let data = data.decode().map_err(|e| self.error(e))?;
                    self.push_text(&data);
                }
                Event::GeneralRef(reference) => {
                    if let Ok(Some(c)) = reference.resolve_char_ref() {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    } else {
                        let name = reference.decode().map_err(|e| self.error(e))?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(resolved) => self.push_text(resolved),
                            None => return Err(self.error(format!("unknown entity &{name};"))),
                        }
                    }
                }
                Event::Eof => {
                    if !self.path.is_empty() {
                        return Err(self.error("the file ends inside an element: it is truncated"));
                    }
                    if !self.saw_rss {
                        return Err(WxrError::NotWxr(format!("there is no <rss> element {EXPORT_HINT}")));
                    }
                    return Ok(Some(None));
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        Ok(None)
    }

    fn push_text(&mut self, text: &str) {
        if self.text.len() + text.len() > MAX_FIELD_BYTES {
            self.text_cut = true;
        } else {
            self.text.push_str(text);
        }
    }

    fn clear_text(&mut self) {
        self.text.clear();
        self.text_cut = false;
    }

    fn open(&mut self, ns: Ns, name: &str, start: &BytesStart<'_>) -> Result<(), WxrError> {
        let depth = self.path.len();
        match (depth, ns, name) {
            (0, Ns::None, "rss") => {
                self.saw_rss = true;
                for attribute in start.attributes().flatten() {
                    let key = attribute.key.as_ref();
                    let value = attribute
                        .decoded_and_normalized_value(XmlVersion::Implicit1_0, self.reader.decoder())
                        .map_err(|e| self.error(e))?
                        .into_owned()
                        .into_bytes();
                    match key {
                        b"xmlns:wp" => self.wp_ns = Some(value),
                        b"xmlns:excerpt" => self.excerpt_ns = Some(value),
                        _ => {}
                    }
                }
                let wp = self.wp_ns.as_deref().map(String::from_utf8_lossy).unwrap_or_default().into_owned();
                let known = ["http://wordpress.org/export/", "https://wordpress.org/export/"];
                if !known.iter().any(|prefix| wp.starts_with(prefix)) {
                    return Err(WxrError::NotWxr(format!("the wp prefix names {wp:?}, not wordpress.org/export/")));
                }
            }
            (0, _, other) => {
                return Err(WxrError::NotWxr(format!("it starts with <{other}>, not <rss> {EXPORT_HINT}")));
            }
            (2, _, "item") => {
                if !self.version_seen {
                    return Err(WxrError::NotWxr("an item comes before <wp:wxr_version>".into()));
                }
                self.item = Some(Item { offset: self.reader.buffer_position(), ..Item::default() });
            }
            (2, Ns::Wp, "category") => self.category = Some(Category::default()),
            (2, Ns::Wp, "author") => self.author = Some(Author::default()),
            (2, Ns::Wp, "tag") => self.tag = Some(Default::default()),
            (3, Ns::None, "category") if self.item.is_some() => {
                let decoder = self.reader.decoder();
                let attribute = |name: &str| {
                    start
                        .try_get_attribute(name)
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            a.decoded_and_normalized_value(XmlVersion::Implicit1_0, decoder)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                        .unwrap_or_default()
                };
                self.term =
                    Some(Term { domain: attribute("domain"), nicename: attribute("nicename"), name: String::new() });
            }
            (3, Ns::Wp, "postmeta") if self.item.is_some() => self.meta = Some(Default::default()),
            (3, Ns::Wp, "comment") => {
                if let Some(item) = &mut self.item {
                    item.comments += 1;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, ns: Ns, name: &str) -> Result<Option<Record>, WxrError> {
        let text = std::mem::take(&mut self.text);
        if std::mem::take(&mut self.text_cut)
            && let Some(item) = &mut self.item
        {
            item.oversized = true;
        }
        let depth = self.path.len();
        if depth == 2 && ns == Ns::Wp && name == "wxr_version" {
            let version = text.trim();
            if !matches!(version, "1.0" | "1.1" | "1.2") {
                return Err(WxrError::Version(version.to_owned()));
            }
            self.version_seen = true;
            return Ok(None);
        }
        if depth == 2 {
            return Ok(match (ns, name) {
                (Ns::None, "item") => self.item.take().map(|item| Record::Item(Box::new(item))),
                (Ns::Wp, "category") => self.category.take().map(Record::Category),
                (Ns::Wp, "author") => self.author.take().map(Record::Author),
                (Ns::Wp, "tag") => self.tag.take().map(|(slug, name)| Record::Tag { slug, name }),
                _ => None,
            });
        }
        if let Some(category) = &mut self.category {
            match (ns, name) {
                (Ns::Wp, "term_id") => category.term_id = text.trim().to_owned(),
                (Ns::Wp, "category_nicename") => category.nicename = text,
                (Ns::Wp, "category_parent") => category.parent = text,
                (Ns::Wp, "cat_name") => category.name = text,
                (Ns::Wp, "category_description") => category.description = text,
                _ => {}
            }
        } else if let Some(author) = &mut self.author {
            match (ns, name) {
                (Ns::Wp, "author_login") => author.login = text,
                (Ns::Wp, "author_email") => author.email = text,
                (Ns::Wp, "author_display_name") => author.display_name = text,
                _ => {}
            }
        } else if let Some(tag) = &mut self.tag {
            match (ns, name) {
                (Ns::Wp, "tag_slug") => tag.0 = text,
                (Ns::Wp, "tag_name") => tag.1 = text,
                _ => {}
            }
        } else if let Some(item) = &mut self.item {
            if let Some(meta) = &mut self.meta {
                match (ns, name) {
                    (Ns::Wp, "meta_key") => meta.0 = text,
                    (Ns::Wp, "meta_value") => meta.1 = text,
                    (Ns::Wp, "postmeta") => {
                        let (key, value) = std::mem::take(meta);
                        item.meta.insert(key, value);
                        self.meta = None;
                    }
                    _ => {}
                }
                return Ok(None);
            }
            if depth != 3 {
                return Ok(None);
            }
            match (ns, name) {
                (Ns::None, "title") => item.title = text,
                (Ns::None, "link") => item.link = text.trim().to_owned(),
                (Ns::None, "category") => {
                    if let Some(mut term) = self.term.take() {
                        term.name = text;
                        item.terms.push(term);
                    }
                }
                (Ns::Dc, "creator") => item.creator = text,
                (Ns::Content, "encoded") => item.content = text,
                (Ns::Excerpt, "encoded") => item.excerpt = text,
                (Ns::Wp, "post_id") => item.post_id = text.trim().to_owned(),
                (Ns::Wp, "post_date") => item.post_date = text.trim().to_owned(),
                (Ns::Wp, "post_date_gmt") => item.post_date_gmt = text.trim().to_owned(),
                (Ns::Wp, "post_name") => item.post_name = text.trim().to_owned(),
                (Ns::Wp, "status") => item.status = text.trim().to_owned(),
                (Ns::Wp, "post_type") => item.post_type = text.trim().to_owned(),
                (Ns::Wp, "is_sticky") => item.is_sticky = text.trim() == "1",
                (Ns::Wp, "post_password") => item.password_protected = !text.is_empty(),
                (Ns::Wp, "attachment_url") => item.attachment_url = text.trim().to_owned(),
                _ => {}
            }
        }
        Ok(None)
    }
}
