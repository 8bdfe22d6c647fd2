-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_group_invites" table
CREATE TABLE `new_group_invites` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `expires_at` datetime NOT NULL, `role` text NOT NULL DEFAULT ('MEMBER'), `revoked_at` datetime NULL, `group_id` integer NOT NULL, `created_by_id` integer NOT NULL, CONSTRAINT `group_invites_groups_invites` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `group_invites_memberships_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_group_invites" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_group_invites", 8589934592);
-- copy rows from old table "group_invites" to new temporary table "new_group_invites"
INSERT INTO `new_group_invites` (`id`, `created_at`, `updated_at`, `code`, `expires_at`, `revoked_at`, `group_id`, `created_by_id`) SELECT `id`, `created_at`, `updated_at`, `code`, `expires_at`, `revoked_at`, `group_id`, `created_by_id` FROM `group_invites`;
-- drop "group_invites" table after copying rows
DROP TABLE `group_invites`;
-- rename temporary table "new_group_invites" to "group_invites"
ALTER TABLE `new_group_invites` RENAME TO `group_invites`;
-- create index "group_invites_code_key" to table: "group_invites"
CREATE UNIQUE INDEX `group_invites_code_key` ON `group_invites` (`code`);
-- create "new_reflections" table
CREATE TABLE `new_reflections` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `client_id` uuid NOT NULL, `body` text NOT NULL, `mood` integer NOT NULL, `craving` integer NOT NULL, `prompt` text NULL, `visibility` text NOT NULL DEFAULT ('PRIVATE'), `version` integer NOT NULL DEFAULT (1), `needs_attention` bool NOT NULL DEFAULT (false), `create_digest` text NOT NULL, `deleted_at` datetime NULL, `group_id` integer NOT NULL, `session_id` integer NULL, `author_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `reflections_groups_reflections` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `reflections_group_sessions_reflections` FOREIGN KEY (`session_id`) REFERENCES `group_sessions` (`id`) ON DELETE SET NULL, CONSTRAINT `reflections_memberships_reflections` FOREIGN KEY (`author_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION, CONSTRAINT `reflections_users_reflections` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_reflections" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_reflections", 17179869184);
-- copy rows from old table "reflections" to new temporary table "new_reflections"
INSERT INTO `new_reflections` (`id`, `created_at`, `updated_at`, `client_id`, `body`, `mood`, `craving`, `prompt`, `visibility`, `version`, `needs_attention`, `create_digest`, `deleted_at`, `group_id`, `author_id`, `user_id`) SELECT `id`, `created_at`, `updated_at`, `client_id`, `body`, `mood`, `craving`, `prompt`, `visibility`, `version`, `needs_attention`, `create_digest`, `deleted_at`, `group_id`, `author_id`, `user_id` FROM `reflections`;
-- drop "reflections" table after copying rows
DROP TABLE `reflections`;
-- rename temporary table "new_reflections" to "reflections"
ALTER TABLE `new_reflections` RENAME TO `reflections`;
-- create index "reflection_user_id_client_id" to table: "reflections"
CREATE UNIQUE INDEX `reflection_user_id_client_id` ON `reflections` (`user_id`, `client_id`);
-- create index "reflection_group_id_created_at" to table: "reflections"
CREATE INDEX `reflection_group_id_created_at` ON `reflections` (`group_id`, `created_at`);
-- create index "reflection_user_id_created_at" to table: "reflections"
CREATE INDEX `reflection_user_id_created_at` ON `reflections` (`user_id`, `created_at`);
-- create index "reflection_session_id" to table: "reflections"
CREATE INDEX `reflection_session_id` ON `reflections` (`session_id`);
-- create "topics" table
CREATE TABLE `topics` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `client_id` uuid NOT NULL, `user_id` integer NOT NULL, `text` text NOT NULL, `visibility` text NOT NULL DEFAULT ('FACILITATORS'), `status` text NOT NULL DEFAULT ('OPEN'), `create_digest` text NOT NULL, `deleted_at` datetime NULL, `group_id` integer NOT NULL, `session_id` integer NOT NULL, `author_id` integer NOT NULL, CONSTRAINT `topics_groups_topics` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `topics_group_sessions_topics` FOREIGN KEY (`session_id`) REFERENCES `group_sessions` (`id`) ON DELETE NO ACTION, CONSTRAINT `topics_memberships_topics` FOREIGN KEY (`author_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "topics" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("topics", 55834574848);
-- create index "topic_user_id_client_id" to table: "topics"
CREATE UNIQUE INDEX `topic_user_id_client_id` ON `topics` (`user_id`, `client_id`);
-- create index "topic_session_id_created_at" to table: "topics"
CREATE INDEX `topic_session_id_created_at` ON `topics` (`session_id`, `created_at`);
-- create index "topic_group_id_status" to table: "topics"
CREATE INDEX `topic_group_id_status` ON `topics` (`group_id`, `status`);
-- create "new_reflection_reads" table
CREATE TABLE `new_reflection_reads` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `author_user_id` integer NOT NULL, `read_at` datetime NOT NULL, `reader_id` integer NULL, `reflection_id` integer NULL, `topic_id` integer NULL, CONSTRAINT `reflection_reads_memberships_reads` FOREIGN KEY (`reader_id`) REFERENCES `memberships` (`id`) ON DELETE SET NULL, CONSTRAINT `reflection_reads_reflections_reads` FOREIGN KEY (`reflection_id`) REFERENCES `reflections` (`id`) ON DELETE SET NULL, CONSTRAINT `reflection_reads_topics_reads` FOREIGN KEY (`topic_id`) REFERENCES `topics` (`id`) ON DELETE SET NULL);
-- set sequence for "new_reflection_reads" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_reflection_reads", 30064771072);
-- copy rows from old table "reflection_reads" to new temporary table "new_reflection_reads"
INSERT INTO `new_reflection_reads` (`id`, `author_user_id`, `read_at`, `reader_id`, `reflection_id`) SELECT `id`, `author_user_id`, `read_at`, `reader_id`, `reflection_id` FROM `reflection_reads`;
-- drop "reflection_reads" table after copying rows
DROP TABLE `reflection_reads`;
-- rename temporary table "new_reflection_reads" to "reflection_reads"
ALTER TABLE `new_reflection_reads` RENAME TO `reflection_reads`;
-- create index "reflectionread_author_user_id_read_at" to table: "reflection_reads"
CREATE INDEX `reflectionread_author_user_id_read_at` ON `reflection_reads` (`author_user_id`, `read_at`);
-- add column "theme" to table: "group_sessions"
ALTER TABLE `group_sessions` ADD COLUMN `theme` text NULL;
-- add column "prompt" to table: "group_sessions"
ALTER TABLE `group_sessions` ADD COLUMN `prompt` text NULL;
-- add column "prompt_announced_at" to table: "group_sessions"
ALTER TABLE `group_sessions` ADD COLUMN `prompt_announced_at` datetime NULL;
-- create "attendances" table
CREATE TABLE `attendances` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `group_id` integer NOT NULL, `rsvp` text NULL, `rsvp_note` text NULL, `rsvp_at` datetime NULL, `status` text NULL, `recorded_at` datetime NULL, `recorded_by_id` integer NULL, `session_id` integer NOT NULL, `membership_id` integer NOT NULL, CONSTRAINT `attendances_group_sessions_attendances` FOREIGN KEY (`session_id`) REFERENCES `group_sessions` (`id`) ON DELETE NO ACTION, CONSTRAINT `attendances_memberships_attendances` FOREIGN KEY (`membership_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "attendances" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("attendances", 51539607552);
-- create index "attendance_session_id_membership_id" to table: "attendances"
CREATE UNIQUE INDEX `attendance_session_id_membership_id` ON `attendances` (`session_id`, `membership_id`);
-- create index "attendance_membership_id" to table: "attendances"
CREATE INDEX `attendance_membership_id` ON `attendances` (`membership_id`);
-- create index "attendance_group_id_session_id" to table: "attendances"
CREATE INDEX `attendance_group_id_session_id` ON `attendances` (`group_id`, `session_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "topic_group_id_status" to table: "topics"
DROP INDEX `topic_group_id_status`;
-- reverse: create index "topic_session_id_created_at" to table: "topics"
DROP INDEX `topic_session_id_created_at`;
-- reverse: create index "topic_user_id_client_id" to table: "topics"
DROP INDEX `topic_user_id_client_id`;
-- reverse: set sequence for "topics" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "topics";
-- reverse: create "topics" table
DROP TABLE `topics`;
-- reverse: create index "attendance_group_id_session_id" to table: "attendances"
DROP INDEX `attendance_group_id_session_id`;
-- reverse: create index "attendance_membership_id" to table: "attendances"
DROP INDEX `attendance_membership_id`;
-- reverse: create index "attendance_session_id_membership_id" to table: "attendances"
DROP INDEX `attendance_session_id_membership_id`;
-- reverse: set sequence for "attendances" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "attendances";
-- reverse: create "attendances" table
DROP TABLE `attendances`;
-- reverse: add column "prompt_announced_at" to table: "group_sessions"
ALTER TABLE `group_sessions` DROP COLUMN `prompt_announced_at`;
-- reverse: add column "prompt" to table: "group_sessions"
ALTER TABLE `group_sessions` DROP COLUMN `prompt`;
-- reverse: add column "theme" to table: "group_sessions"
ALTER TABLE `group_sessions` DROP COLUMN `theme`;
-- reverse: create index "reflectionread_author_user_id_read_at" to table: "reflection_reads"
DROP INDEX `reflectionread_author_user_id_read_at`;
-- reverse: set sequence for "new_reflection_reads" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_reflection_reads";
-- reverse: create "new_reflection_reads" table
DROP TABLE `new_reflection_reads`;
-- reverse: create index "reflection_session_id" to table: "reflections"
DROP INDEX `reflection_session_id`;
-- reverse: create index "reflection_user_id_created_at" to table: "reflections"
DROP INDEX `reflection_user_id_created_at`;
-- reverse: create index "reflection_group_id_created_at" to table: "reflections"
DROP INDEX `reflection_group_id_created_at`;
-- reverse: create index "reflection_user_id_client_id" to table: "reflections"
DROP INDEX `reflection_user_id_client_id`;
-- reverse: set sequence for "new_reflections" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_reflections";
-- reverse: create "new_reflections" table
DROP TABLE `new_reflections`;
-- reverse: create index "group_invites_code_key" to table: "group_invites"
DROP INDEX `group_invites_code_key`;
-- reverse: set sequence for "new_group_invites" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_group_invites";
-- reverse: create "new_group_invites" table
DROP TABLE `new_group_invites`;
