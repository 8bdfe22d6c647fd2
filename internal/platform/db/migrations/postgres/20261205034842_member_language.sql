-- +goose Up
-- modify "group_sharing_consents" table
ALTER TABLE "group_sharing_consents" ADD COLUMN "text_language" character varying NOT NULL DEFAULT 'en';
-- modify "users" table
ALTER TABLE "users" ADD COLUMN "language" character varying NULL;

-- +goose Down
-- reverse: modify "users" table
ALTER TABLE "users" DROP COLUMN "language";
-- reverse: modify "group_sharing_consents" table
ALTER TABLE "group_sharing_consents" DROP COLUMN "text_language";
