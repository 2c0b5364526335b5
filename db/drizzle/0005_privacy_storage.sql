CREATE TABLE `link_open_counts` (
	`round_id` text NOT NULL,
	`village_id` text NOT NULL,
	`bucket` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`round_id`, `village_id`, `bucket`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `pending_ballots` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`village_id` text NOT NULL,
	`channel` text NOT NULL,
	`receipt` text NOT NULL,
	`client_key` text,
	`sealed` text NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE UNIQUE INDEX `pending_ballots_receipt_unique` ON `pending_ballots` (`receipt`);--> statement-breakpoint
CREATE INDEX `pending_ballots_group_idx` ON `pending_ballots` (`round_id`,`village_id`,`channel`);--> statement-breakpoint
CREATE UNIQUE INDEX `pending_ballots_round_client_uq` ON `pending_ballots` (`round_id`,`client_key`);--> statement-breakpoint
ALTER TABLE `ballots` ADD `receipt_nonce` text;
--> statement-breakpoint
-- Privacy at rest (TRUST.md §2.1, §2.4), hand-written: link openings become per-village counts per minute,
-- the open time of a link that was used (or whose household answered on paper) is forgotten, durations are
-- bucketed, and reminders cancelled by an answer keep only the day. Sealed rounds included: none of these
-- columns is in a ledger digest, so chains and roots are untouched.
INSERT INTO `link_open_counts` (`round_id`, `village_id`, `bucket`, `n`)
  SELECT `round_id`, `village_id`, substr(`first_opened_at`, 1, 16), count(*) FROM `invitations`
  WHERE `first_opened_at` IS NOT NULL GROUP BY `round_id`, `village_id`, substr(`first_opened_at`, 1, 16);
--> statement-breakpoint
UPDATE `invitations` SET `first_opened_at` = NULL WHERE `first_opened_at` IS NOT NULL AND (`status` = 'used'
  OR EXISTS (SELECT 1 FROM `participations` p WHERE p.`round_id` = `invitations`.`round_id` AND p.`household_id` = `invitations`.`household_id`));
--> statement-breakpoint
UPDATE `ballots` SET `seconds_to_complete` = CASE
  WHEN `seconds_to_complete` < 0 THEN 0
  WHEN `seconds_to_complete` < 120 THEN (`seconds_to_complete` / 10) * 10
  WHEN `seconds_to_complete` < 900 THEN (`seconds_to_complete` / 60) * 60
  WHEN `seconds_to_complete` < 86400 THEN (`seconds_to_complete` / 900) * 900
  ELSE 86400 END
WHERE `seconds_to_complete` IS NOT NULL;
--> statement-breakpoint
UPDATE `outbox` SET `updated_at` = substr(`updated_at`, 1, 10) WHERE `status` = 'cancelled';
--> statement-breakpoint
-- Tables keyed by random ids or (round, household) lose the rowid, which records insertion order: rebuilt
-- WITHOUT ROWID, rows copied in key order (migrateDb runs this with foreign keys off and VACUUMs after).
CREATE TABLE `__new_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`household_id` text NOT NULL,
	`village_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`channel` text NOT NULL,
	`status` text DEFAULT 'issued' NOT NULL,
	`sent_at` text,
	`delivered_at` text,
	`reminder_count` integer DEFAULT 0 NOT NULL,
	`revoked` integer DEFAULT false NOT NULL,
	`revoked_at` text,
	`first_opened_at` text,
	`last_reminded_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_invitations` SELECT * FROM `invitations` ORDER BY id;--> statement-breakpoint
DROP TABLE `invitations`;--> statement-breakpoint
ALTER TABLE `__new_invitations` RENAME TO `invitations`;--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_round_household_idx` ON `invitations` (`round_id`,`household_id`);--> statement-breakpoint
CREATE INDEX `invitations_round_village_idx` ON `invitations` (`round_id`,`village_id`);--> statement-breakpoint
CREATE INDEX `invitations_reminder_due_idx` ON `invitations` (`round_id`,`status`,`reminder_count`,coalesce(`last_reminded_at`, `sent_at`));--> statement-breakpoint
CREATE TABLE `__new_participations` (
	`round_id` text NOT NULL,
	`household_id` text NOT NULL,
	`village_id` text NOT NULL,
	`channel` text NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`round_id`, `household_id`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_participations` SELECT * FROM `participations` ORDER BY round_id, household_id;--> statement-breakpoint
DROP TABLE `participations`;--> statement-breakpoint
ALTER TABLE `__new_participations` RENAME TO `participations`;--> statement-breakpoint
CREATE INDEX `participations_round_village_idx` ON `participations` (`round_id`,`village_id`);--> statement-breakpoint
CREATE TABLE `__new_ballots` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`village_id` text NOT NULL,
	`channel` text NOT NULL,
	`answers` text NOT NULL,
	`overall_satisfied` integer NOT NULL,
	`comment` text,
	`client_id` text,
	`content_hash` text NOT NULL,
	`seconds_to_complete` integer,
	`device_fingerprint` text,
	`entered_by` text,
	`day` text NOT NULL,
	`valid` integer DEFAULT true NOT NULL,
	`invalidation_reason` text,
	`paper_serial` text,
	`receipt` text NOT NULL,
	`ledger_seq` integer NOT NULL, `receipt_nonce` text,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entered_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_ballots` SELECT * FROM `ballots` ORDER BY id;--> statement-breakpoint
DROP TABLE `ballots`;--> statement-breakpoint
ALTER TABLE `__new_ballots` RENAME TO `ballots`;--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_receipt_unique` ON `ballots` (`receipt`);--> statement-breakpoint
CREATE INDEX `ballots_round_village_idx` ON `ballots` (`round_id`,`village_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_round_client_uq` ON `ballots` (`round_id`,`client_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_round_seq_uq` ON `ballots` (`round_id`,`ledger_seq`);--> statement-breakpoint
CREATE TABLE `__new_feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`village_id` text,
	`question_key` text,
	`kind` text NOT NULL,
	`text` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`assignee_agency` text,
	`follow_up` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_feedback` SELECT * FROM `feedback` ORDER BY id;--> statement-breakpoint
DROP TABLE `feedback`;--> statement-breakpoint
ALTER TABLE `__new_feedback` RENAME TO `feedback`;--> statement-breakpoint
CREATE INDEX `feedback_round_idx` ON `feedback` (`round_id`,`status`);--> statement-breakpoint
CREATE TABLE `__new_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`invitation_id` text,
	`channel` text NOT NULL,
	`kind` text DEFAULT 'invitation' NOT NULL,
	`tracking_id` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`provider_message_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`invitation_id`) REFERENCES `invitations`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_outbox` SELECT * FROM `outbox` ORDER BY id;--> statement-breakpoint
DROP TABLE `outbox`;--> statement-breakpoint
ALTER TABLE `__new_outbox` RENAME TO `outbox`;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_tracking_id_unique` ON `outbox` (`tracking_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_invitation_channel_kind_uq` ON `outbox` (`invitation_id`,`channel`,`kind`);--> statement-breakpoint
CREATE INDEX `outbox_status_next_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `__new_paper_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`serial` text NOT NULL,
	`household_id` text NOT NULL,
	`village_id` text NOT NULL,
	`channel` text NOT NULL,
	`answers` text NOT NULL,
	`comment` text,
	`entered_by` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entered_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_paper_entries` SELECT * FROM `paper_entries` ORDER BY id;--> statement-breakpoint
DROP TABLE `paper_entries`;--> statement-breakpoint
ALTER TABLE `__new_paper_entries` RENAME TO `paper_entries`;--> statement-breakpoint
CREATE INDEX `paper_entries_round_serial_idx` ON `paper_entries` (`round_id`,`serial`);--> statement-breakpoint
CREATE TABLE `__new_household_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`village_id` text,
	`head_name` text NOT NULL,
	`phone` text,
	`note` text,
	`status` text DEFAULT 'new' NOT NULL,
	`resolution` text,
	`resolved_by` text,
	`resolved_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resolved_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_household_requests` SELECT * FROM `household_requests` ORDER BY id;--> statement-breakpoint
DROP TABLE `household_requests`;--> statement-breakpoint
ALTER TABLE `__new_household_requests` RENAME TO `household_requests`;--> statement-breakpoint
CREATE INDEX `household_requests_round_idx` ON `household_requests` (`round_id`,`status`);--> statement-breakpoint
CREATE TABLE `__new_ledger` (
	`round_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`entry` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`round_id`, `seq`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_ledger` SELECT * FROM `ledger` ORDER BY round_id, seq;--> statement-breakpoint
DROP TABLE `ledger`;--> statement-breakpoint
ALTER TABLE `__new_ledger` RENAME TO `ledger`;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_hash_uq` ON `ledger` (`hash`);
