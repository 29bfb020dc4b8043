-- Categories form a tree ("Home / Politics / Elections"). The tree is small, so
-- paths, descendants and cycle checks are computed in Rust from one read.
-- RESTRICT: a category with children (or articles) cannot be deleted (409).
CREATE TABLE categories (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    parent_id INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX categories_parent ON categories (parent_id);
