DROP TABLE article_tags;
DROP TABLE tags;
DROP TABLE article_slugs;
DROP TABLE articles;
