-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_group_sharing_consents" table
CREATE TABLE `new_group_sharing_consents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `group_id` integer NOT NULL, `text_version` integer NOT NULL, `text_language` text NOT NULL DEFAULT ('en'), `granted_at` datetime NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `membership_id` integer NOT NULL, CONSTRAINT `group_sharing_consents_memberships_consents` FOREIGN KEY (`membership_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_group_sharing_consents" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_group_sharing_consents", 25769803776);
-- copy rows from old table "group_sharing_consents" to new temporary table "new_group_sharing_consents"
INSERT INTO `new_group_sharing_consents` (`id`, `user_id`, `group_id`, `text_version`, `granted_at`, `expires_at`, `revoked_at`, `membership_id`) SELECT `id`, `user_id`, `group_id`, `text_version`, `granted_at`, `expires_at`, `revoked_at`, `membership_id` FROM `group_sharing_consents`;
-- drop "group_sharing_consents" table after copying rows
DROP TABLE `group_sharing_consents`;
-- rename temporary table "new_group_sharing_consents" to "group_sharing_consents"
ALTER TABLE `new_group_sharing_consents` RENAME TO `group_sharing_consents`;
-- create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_membership_id_revoked_at` ON `group_sharing_consents` (`membership_id`, `revoked_at`);
-- create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_user_id_group_id` ON `group_sharing_consents` (`user_id`, `group_id`);
-- add column "language" to table: "users"
ALTER TABLE `users` ADD COLUMN `language` text NULL;
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: add column "language" to table: "users"
ALTER TABLE `users` DROP COLUMN `language`;
-- reverse: create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_user_id_group_id`;
-- reverse: create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_membership_id_revoked_at`;
-- reverse: set sequence for "new_group_sharing_consents" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_group_sharing_consents";
-- reverse: create "new_group_sharing_consents" table
DROP TABLE `new_group_sharing_consents`;
