CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`reason` text,
	`data` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_target_idx` ON `audit_log` (`target_type`,`target_id`);--> statement-breakpoint
CREATE TABLE `ballots` (
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
	`ledger_seq` integer NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entered_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_receipt_unique` ON `ballots` (`receipt`);--> statement-breakpoint
CREATE INDEX `ballots_round_village_idx` ON `ballots` (`round_id`,`village_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_round_client_uq` ON `ballots` (`round_id`,`client_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ballots_round_seq_uq` ON `ballots` (`round_id`,`ledger_seq`);--> statement-breakpoint
CREATE TABLE `collector_assignments` (
	`round_id` text NOT NULL,
	`user_id` text NOT NULL,
	`village_id` text NOT NULL,
	PRIMARY KEY(`round_id`, `user_id`, `village_id`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `council_decisions` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`votes_for` integer NOT NULL,
	`votes_against` integer NOT NULL,
	`votes_abstain` integer NOT NULL,
	`decision` text NOT NULL,
	`notes` text,
	`decided_at` text NOT NULL,
	`recorded_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `criteria_sets` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`name` text NOT NULL,
	`legal_basis` text NOT NULL,
	`criteria` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `criteria_sets_code_version_uq` ON `criteria_sets` (`code`,`version`);--> statement-breakpoint
CREATE TABLE `feedback` (
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
);
--> statement-breakpoint
CREATE INDEX `feedback_round_idx` ON `feedback` (`round_id`,`status`);--> statement-breakpoint
CREATE TABLE `household_requests` (
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
);
--> statement-breakpoint
CREATE INDEX `household_requests_round_idx` ON `household_requests` (`round_id`,`status`);--> statement-breakpoint
CREATE TABLE `households` (
	`id` text PRIMARY KEY NOT NULL,
	`village_id` text NOT NULL,
	`code` text NOT NULL,
	`head_name` text NOT NULL,
	`phone` text,
	`address` text,
	`active` integer DEFAULT true NOT NULL,
	`source` text DEFAULT 'import' NOT NULL,
	`as_of` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `households_village_code_uq` ON `households` (`village_id`,`code`);--> statement-breakpoint
CREATE TABLE `invitations` (
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
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_round_household_idx` ON `invitations` (`round_id`,`household_id`);--> statement-breakpoint
CREATE INDEX `invitations_round_village_idx` ON `invitations` (`round_id`,`village_id`);--> statement-breakpoint
CREATE TABLE `ledger` (
	`round_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`entry` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`round_id`, `seq`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_hash_uq` ON `ledger` (`hash`);--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`ip` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_attempts_user_ip_idx` ON `login_attempts` (`username`,`ip`,`at`);--> statement-breakpoint
CREATE INDEX `login_attempts_ip_idx` ON `login_attempts` (`ip`,`at`);--> statement-breakpoint
CREATE TABLE `outbox` (
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
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_tracking_id_unique` ON `outbox` (`tracking_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_invitation_channel_kind_uq` ON `outbox` (`invitation_id`,`channel`,`kind`);--> statement-breakpoint
CREATE INDEX `outbox_status_next_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `paper_entries` (
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
);
--> statement-breakpoint
CREATE INDEX `paper_entries_round_serial_idx` ON `paper_entries` (`round_id`,`serial`);--> statement-breakpoint
CREATE TABLE `participations` (
	`round_id` text NOT NULL,
	`household_id` text NOT NULL,
	`village_id` text NOT NULL,
	`channel` text NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`round_id`, `household_id`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `participations_round_village_idx` ON `participations` (`round_id`,`village_id`);--> statement-breakpoint
CREATE TABLE `questionnaire_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`name` text NOT NULL,
	`criteria_set_id` text,
	`province_id` text,
	`levels` text DEFAULT '[]' NOT NULL,
	`questions` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`criteria_set_id`) REFERENCES `criteria_sets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`province_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `questionnaire_templates_code_version_uq` ON `questionnaire_templates` (`code`,`version`);--> statement-breakpoint
CREATE TABLE `rounds` (
	`id` text PRIMARY KEY NOT NULL,
	`commune_id` text NOT NULL,
	`level` text NOT NULL,
	`legal_basis` text,
	`title` text NOT NULL,
	`template_id` text NOT NULL,
	`questionnaire_snapshot` text,
	`frame_snapshot` text,
	`threshold_bp` integer NOT NULL,
	`coverage_bp` integer NOT NULL,
	`coverage_scope` text DEFAULT 'village' NOT NULL,
	`double_entry` integer DEFAULT false NOT NULL,
	`opens_at` text NOT NULL,
	`closes_at` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`created_by` text,
	`purpose` text DEFAULT 'recognition' NOT NULL,
	`village_ids` text,
	`previous_round_id` text,
	`opened_at` text,
	`closed_at` text,
	`sealed_at` text,
	`reminder_max` integer,
	`reminder_gap_hours` integer,
	`unknown_outcome_policy` text,
	`messaging_halted_at` text,
	`messaging_halt_code` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`commune_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`template_id`) REFERENCES `questionnaire_templates`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`previous_round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rounds_commune_idx` ON `rounds` (`commune_id`,`status`);--> statement-breakpoint
CREATE TABLE `sealed_results` (
	`round_id` text PRIMARY KEY NOT NULL,
	`tally_json` text NOT NULL,
	`method_version` text NOT NULL,
	`config_json` text NOT NULL,
	`ledger_root_hash` text NOT NULL,
	`sealed_by` text NOT NULL,
	`sealed_at` text NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sealed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `tally_counters` (
	`round_id` text NOT NULL,
	`village_id` text NOT NULL,
	`question_key` text NOT NULL,
	`valid` integer DEFAULT 0 NOT NULL,
	`satisfied` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`round_id`, `village_id`, `question_key`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `units` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`code` text NOT NULL,
	`parent_id` text,
	`valid_from` text,
	`valid_to` text,
	`successor_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`parent_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`successor_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `units_parent_code_uq` ON `units` (`parent_id`,`code`);--> statement-breakpoint
CREATE INDEX `units_parent_idx` ON `units` (`parent_id`);--> statement-breakpoint
CREATE INDEX `units_kind_idx` ON `units` (`kind`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`unit_id` text NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE TABLE `village_counters` (
	`round_id` text NOT NULL,
	`village_id` text NOT NULL,
	`participated` integer DEFAULT 0 NOT NULL,
	`link` integer DEFAULT 0 NOT NULL,
	`paper` integer DEFAULT 0 NOT NULL,
	`meeting` integer DEFAULT 0 NOT NULL,
	`invalid` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`round_id`, `village_id`),
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`event_name` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` text NOT NULL,
	`processed_at` text
);
--> statement-breakpoint
CREATE TABLE `zalo_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`access_token` text NOT NULL,
	`refresh_token` text NOT NULL,
	`access_expires_at` text NOT NULL,
	`rotated_at` text NOT NULL,
	`state` text DEFAULT 'ok' NOT NULL,
	`last_error` text
);
