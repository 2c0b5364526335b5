CREATE TABLE `round_minutes` (
	`round_id` text PRIMARY KEY NOT NULL,
	`meeting_at` text NOT NULL,
	`place` text NOT NULL,
	`participants` text NOT NULL,
	`recipients` text NOT NULL,
	`issued` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rule_sets` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`name` text NOT NULL,
	`legal_basis` text NOT NULL,
	`levels` text NOT NULL,
	`bars` text NOT NULL,
	`provisional` integer DEFAULT false NOT NULL,
	`note` text,
	`province_id` text,
	`created_by` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`province_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rule_sets_code_version_uq` ON `rule_sets` (`code`,`version`);--> statement-breakpoint
ALTER TABLE `questionnaire_templates` ADD `legal_basis` text;--> statement-breakpoint
ALTER TABLE `questionnaire_templates` ADD `period_from` text;--> statement-breakpoint
ALTER TABLE `questionnaire_templates` ADD `period_to` text;--> statement-breakpoint
ALTER TABLE `questionnaire_templates` ADD `translations` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `rounds` ADD `rule_set_snapshot` text;