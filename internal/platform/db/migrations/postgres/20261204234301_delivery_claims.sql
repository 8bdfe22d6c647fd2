-- +goose Up
-- modify "deliveries" table
ALTER TABLE "deliveries" ADD COLUMN "state" character varying NOT NULL DEFAULT 'SENT', ADD COLUMN "attempt" character varying NULL;

-- +goose Down
-- reverse: modify "deliveries" table
ALTER TABLE "deliveries" DROP COLUMN "attempt", DROP COLUMN "state";
