-- Full-text index over articles: an external-content FTS5 table whose rows are
-- written by src/articles/search.rs in the same transaction as the article.
-- What is indexed is the text after Arabic normalisation in Rust (harakat and
-- tatweel removed, alef and yeh forms unified), which unicode61 cannot do;
-- `remove_diacritics 2` handles Latin accents. Never run the 'rebuild'
-- command: it would index the raw text.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title,
    excerpt,
    body,
    content = 'articles',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
