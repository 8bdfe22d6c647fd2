-- +goose Up
-- add column "revoked_before" to table: "users"
ALTER TABLE `users` ADD COLUMN `revoked_before` datetime NULL;

-- +goose Down
-- reverse: add column "revoked_before" to table: "users"
ALTER TABLE `users` DROP COLUMN `revoked_before`;
