-- The media library (API.md §11). Files are content-addressed: the folder
-- of an upload's files is the SHA-256 of the bytes uploaded, so the same
-- upload is stored once however many rows (each with its own alt text and
-- caption) name it; its files go with the last of them. `file_key` is the
-- stored original, cleaned of metadata; `variants` the resized copies, as
-- JSON [{key, width, height, content_type, bytes}].
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    content_hash TEXT NOT NULL,
    file_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    variants TEXT NOT NULL,
    alt TEXT,
    caption TEXT,
    credit TEXT,
    uploaded_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX media_by_hash ON media (content_hash);
CREATE INDEX media_by_uploader ON media (uploaded_by, id);

-- An article's cover from the library; a media row cannot go while one
-- names it (the API answers 409 `media_in_use` first).
ALTER TABLE articles ADD COLUMN cover_image_id INTEGER REFERENCES media (id);
CREATE INDEX articles_by_cover ON articles (cover_image_id);

-- A revision keeps the cover it had; a revision cannot hold an image back
-- from deletion, so it loses the cover instead.
ALTER TABLE article_revisions ADD COLUMN cover_image_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
