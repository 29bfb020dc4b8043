// @generated automatically by Diesel CLI.

diesel::table! {
    article_bodies (article_id) {
        article_id -> Integer,
        body -> Text,
        body_html -> Text,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> Integer,
        article_id -> Integer,
        editor_id -> Nullable<Integer>,
        created_at -> Timestamp,
        summary_of_change -> Text,
        title -> Text,
        excerpt -> Text,
        body -> Text,
        slug -> Text,
        category_id -> Nullable<Integer>,
        tags -> Text,
        cover_image_url -> Nullable<Text>,
        cover_image_id -> Nullable<Integer>,
    }
}

diesel::table! {
    article_slugs (slug) {
        slug -> Text,
        article_id -> Integer,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    article_tallies (article_id) {
        article_id -> Integer,
        votes_up -> Integer,
        votes_down -> Integer,
        score -> Integer,
        hot_rank -> Double,
    }
}

diesel::table! {
    article_votes (user_id, article_id) {
        user_id -> Integer,
        article_id -> Integer,
        value -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        slug -> Text,
        title -> Text,
        excerpt -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        category_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        cover_image_url -> Nullable<Text>,
        reading_time_minutes -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        announced_at -> Nullable<Timestamp>,
        cover_image_id -> Nullable<Integer>,
    }
}

diesel::table! {
    attempt_limits (limit_name, subject) {
        limit_name -> Text,
        subject -> Text,
        tat_ms -> BigInt,
    }
}

diesel::table! {
    categories (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    collection_items (collection_id, article_id) {
        collection_id -> Integer,
        article_id -> Integer,
        added_at -> Timestamp,
        saved_title -> Text,
        saved_slug -> Text,
    }
}

diesel::table! {
    collections (id) {
        id -> Integer,
        owner_id -> Integer,
        name -> Text,
        name_key -> Text,
        description -> Nullable<Text>,
        visibility -> Text,
        article_count -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Integer,
        kind -> Text,
        webhook_id -> Nullable<Integer>,
        event -> Text,
        message_id -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        request_hash -> Binary,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        content_hash -> Text,
        file_key -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        variants -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        uploaded_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_runs (name) {
        name -> Text,
        started_at_ms -> BigInt,
    }
}

diesel::table! {
    pages (slug) {
        slug -> Text,
        title -> Text,
        body -> Text,
        body_html -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Binary,
        user_id -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        family_id -> Text,
        token_hash -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        email_key -> Text,
        display_name -> Text,
        bio -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Integer,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        secret -> Text,
        enabled -> Bool,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wordpress_imports (kind, wordpress_id) {
        kind -> Text,
        wordpress_id -> Text,
        target -> Text,
        fingerprint -> Text,
    }
}

diesel::joinable!(article_bodies -> articles (article_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_revisions -> categories (category_id));
diesel::joinable!(article_revisions -> users (editor_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_tallies -> articles (article_id));
diesel::joinable!(article_votes -> articles (article_id));
diesel::joinable!(article_votes -> users (user_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(articles -> media (cover_image_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(collection_items -> articles (article_id));
diesel::joinable!(collection_items -> collections (collection_id));
diesel::joinable!(collections -> users (owner_id));
diesel::joinable!(deliveries -> webhooks (webhook_id));
diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    article_bodies,
    article_revisions,
    article_slugs,
    article_tags,
    article_tallies,
    article_votes,
    articles,
    attempt_limits,
    categories,
    collection_items,
    collections,
    deliveries,
    idempotency_keys,
    job_runs,
    media,
    pages,
    password_resets,
    refresh_tokens,
    tags,
    users,
    webhooks,
    wordpress_imports,
);
