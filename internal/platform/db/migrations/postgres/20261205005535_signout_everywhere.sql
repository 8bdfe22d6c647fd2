-- +goose Up
-- modify "users" table
ALTER TABLE "users" ADD COLUMN "revoked_before" timestamptz NULL;

-- +goose Down
-- reverse: modify "users" table
ALTER TABLE "users" DROP COLUMN "revoked_before";
