/** Side effects of "this outbox row reached the recipient", shared by the worker and the receipt handler. */
import type { Conn } from '@app/db'
import type { MessagingRepo, OutboxRow } from './repo.js'

/** Invitation row → `sent` (+ sent_at); reminder row → reminder_count + 1. Call inside the transition's transaction. */
export async function applySent(
  repo: MessagingRepo,
  row: Pick<OutboxRow, 'invitationId' | 'kind'>,
  atIso: string,
  tx: Conn,
): Promise<void> {
  if (!row.invitationId) return
  if (row.kind === 'reminder') {
    await repo.bumpReminder(row.invitationId, atIso, tx)
    return
  }
  await repo.invitationUpdate(row.invitationId, { status: 'sent' }, ['queued', 'failed'], tx)
  await repo.invitationUpdate(row.invitationId, { sentAt: atIso }, undefined, tx)
}
