ALTER TABLE "ballots" ALTER COLUMN "answers" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "criteria_sets" ALTER COLUMN "criteria" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "payload" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "paper_entries" ALTER COLUMN "answers" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "levels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "levels" SET DEFAULT '[]'::json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "questions" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "legal_basis" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "translations" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ALTER COLUMN "translations" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "round_minutes" ALTER COLUMN "participants" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "round_minutes" ALTER COLUMN "recipients" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "round_minutes" ALTER COLUMN "issued" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rounds" ALTER COLUMN "questionnaire_snapshot" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rounds" ALTER COLUMN "frame_snapshot" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rounds" ALTER COLUMN "rule_set_snapshot" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rounds" ALTER COLUMN "village_ids" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rule_sets" ALTER COLUMN "legal_basis" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rule_sets" ALTER COLUMN "levels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rule_sets" ALTER COLUMN "bars" SET DATA TYPE json;