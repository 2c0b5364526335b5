ALTER TABLE `rounds` ADD `disclosed_at` text;
--> statement-breakpoint
-- Until now every result was live while a round was open, so any round past its collection counts as disclosed:
-- none of them may be reopened for answers.
UPDATE `rounds` SET `disclosed_at` = coalesce(`sealed_at`, `closed_at`, `updated_at`) WHERE `status` IN ('closed', 'sealed', 'returned');
