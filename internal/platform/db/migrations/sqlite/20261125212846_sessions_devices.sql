-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- add column "schedule_weekday" to table: "groups"
ALTER TABLE `groups` ADD COLUMN `schedule_weekday` integer NULL;
-- add column "schedule_start" to table: "groups"
ALTER TABLE `groups` ADD COLUMN `schedule_start` text NULL;
-- add column "schedule_minutes" to table: "groups"
ALTER TABLE `groups` ADD COLUMN `schedule_minutes` integer NULL;
-- add column "schedule_location" to table: "groups"
ALTER TABLE `groups` ADD COLUMN `schedule_location` text NULL;
-- add column "sessions_until" to table: "groups"
ALTER TABLE `groups` ADD COLUMN `sessions_until` datetime NULL;
-- create "new_users" table
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `firebase_uid` text NOT NULL, `email` text NULL, `therapist` bool NOT NULL DEFAULT (false), `phone` text NULL, `reminder_lead_minutes` json NULL, `quiet_hours_start` text NULL, `quiet_hours_end` text NULL, `time_zone` text NULL, `encouragement_pushes` bool NOT NULL DEFAULT (true));
-- set sequence for "new_users" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_users", 21474836480);
-- copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `firebase_uid`, `email`, `therapist`, `phone`) SELECT `id`, `created_at`, `updated_at`, `firebase_uid`, `email`, `therapist`, `phone` FROM `users`;
-- drop "users" table after copying rows
DROP TABLE `users`;
-- rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- create index "users_firebase_uid_key" to table: "users"
CREATE UNIQUE INDEX `users_firebase_uid_key` ON `users` (`firebase_uid`);
-- create "deliveries" table
CREATE TABLE `deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `device_id` integer NOT NULL, `user_id` integer NOT NULL, `sent_at` datetime NOT NULL);
-- set sequence for "deliveries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("deliveries", 38654705664);
-- create index "delivery_key_device_id" to table: "deliveries"
CREATE UNIQUE INDEX `delivery_key_device_id` ON `deliveries` (`key`, `device_id`);
-- create index "delivery_user_id" to table: "deliveries"
CREATE INDEX `delivery_user_id` ON `deliveries` (`user_id`);
-- create index "delivery_sent_at" to table: "deliveries"
CREATE INDEX `delivery_sent_at` ON `deliveries` (`sent_at`);
-- create "devices" table
CREATE TABLE `devices` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token` text NOT NULL, `platform` text NOT NULL, `locale` text NOT NULL DEFAULT ('en-US'), `last_seen_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `devices_users_devices` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "devices" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("devices", 42949672960);
-- create index "devices_token_key" to table: "devices"
CREATE UNIQUE INDEX `devices_token_key` ON `devices` (`token`);
-- create index "device_user_id" to table: "devices"
CREATE INDEX `device_user_id` ON `devices` (`user_id`);
-- create "group_sessions" table
CREATE TABLE `group_sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('SCHEDULED'), `location` text NULL, `occurrence` text NULL, `detached` bool NOT NULL DEFAULT (false), `group_id` integer NOT NULL, CONSTRAINT `group_sessions_groups_sessions` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION);
-- set sequence for "group_sessions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("group_sessions", 47244640256);
-- create index "groupsession_group_id_occurrence" to table: "group_sessions"
CREATE UNIQUE INDEX `groupsession_group_id_occurrence` ON `group_sessions` (`group_id`, `occurrence`);
-- create index "groupsession_group_id_starts_at" to table: "group_sessions"
CREATE INDEX `groupsession_group_id_starts_at` ON `group_sessions` (`group_id`, `starts_at`);
-- create index "groupsession_starts_at" to table: "group_sessions"
CREATE INDEX `groupsession_starts_at` ON `group_sessions` (`starts_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "groupsession_starts_at" to table: "group_sessions"
DROP INDEX `groupsession_starts_at`;
-- reverse: create index "groupsession_group_id_starts_at" to table: "group_sessions"
DROP INDEX `groupsession_group_id_starts_at`;
-- reverse: create index "groupsession_group_id_occurrence" to table: "group_sessions"
DROP INDEX `groupsession_group_id_occurrence`;
-- reverse: set sequence for "group_sessions" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "group_sessions";
-- reverse: create "group_sessions" table
DROP TABLE `group_sessions`;
-- reverse: create index "device_user_id" to table: "devices"
DROP INDEX `device_user_id`;
-- reverse: create index "devices_token_key" to table: "devices"
DROP INDEX `devices_token_key`;
-- reverse: set sequence for "devices" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "devices";
-- reverse: create "devices" table
DROP TABLE `devices`;
-- reverse: create index "delivery_sent_at" to table: "deliveries"
DROP INDEX `delivery_sent_at`;
-- reverse: create index "delivery_user_id" to table: "deliveries"
DROP INDEX `delivery_user_id`;
-- reverse: create index "delivery_key_device_id" to table: "deliveries"
DROP INDEX `delivery_key_device_id`;
-- reverse: set sequence for "deliveries" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "deliveries";
-- reverse: create "deliveries" table
DROP TABLE `deliveries`;
-- reverse: create index "users_firebase_uid_key" to table: "users"
DROP INDEX `users_firebase_uid_key`;
-- reverse: set sequence for "new_users" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_users";
-- reverse: create "new_users" table
DROP TABLE `new_users`;
-- reverse: add column "sessions_until" to table: "groups"
ALTER TABLE `groups` DROP COLUMN `sessions_until`;
-- reverse: add column "schedule_location" to table: "groups"
ALTER TABLE `groups` DROP COLUMN `schedule_location`;
-- reverse: add column "schedule_minutes" to table: "groups"
ALTER TABLE `groups` DROP COLUMN `schedule_minutes`;
-- reverse: add column "schedule_start" to table: "groups"
ALTER TABLE `groups` DROP COLUMN `schedule_start`;
-- reverse: add column "schedule_weekday" to table: "groups"
ALTER TABLE `groups` DROP COLUMN `schedule_weekday`;
