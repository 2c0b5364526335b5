DROP INDEX `units_parent_idx`;--> statement-breakpoint
CREATE INDEX `units_parent_kind_idx` ON `units` (`parent_id`,`kind`);