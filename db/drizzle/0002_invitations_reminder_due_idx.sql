CREATE INDEX `invitations_reminder_due_idx` ON `invitations` (`round_id`,`status`,`reminder_count`,coalesce(`last_reminded_at`, `sent_at`));
