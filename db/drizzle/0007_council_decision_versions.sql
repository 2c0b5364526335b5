ALTER TABLE `council_decisions` ADD `seal_id` text;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `supersedes_id` text REFERENCES council_decisions(id);--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `verdict` text;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `against_verdict` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `voided_at` text;--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `voided_by` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `council_decisions` ADD `void_reason` text;--> statement-breakpoint
CREATE UNIQUE INDEX `council_decisions_seal_version_uq` ON `council_decisions` (`round_id`,`seal_id`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `council_decisions_supersedes_uq` ON `council_decisions` (`supersedes_id`);--> statement-breakpoint
-- hand-written: a constant default lets SQLite add the NOT NULL column; every existing seal gets its own random id
ALTER TABLE `sealed_results` ADD `seal_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `sealed_results` SET `seal_id` = lower(hex(randomblob(16))) WHERE `seal_id` = '';--> statement-breakpoint
-- a decision belongs to the seal in force when it was recorded; one recorded before the current seal (the round was
-- unsealed and resealed since) belongs to none and is voided, so it never attaches to the new result
UPDATE `council_decisions` SET `seal_id` = (SELECT s.`seal_id` FROM `sealed_results` s WHERE s.`round_id` = `council_decisions`.`round_id` AND s.`sealed_at` <= `council_decisions`.`created_at`);--> statement-breakpoint
UPDATE `council_decisions` SET `voided_at` = `created_at`, `void_reason` = 'Kết quả đã được mở niêm phong và niêm phong lại sau quyết định này' WHERE `seal_id` IS NULL;