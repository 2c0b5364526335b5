CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text,
	"reason" text,
	"data" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ballots" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"village_id" text NOT NULL,
	"channel" text NOT NULL,
	"answers" jsonb NOT NULL,
	"overall_satisfied" boolean NOT NULL,
	"comment" text,
	"client_id" text,
	"content_hash" text NOT NULL,
	"seconds_to_complete" integer,
	"device_fingerprint" text,
	"entered_by" text,
	"day" text NOT NULL,
	"valid" boolean DEFAULT true NOT NULL,
	"invalidation_reason" text,
	"paper_serial" text,
	"receipt" text NOT NULL,
	"receipt_nonce" text,
	"ledger_seq" integer NOT NULL,
	CONSTRAINT "ballots_receipt_unique" UNIQUE("receipt")
);
--> statement-breakpoint
CREATE TABLE "collector_assignments" (
	"round_id" text NOT NULL,
	"user_id" text NOT NULL,
	"village_id" text NOT NULL,
	CONSTRAINT "collector_assignments_round_id_user_id_village_id_pk" PRIMARY KEY("round_id","user_id","village_id")
);
--> statement-breakpoint
CREATE TABLE "council_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"votes_for" integer NOT NULL,
	"votes_against" integer NOT NULL,
	"votes_abstain" integer NOT NULL,
	"decision" text NOT NULL,
	"notes" text,
	"decided_at" text NOT NULL,
	"recorded_by" text NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"seal_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"supersedes_id" text,
	"reason" text,
	"verdict" text,
	"against_verdict" boolean DEFAULT false NOT NULL,
	"voided_at" text,
	"voided_by" text,
	"void_reason" text
);
--> statement-breakpoint
CREATE TABLE "criteria_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"legal_basis" text NOT NULL,
	"criteria" jsonb NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"village_id" text,
	"question_key" text,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"assignee_agency" text,
	"follow_up" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "household_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"village_id" text,
	"head_name" text NOT NULL,
	"phone" text,
	"note" text,
	"status" text DEFAULT 'new' NOT NULL,
	"resolution" text,
	"resolved_by" text,
	"resolved_at" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "households" (
	"id" text PRIMARY KEY NOT NULL,
	"village_id" text NOT NULL,
	"code" text NOT NULL,
	"head_name" text NOT NULL,
	"phone" text,
	"address" text,
	"active" boolean DEFAULT true NOT NULL,
	"source" text DEFAULT 'import' NOT NULL,
	"as_of" text NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"household_id" text NOT NULL,
	"village_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"channel" text NOT NULL,
	"status" text DEFAULT 'issued' NOT NULL,
	"sent_at" text,
	"delivered_at" text,
	"reminder_count" integer DEFAULT 0 NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"revoked_at" text,
	"first_opened_at" text,
	"last_reminded_at" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	CONSTRAINT "invitations_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "ledger" (
	"round_id" text NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"entry" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	CONSTRAINT "ledger_round_id_seq_pk" PRIMARY KEY("round_id","seq")
);
--> statement-breakpoint
CREATE TABLE "link_open_counts" (
	"round_id" text NOT NULL,
	"village_id" text NOT NULL,
	"bucket" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "link_open_counts_round_id_village_id_bucket_pk" PRIMARY KEY("round_id","village_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "login_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" text NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"invitation_id" text,
	"channel" text NOT NULL,
	"kind" text DEFAULT 'invitation' NOT NULL,
	"tracking_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" text NOT NULL,
	"last_error" text,
	"provider_message_id" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	CONSTRAINT "outbox_tracking_id_unique" UNIQUE("tracking_id")
);
--> statement-breakpoint
CREATE TABLE "paper_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"serial" text NOT NULL,
	"household_id" text NOT NULL,
	"village_id" text NOT NULL,
	"channel" text NOT NULL,
	"answers" jsonb NOT NULL,
	"comment" text,
	"entered_by" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participations" (
	"round_id" text NOT NULL,
	"household_id" text NOT NULL,
	"village_id" text NOT NULL,
	"channel" text NOT NULL,
	"day" text NOT NULL,
	CONSTRAINT "participations_round_id_household_id_pk" PRIMARY KEY("round_id","household_id")
);
--> statement-breakpoint
CREATE TABLE "pending_ballots" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"village_id" text NOT NULL,
	"channel" text NOT NULL,
	"receipt" text NOT NULL,
	"client_key" text,
	"sealed" text NOT NULL,
	CONSTRAINT "pending_ballots_receipt_unique" UNIQUE("receipt")
);
--> statement-breakpoint
CREATE TABLE "province_settings" (
	"province_id" text PRIMARY KEY NOT NULL,
	"link_enabled" boolean DEFAULT false NOT NULL,
	"link_legal_basis" text,
	"updated_by" text,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "questionnaire_templates" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"criteria_set_id" text,
	"province_id" text,
	"levels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"questions" jsonb NOT NULL,
	"legal_basis" jsonb,
	"period_from" text,
	"period_to" text,
	"translations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "round_minutes" (
	"round_id" text PRIMARY KEY NOT NULL,
	"meeting_at" text NOT NULL,
	"place" text NOT NULL,
	"participants" jsonb NOT NULL,
	"recipients" jsonb NOT NULL,
	"issued" jsonb,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rounds" (
	"id" text PRIMARY KEY NOT NULL,
	"commune_id" text NOT NULL,
	"level" text NOT NULL,
	"legal_basis" text,
	"title" text NOT NULL,
	"template_id" text NOT NULL,
	"questionnaire_snapshot" jsonb,
	"frame_snapshot" jsonb,
	"rule_set_snapshot" jsonb,
	"threshold_bp" integer NOT NULL,
	"coverage_bp" integer NOT NULL,
	"coverage_scope" text DEFAULT 'village' NOT NULL,
	"double_entry" boolean DEFAULT false NOT NULL,
	"historical" boolean DEFAULT false NOT NULL,
	"link_legal_basis" text,
	"opens_at" text NOT NULL,
	"closes_at" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"created_by" text,
	"purpose" text DEFAULT 'recognition' NOT NULL,
	"village_ids" jsonb,
	"previous_round_id" text,
	"opened_at" text,
	"closed_at" text,
	"sealed_at" text,
	"disclosed_at" text,
	"reminder_max" integer,
	"reminder_gap_hours" integer,
	"unknown_outcome_policy" text,
	"messaging_halted_at" text,
	"messaging_halt_code" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"legal_basis" jsonb NOT NULL,
	"levels" jsonb NOT NULL,
	"bars" jsonb NOT NULL,
	"provisional" boolean DEFAULT false NOT NULL,
	"note" text,
	"province_id" text,
	"created_by" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sealed_integrity" (
	"round_id" text PRIMARY KEY NOT NULL,
	"signals_json" text NOT NULL,
	"frozen_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sealed_results" (
	"round_id" text PRIMARY KEY NOT NULL,
	"tally_json" text NOT NULL,
	"method_version" text NOT NULL,
	"config_json" text NOT NULL,
	"ledger_root_hash" text NOT NULL,
	"sealed_by" text NOT NULL,
	"sealed_at" text NOT NULL,
	"seal_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tally_counters" (
	"round_id" text NOT NULL,
	"village_id" text NOT NULL,
	"question_key" text NOT NULL,
	"valid" integer DEFAULT 0 NOT NULL,
	"satisfied" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "tally_counters_round_id_village_id_question_key_pk" PRIMARY KEY("round_id","village_id","question_key")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"code" text NOT NULL,
	"parent_id" text,
	"valid_from" text,
	"valid_to" text,
	"successor_id" text,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"unit_id" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"token_version" integer DEFAULT 0 NOT NULL,
	"created_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	"updated_at" text DEFAULT to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "village_counters" (
	"round_id" text NOT NULL,
	"village_id" text NOT NULL,
	"participated" integer DEFAULT 0 NOT NULL,
	"link" integer DEFAULT 0 NOT NULL,
	"paper" integer DEFAULT 0 NOT NULL,
	"meeting" integer DEFAULT 0 NOT NULL,
	"assisted" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "village_counters_round_id_village_id_pk" PRIMARY KEY("round_id","village_id")
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"event_name" text NOT NULL,
	"payload" text NOT NULL,
	"received_at" text NOT NULL,
	"processed_at" text
);
--> statement-breakpoint
CREATE TABLE "zalo_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text NOT NULL,
	"access_expires_at" text NOT NULL,
	"rotated_at" text NOT NULL,
	"state" text DEFAULT 'ok' NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collector_assignments" ADD CONSTRAINT "collector_assignments_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collector_assignments" ADD CONSTRAINT "collector_assignments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collector_assignments" ADD CONSTRAINT "collector_assignments_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_decisions" ADD CONSTRAINT "council_decisions_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_decisions" ADD CONSTRAINT "council_decisions_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_decisions" ADD CONSTRAINT "council_decisions_supersedes_id_council_decisions_id_fk" FOREIGN KEY ("supersedes_id") REFERENCES "public"."council_decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_decisions" ADD CONSTRAINT "council_decisions_voided_by_users_id_fk" FOREIGN KEY ("voided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_requests" ADD CONSTRAINT "household_requests_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_requests" ADD CONSTRAINT "household_requests_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_requests" ADD CONSTRAINT "household_requests_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "households" ADD CONSTRAINT "households_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger" ADD CONSTRAINT "ledger_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_open_counts" ADD CONSTRAINT "link_open_counts_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_open_counts" ADD CONSTRAINT "link_open_counts_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_invitation_id_invitations_id_fk" FOREIGN KEY ("invitation_id") REFERENCES "public"."invitations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pending_ballots" ADD CONSTRAINT "pending_ballots_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pending_ballots" ADD CONSTRAINT "pending_ballots_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "province_settings" ADD CONSTRAINT "province_settings_province_id_units_id_fk" FOREIGN KEY ("province_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "province_settings" ADD CONSTRAINT "province_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ADD CONSTRAINT "questionnaire_templates_criteria_set_id_criteria_sets_id_fk" FOREIGN KEY ("criteria_set_id") REFERENCES "public"."criteria_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "questionnaire_templates" ADD CONSTRAINT "questionnaire_templates_province_id_units_id_fk" FOREIGN KEY ("province_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_minutes" ADD CONSTRAINT "round_minutes_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_commune_id_units_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_template_id_questionnaire_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."questionnaire_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_previous_round_id_rounds_id_fk" FOREIGN KEY ("previous_round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_sets" ADD CONSTRAINT "rule_sets_province_id_units_id_fk" FOREIGN KEY ("province_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_sets" ADD CONSTRAINT "rule_sets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sealed_integrity" ADD CONSTRAINT "sealed_integrity_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sealed_results" ADD CONSTRAINT "sealed_results_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sealed_results" ADD CONSTRAINT "sealed_results_sealed_by_users_id_fk" FOREIGN KEY ("sealed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tally_counters" ADD CONSTRAINT "tally_counters_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tally_counters" ADD CONSTRAINT "tally_counters_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_id_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_successor_id_units_id_fk" FOREIGN KEY ("successor_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "village_counters" ADD CONSTRAINT "village_counters_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "village_counters" ADD CONSTRAINT "village_counters_village_id_units_id_fk" FOREIGN KEY ("village_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "ballots_round_village_idx" ON "ballots" USING btree ("round_id","village_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ballots_round_client_uq" ON "ballots" USING btree ("round_id","client_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ballots_round_seq_uq" ON "ballots" USING btree ("round_id","ledger_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "council_decisions_seal_version_uq" ON "council_decisions" USING btree ("round_id","seal_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "council_decisions_supersedes_uq" ON "council_decisions" USING btree ("supersedes_id");--> statement-breakpoint
CREATE UNIQUE INDEX "criteria_sets_code_version_uq" ON "criteria_sets" USING btree ("code","version");--> statement-breakpoint
CREATE INDEX "feedback_round_idx" ON "feedback" USING btree ("round_id","status");--> statement-breakpoint
CREATE INDEX "household_requests_round_idx" ON "household_requests" USING btree ("round_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "households_village_code_uq" ON "households" USING btree ("village_id","code");--> statement-breakpoint
CREATE INDEX "invitations_round_household_idx" ON "invitations" USING btree ("round_id","household_id");--> statement-breakpoint
CREATE INDEX "invitations_round_village_idx" ON "invitations" USING btree ("round_id","village_id");--> statement-breakpoint
CREATE INDEX "invitations_reminder_due_idx" ON "invitations" USING btree ("round_id","status","reminder_count",coalesce("last_reminded_at", "sent_at"));--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_hash_uq" ON "ledger" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_invitation_channel_kind_uq" ON "outbox" USING btree ("invitation_id","channel","kind");--> statement-breakpoint
CREATE INDEX "outbox_status_next_idx" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "paper_entries_round_serial_idx" ON "paper_entries" USING btree ("round_id","serial");--> statement-breakpoint
CREATE INDEX "participations_round_village_idx" ON "participations" USING btree ("round_id","village_id");--> statement-breakpoint
CREATE INDEX "pending_ballots_group_idx" ON "pending_ballots" USING btree ("round_id","village_id","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "pending_ballots_round_client_uq" ON "pending_ballots" USING btree ("round_id","client_key");--> statement-breakpoint
CREATE UNIQUE INDEX "questionnaire_templates_code_version_uq" ON "questionnaire_templates" USING btree ("code","version");--> statement-breakpoint
CREATE INDEX "rounds_commune_idx" ON "rounds" USING btree ("commune_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "rule_sets_code_version_uq" ON "rule_sets" USING btree ("code","version");--> statement-breakpoint
CREATE UNIQUE INDEX "units_parent_code_uq" ON "units" USING btree ("parent_id","code");--> statement-breakpoint
CREATE INDEX "units_parent_kind_idx" ON "units" USING btree ("parent_id","kind");--> statement-breakpoint
CREATE INDEX "units_kind_idx" ON "units" USING btree ("kind");