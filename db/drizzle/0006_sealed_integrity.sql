CREATE TABLE `sealed_integrity` (
	`round_id` text PRIMARY KEY NOT NULL,
	`signals_json` text NOT NULL,
	`frozen_at` text NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `rounds`(`id`) ON UPDATE no action ON DELETE no action
);
