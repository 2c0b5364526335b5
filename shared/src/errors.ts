import { z } from 'zod'

/** Every machine-readable error code the API can answer with (shared/DESIGN.md §5). */
export const ErrorCode = z.enum([
  'validation_failed',
  'invalid_json',
  'unsupported_media_type',
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'not_found',
  'conflict',
  'already_exists',
  'already_answered',
  'household_outside_round',
  'invalid_transition',
  'round_closed',
  'round_not_open',
  'same_enterer',
  'resolver_keyed_entry',
  'unresolved_mismatches',
  'frame_frozen',
  'round_already_open',
  'rule_below_level',
  'reason_required',
  'link_not_found',
  'no_households',
  'invalid_file',
  'payload_too_large',
  'rate_limited',
  'template_level_mismatch',
  'rule_set_level_mismatch',
  'reason_required_against_verdict',
  'decision_exists',
  'decision_superseded',
  'resurvey_exists',
  'title_too_long_for_zalo',
  'template_out_of_period',
  'rule_set_out_of_period',
  'no_template_for_period',
  'unit_not_in_force',
  'results_not_disclosed',
  'results_disclosed',
  'self_lockout',
  'link_channel_disabled',
  'internal',
])
export type ErrorCode = z.infer<typeof ErrorCode>
export const ERROR_CODES = ErrorCode.options

/** The one error envelope: `{ error: { code, message, details? } }`. */
export const ApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
})
export type ApiError = z.infer<typeof ApiError>

export function isApiError(body: unknown): body is ApiError {
  return ApiError.safeParse(body).success
}
