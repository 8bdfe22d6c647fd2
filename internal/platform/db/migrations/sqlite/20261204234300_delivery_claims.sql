-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_deliveries" table
CREATE TABLE `new_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `device_id` integer NOT NULL, `user_id` integer NOT NULL, `sent_at` datetime NOT NULL, `state` text NOT NULL DEFAULT ('SENT'), `attempt` text NULL);
-- set sequence for "new_deliveries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_deliveries", 38654705664);
-- copy rows from old table "deliveries" to new temporary table "new_deliveries"
INSERT INTO `new_deliveries` (`id`, `key`, `device_id`, `user_id`, `sent_at`) SELECT `id`, `key`, `device_id`, `user_id`, `sent_at` FROM `deliveries`;
-- drop "deliveries" table after copying rows
DROP TABLE `deliveries`;
-- rename temporary table "new_deliveries" to "deliveries"
ALTER TABLE `new_deliveries` RENAME TO `deliveries`;
-- create index "delivery_key_device_id" to table: "deliveries"
CREATE UNIQUE INDEX `delivery_key_device_id` ON `deliveries` (`key`, `device_id`);
-- create index "delivery_user_id" to table: "deliveries"
CREATE INDEX `delivery_user_id` ON `deliveries` (`user_id`);
-- create index "delivery_sent_at" to table: "deliveries"
CREATE INDEX `delivery_sent_at` ON `deliveries` (`sent_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "delivery_sent_at" to table: "deliveries"
DROP INDEX `delivery_sent_at`;
-- reverse: create index "delivery_user_id" to table: "deliveries"
DROP INDEX `delivery_user_id`;
-- reverse: create index "delivery_key_device_id" to table: "deliveries"
DROP INDEX `delivery_key_device_id`;
-- reverse: set sequence for "new_deliveries" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_deliveries";
-- reverse: create "new_deliveries" table
DROP TABLE `new_deliveries`;
