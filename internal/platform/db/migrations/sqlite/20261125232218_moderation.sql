-- +goose Up
-- add column "reported_at" to table: "encouragements"
ALTER TABLE `encouragements` ADD COLUMN `reported_at` datetime NULL;
-- add column "report_reason" to table: "encouragements"
ALTER TABLE `encouragements` ADD COLUMN `report_reason` text NULL;
-- add column "hidden_at" to table: "encouragements"
ALTER TABLE `encouragements` ADD COLUMN `hidden_at` datetime NULL;
-- add column "hide_reason" to table: "encouragements"
ALTER TABLE `encouragements` ADD COLUMN `hide_reason` text NULL;

-- +goose Down
-- reverse: add column "hide_reason" to table: "encouragements"
ALTER TABLE `encouragements` DROP COLUMN `hide_reason`;
-- reverse: add column "hidden_at" to table: "encouragements"
ALTER TABLE `encouragements` DROP COLUMN `hidden_at`;
-- reverse: add column "report_reason" to table: "encouragements"
ALTER TABLE `encouragements` DROP COLUMN `report_reason`;
-- reverse: add column "reported_at" to table: "encouragements"
ALTER TABLE `encouragements` DROP COLUMN `reported_at`;
