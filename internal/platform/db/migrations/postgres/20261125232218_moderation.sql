-- +goose Up
-- modify "encouragements" table
ALTER TABLE "encouragements" ADD COLUMN "reported_at" timestamptz NULL, ADD COLUMN "report_reason" text NULL, ADD COLUMN "hidden_at" timestamptz NULL, ADD COLUMN "hide_reason" text NULL;

-- +goose Down
-- reverse: modify "encouragements" table
ALTER TABLE "encouragements" DROP COLUMN "hide_reason", DROP COLUMN "hidden_at", DROP COLUMN "report_reason", DROP COLUMN "reported_at";
