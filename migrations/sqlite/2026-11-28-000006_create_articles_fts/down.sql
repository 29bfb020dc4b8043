DROP TABLE articles_fts;
