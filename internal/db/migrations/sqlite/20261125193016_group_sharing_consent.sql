-- +goose Up
-- create "group_sharing_consents" table
CREATE TABLE `group_sharing_consents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `group_id` integer NOT NULL, `text_version` integer NOT NULL, `granted_at` datetime NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `membership_id` integer NOT NULL, CONSTRAINT `group_sharing_consents_memberships_consents` FOREIGN KEY (`membership_id`) REFERENCES `memberships` (`id`) ON DELETE NO ACTION);
-- set sequence for "group_sharing_consents" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("group_sharing_consents", 25769803776);
-- create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_membership_id_revoked_at` ON `group_sharing_consents` (`membership_id`, `revoked_at`);
-- create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
CREATE INDEX `groupsharingconsent_user_id_group_id` ON `group_sharing_consents` (`user_id`, `group_id`);

-- +goose Down
-- reverse: create index "groupsharingconsent_user_id_group_id" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_user_id_group_id`;
-- reverse: create index "groupsharingconsent_membership_id_revoked_at" to table: "group_sharing_consents"
DROP INDEX `groupsharingconsent_membership_id_revoked_at`;
-- reverse: set sequence for "group_sharing_consents" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "group_sharing_consents";
-- reverse: create "group_sharing_consents" table
DROP TABLE `group_sharing_consents`;
