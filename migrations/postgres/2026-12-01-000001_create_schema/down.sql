DROP TABLE collection_items, collections, article_votes, pages, article_tags, tags, articles_search,
    article_slugs, article_bodies, articles, categories, password_resets, refresh_tokens, users;
