//! Attachments: remembered, so that a post (in this file or a later one of
//! a split export) can name one as its featured image, the article's cover.

use super::db;
use super::import::{ImportError, Importer};
use super::wxr::Item;
use crate::articles::db as articles_db;
use crate::articles::fields;
use crate::articles::write::{self, Edit};

impl Importer<'_> {
    pub(super) fn attachment(&mut self, item: &Item) -> Result<(), ImportError> {
        db::remember(self.conn, "attachment", &item.post_id, &item.attachment_url, "")?;
        self.attachments.insert(item.post_id.clone(), item.attachment_url.clone());
        if self.uploads.is_none() {
            self.report.skip("attachments (kept only as featured images; --uploads brings their files in)", 1);
        }
        Ok(())
    }

    /// Gives the articles written by this import the featured images their
    /// posts name, once every attachment of the file has been read.
    pub(super) fn set_covers(&mut self) -> Result<(), ImportError> {
        for (article, thumbnail) in std::mem::take(&mut self.covers) {
            if let Some(media) = self.library.media_of(&thumbnail) {
                self.set_cover(article, fields::Cover::Library(media))?;
                continue;
            }
            let url = match self.attachments.get(&thumbnail) {
                Some(url) => Some(url.clone()),
                None => db::find(self.conn, "attachment", &thumbnail)?.map(|(url, _)| url),
            };
            let Some(url) = url.filter(|url| !url.is_empty()) else { continue };
            match fields::cover_image_url(&url) {
                Ok(url) => self.set_cover(article, fields::Cover::Hosted(url))?,
                Err(_) => self.report.skip("featured images whose URL is not one the API takes", 1),
            }
        }
        Ok(())
    }

    fn set_cover(&mut self, article: i32, cover: fields::Cover) -> Result<(), ImportError> {
        let row = articles_db::reload(self.conn, article)?;
        let edit = Edit { cover: Some(Some(cover)), ..Edit::default() };
        write::apply_update(self.conn, &mut self.effects, &self.tree, &self.media, &row, edit, self.history)?;
        Ok(())
    }
}
