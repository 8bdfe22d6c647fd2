-- +goose Up
-- create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `actor_user_id` integer NULL, `action` text NOT NULL, `group_id` integer NULL, `subject_id` integer NULL, `detail` text NULL);
-- set sequence for "audit_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("audit_events", 34359738368);
-- create index "auditevent_at" to table: "audit_events"
CREATE INDEX `auditevent_at` ON `audit_events` (`at`);
-- create index "auditevent_actor_user_id_at" to table: "audit_events"
CREATE INDEX `auditevent_actor_user_id_at` ON `audit_events` (`actor_user_id`, `at`);
-- create "encouragements" table
CREATE TABLE `encouragements` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `client_id` uuid NOT NULL, `kind` text NOT NULL, `message` text NULL, `sender_id` integer NULL, `reflection_id` integer NOT NULL, CONSTRAINT `encouragements_memberships_encouragements` FOREIGN KEY (`sender_id`) REFERENCES `memberships` (`id`) ON DELETE SET NULL, CONSTRAINT `encouragements_reflections_encouragements` FOREIGN KEY (`reflection_id`) REFERENCES `reflections` (`id`) ON DELETE NO ACTION);
-- create index "encouragement_reflection_id_sender_id" to table: "encouragements"
CREATE UNIQUE INDEX `encouragement_reflection_id_sender_id` ON `encouragements` (`reflection_id`, `sender_id`);
-- create index "encouragement_sender_id_client_id" to table: "encouragements"
CREATE UNIQUE INDEX `encouragement_sender_id_client_id` ON `encouragements` (`sender_id`, `client_id`);
-- create "groups" table
CREATE TABLE `groups` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `time_zone` text NOT NULL);
-- set sequence for "groups" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("groups", 4294967296);
-- create "group_invites" table
CREATE TABLE `group_invites` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, `group_id` integer NOT NULL, `created_by_id` integer NOT NULL, CONSTRAINT `group_invites_groups_invites` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `group_invites_memberships_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "group_invites" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("group_invites", 8589934592);
-- create index "group_invites_code_key" to table: "group_invites"
CREATE UNIQUE INDEX `group_invites_code_key` ON `group_invites` (`code`);
-- create "group_sharing_consents" table
CREATE TABLE `group_sharing_consents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `group_id` integer NOT NULL, `text_version` integer NOT NULL, `granted_at` datetime NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `membership_id` integer NOT NULL, CONSTRAINT `group_sharing_consents_memberships_consents` FOREIGN KEY (`membership_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "group_sharing_consents" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("group_sharing_consents", 25769803776);
-- create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_membership_id_revoked_at` ON `group_sharing_consents` (`membership_id`, `revoked_at`);
-- create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_user_id_group_id` ON `group_sharing_consents` (`user_id`, `group_id`);
-- create "memberships" table
CREATE TABLE `memberships` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `display_name` text NOT NULL, `role` text NOT NULL DEFAULT ('MEMBER'), `joined_at` datetime NOT NULL, `left_at` datetime NULL, `removed` bool NOT NULL DEFAULT (false), `group_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `memberships_groups_memberships` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `memberships_users_memberships` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "memberships" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("memberships", 12884901888);
-- create index "membership_user_id_group_id" to table: "memberships"
CREATE UNIQUE INDEX `membership_user_id_group_id` ON `memberships` (`user_id`, `group_id`);
-- create index "membership_group_id_left_at" to table: "memberships"
CREATE INDEX `membership_group_id_left_at` ON `memberships` (`group_id`, `left_at`);
-- create "reflections" table
CREATE TABLE `reflections` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `client_id` uuid NOT NULL, `body` text NOT NULL, `mood` integer NOT NULL, `craving` integer NOT NULL, `prompt` text NULL, `visibility` text NOT NULL DEFAULT ('PRIVATE'), `version` integer NOT NULL DEFAULT (1), `needs_attention` bool NOT NULL DEFAULT (false), `create_digest` text NOT NULL, `deleted_at` datetime NULL, `group_id` integer NOT NULL, `author_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `reflections_groups_reflections` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION, CONSTRAINT `reflections_memberships_reflections` FOREIGN KEY (`author_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION, CONSTRAINT `reflections_users_reflections` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "reflections" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("reflections", 17179869184);
-- create index "reflection_user_id_client_id" to table: "reflections"
CREATE UNIQUE INDEX `reflection_user_id_client_id` ON `reflections` (`user_id`, `client_id`);
-- create index "reflection_group_id_created_at" to table: "reflections"
CREATE INDEX `reflection_group_id_created_at` ON `reflections` (`group_id`, `created_at`);
-- create index "reflection_user_id_created_at" to table: "reflections"
CREATE INDEX `reflection_user_id_created_at` ON `reflections` (`user_id`, `created_at`);
-- create "reflection_reads" table
CREATE TABLE `reflection_reads` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `author_user_id` integer NOT NULL, `read_at` datetime NOT NULL, `reader_id` integer NULL, `reflection_id` integer NULL, CONSTRAINT `reflection_reads_memberships_reads` FOREIGN KEY (`reader_id`) REFERENCES `memberships` (`id`) ON DELETE SET NULL, CONSTRAINT `reflection_reads_reflections_reads` FOREIGN KEY (`reflection_id`) REFERENCES `reflections` (`id`) ON DELETE SET NULL);
-- set sequence for "reflection_reads" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("reflection_reads", 30064771072);
-- create index "reflectionread_author_user_id_read_at" to table: "reflection_reads"
CREATE INDEX `reflectionread_author_user_id_read_at` ON `reflection_reads` (`author_user_id`, `read_at`);
-- create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `firebase_uid` text NOT NULL, `email` text NULL, `therapist` bool NOT NULL DEFAULT (false), `phone` text NULL);
-- set sequence for "users" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("users", 21474836480);
-- create index "users_firebase_uid_key" to table: "users"
CREATE UNIQUE INDEX `users_firebase_uid_key` ON `users` (`firebase_uid`);

-- +goose Down
-- reverse: create index "users_firebase_uid_key" to table: "users"
DROP INDEX `users_firebase_uid_key`;
-- reverse: set sequence for "users" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "users";
-- reverse: create "users" table
DROP TABLE `users`;
-- reverse: create index "reflectionread_author_user_id_read_at" to table: "reflection_reads"
DROP INDEX `reflectionread_author_user_id_read_at`;
-- reverse: set sequence for "reflection_reads" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "reflection_reads";
-- reverse: create "reflection_reads" table
DROP TABLE `reflection_reads`;
-- reverse: create index "reflection_user_id_created_at" to table: "reflections"
DROP INDEX `reflection_user_id_created_at`;
-- reverse: create index "reflection_group_id_created_at" to table: "reflections"
DROP INDEX `reflection_group_id_created_at`;
-- reverse: create index "reflection_user_id_client_id" to table: "reflections"
DROP INDEX `reflection_user_id_client_id`;
-- reverse: set sequence for "reflections" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "reflections";
-- reverse: create "reflections" table
DROP TABLE `reflections`;
-- reverse: create index "membership_group_id_left_at" to table: "memberships"
DROP INDEX `membership_group_id_left_at`;
-- reverse: create index "membership_user_id_group_id" to table: "memberships"
DROP INDEX `membership_user_id_group_id`;
-- reverse: set sequence for "memberships" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "memberships";
-- reverse: create "memberships" table
DROP TABLE `memberships`;
-- reverse: create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_user_id_group_id`;
-- reverse: create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_membership_id_revoked_at`;
-- reverse: set sequence for "group_sharing_consents" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "group_sharing_consents";
-- reverse: create "group_sharing_consents" table
DROP TABLE `group_sharing_consents`;
-- reverse: create index "group_invites_code_key" to table: "group_invites"
DROP INDEX `group_invites_code_key`;
-- reverse: set sequence for "group_invites" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "group_invites";
-- reverse: create "group_invites" table
DROP TABLE `group_invites`;
-- reverse: set sequence for "groups" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "groups";
-- reverse: create "groups" table
DROP TABLE `groups`;
-- reverse: create index "encouragement_sender_id_client_id" to table: "encouragements"
DROP INDEX `encouragement_sender_id_client_id`;
-- reverse: create index "encouragement_reflection_id_sender_id" to table: "encouragements"
DROP INDEX `encouragement_reflection_id_sender_id`;
-- reverse: create "encouragements" table
DROP TABLE `encouragements`;
-- reverse: create index "auditevent_actor_user_id_at" to table: "audit_events"
DROP INDEX `auditevent_actor_user_id_at`;
-- reverse: create index "auditevent_at" to table: "audit_events"
DROP INDEX `auditevent_at`;
-- reverse: set sequence for "audit_events" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "audit_events";
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
