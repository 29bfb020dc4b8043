// @generated automatically by Diesel CLI.

diesel::table! {
    password_resets (user_id) {
        user_id -> Integer,
        token_hash -> Binary,
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

diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(password_resets, refresh_tokens, users,);
