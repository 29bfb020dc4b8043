-- What `newsroom import-wordpress` made of each WordPress object, so that a
-- second import of the same export changes nothing and an updated export
-- updates what changed: the kind (category, author, post, page), the
-- WordPress id (a nicename, a login or a post id), the newsroom id (or page
-- slug) it became, and a fingerprint of what it was imported from.
CREATE TABLE wordpress_imports (
    kind TEXT COLLATE "C" NOT NULL,
    wordpress_id TEXT COLLATE "C" NOT NULL,
    target TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (kind, wordpress_id)
);
