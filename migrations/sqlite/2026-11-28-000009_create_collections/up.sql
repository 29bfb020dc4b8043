-- Readers' named lists of saved articles. `name_key` is the name after NFKC
-- normalisation and Unicode lowercasing, computed in Rust (SQLite's NOCASE
-- folds ASCII only), so "Libya"/"LIBYA" and "Ä"/"ä" collide per owner.
-- `article_count` is kept exact in the same transaction as every add and
-- remove.
CREATE TABLE collections (
    id INTEGER PRIMARY KEY NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    article_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (owner_id, name_key)
);

CREATE INDEX collections_by_owner ON collections (owner_id, id);
CREATE INDEX collections_public_by_owner ON collections (owner_id, visibility, id);

-- Saved articles. Articles are only ever soft-deleted, so an item outlives
-- its article being unpublished or deleted and the owner still sees it.
CREATE TABLE collection_items (
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (collection_id, article_id)
);

CREATE INDEX collection_items_by_added ON collection_items (collection_id, added_at, article_id);
CREATE INDEX collection_items_by_article ON collection_items (article_id);
