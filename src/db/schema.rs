// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        user_id -> Uuid,
        key_name -> Text,
        api_key -> Text,
        secret_hash -> Bytea,
        allowed_origins -> Array<Text>,
        is_active -> Bool,
        last_used_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        scopes -> Array<Text>,
    }
}

diesel::table! {
    checkpoints (instance) {
        instance -> Text,
        state -> Bytea,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    metric_configs (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        metric_name -> Text,
        metric_type -> Text,
        labels -> Jsonb,
        help -> Nullable<Text>,
        buckets -> Nullable<Array<Float8>>,
        quantiles -> Nullable<Array<Float8>>,
        auto_track -> Bool,
        tracking_events -> Array<Text>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        is_active -> Bool,
        last_login_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(metric_configs -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    checkpoints,
    metric_configs,
    refresh_tokens,
    users,
);
