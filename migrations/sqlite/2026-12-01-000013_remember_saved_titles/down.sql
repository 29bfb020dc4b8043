ALTER TABLE collection_items DROP COLUMN saved_slug;
ALTER TABLE collection_items DROP COLUMN saved_title;
