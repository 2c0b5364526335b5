CREATE TABLE `province_settings` (
	`province_id` text PRIMARY KEY NOT NULL,
	`link_enabled` integer DEFAULT false NOT NULL,
	`link_legal_basis` text,
	`updated_by` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`province_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Provinces that already sent personal links keep the channel (their open rounds go on), with a basis that
-- asks the province to enter the real one; every other province starts with the link channel off.
INSERT INTO `province_settings` (`province_id`, `link_enabled`, `link_legal_basis`)
SELECT DISTINCT p.`id`, 1, 'Đã sử dụng trước khi có thiết lập này — cần bổ sung căn cứ (số, ngày văn bản của tỉnh)'
FROM `invitations` i
JOIN `rounds` r ON r.`id` = i.`round_id`
JOIN `units` c ON c.`id` = r.`commune_id`
JOIN `units` p ON p.`id` = coalesce((SELECT d.`parent_id` FROM `units` d WHERE d.`id` = c.`parent_id` AND d.`kind` = 'district'), c.`parent_id`)
WHERE p.`kind` = 'province';
--> statement-breakpoint
ALTER TABLE `village_counters` ADD `assisted` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `rounds` ADD `historical` integer DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE `rounds` ADD `link_legal_basis` text;
