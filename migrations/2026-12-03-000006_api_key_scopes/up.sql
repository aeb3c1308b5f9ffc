-- What a key may do: push metrics, read its owner's series through /prometheus, or both.
-- Existing keys keep push only.
ALTER TABLE api_keys
    ADD COLUMN scopes TEXT[] NOT NULL DEFAULT '{push}'
    CONSTRAINT api_keys_scopes_known CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['push', 'read']::TEXT[]);
