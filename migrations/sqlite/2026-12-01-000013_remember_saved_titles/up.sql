-- What a saved article was called when it was saved, or when it was last
-- public: the owner's tombstone shows this, not whatever the article was
-- retitled to after it left public view. Kept up to date by every write
-- after which the article is public.
ALTER TABLE collection_items ADD COLUMN saved_title TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_items ADD COLUMN saved_slug TEXT NOT NULL DEFAULT '';
UPDATE collection_items SET
    saved_title = (SELECT title FROM articles WHERE articles.id = collection_items.article_id),
    saved_slug = (SELECT slug FROM articles WHERE articles.id = collection_items.article_id);
