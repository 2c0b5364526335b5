import type { CreateInvitationsResult, InvitationsPreview, Round } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { saveBlob } from '../utils/download.js'
import { errorMessage, handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

type Channel = 'print' | 'zalo' | 'sms'

/**
 * The actions of a round page: issue invitations by channel, print slips, revoke/reissue one
 * household's link, open/close/seal, and the sealed documents. Each action reports through the
 * toast funnel and hands the updated round back.
 */
export class RoundActions {
  busy = $state<string | null>(null)
  lastIssue = $state<(CreateInvitationsResult & { channel: Channel }) | null>(null)
  reissued = $state<{
    householdId: string
    villageId: string
    label: string
    url: string | null
    qrSvg: string | undefined
    code: string | undefined
    codeUrl: string | undefined
    hotline: string | undefined
  } | null>(null)
  /** A mass sending waiting for the officer's confirmation, with its facts from the server. */
  pendingIssue = $state<(InvitationsPreview & { villageIds: string[] | undefined }) | null>(null)
  /** A reissue waiting for confirmation (it revokes the link already printed or sent). */
  pendingReissue = $state<{ householdId: string; code: string; headName: string; invited: boolean } | null>(null)

  constructor(
    readonly roundId: string,
    private readonly onRound: (r: Round) => void = () => {},
    private readonly client: ApiClient = api,
  ) {}

  private async run<T>(key: string, label: string, fn: () => Promise<T>): Promise<T | null> {
    this.busy = key
    try {
      return await fn()
    } catch (err) {
      handleError(err, label)
      return null
    } finally {
      this.busy = null
    }
  }

  /**
   * Zalo/SMS to many households: first ask the server what it would do (households, villages, those
   * without a phone), so the dialog states the facts; nothing is queued until `confirmIssue`.
   */
  askIssue = (channel: Channel, villageIds?: string[]) =>
    this.run(`preview-${channel}`, 'Chuẩn bị gửi phiếu mời', async () => {
      const p = await this.client.previewInvitations(this.roundId, { channel, ...(villageIds?.length ? { villageIds } : {}) })
      this.pendingIssue = { ...p, villageIds }
      return p
    })

  cancelIssue = (): void => {
    this.pendingIssue = null
  }

  confirmIssue = async (): Promise<CreateInvitationsResult | null> => {
    const p = this.pendingIssue
    if (!p) return null
    const res = await this.issue(p.channel, p.villageIds)
    this.pendingIssue = null
    return res
  }

  /** The result is announced once, by the page's status line (`lastIssue`), not also by a toast. */
  issue = (channel: Channel, villageIds?: string[]) =>
    this.run(`issue-${channel}`, 'Phát hành phiếu mời', async () => {
      const res = await this.client.issueInvitations(this.roundId, { channel, ...(villageIds?.length ? { villageIds } : {}) })
      this.lastIssue = { ...res, channel }
      return res
    })

  /** The A4 slips PDF (QR + link) for households without a link; `reissue` reprints unused print links. */
  slips = (opts: { villageIds?: string[]; reissue?: boolean } = {}) =>
    this.run('slips', 'Tải phiếu mời (PDF)', async () => {
      const { blob, filename } = await this.client.slipsPdf(this.roundId, {
        ...(opts.villageIds?.length ? { villageIds: opts.villageIds } : {}),
        ...(opts.reissue ? { reissue: true } : {}),
      })
      saveBlob(blob, filename ?? 'phieu-moi.pdf')
      toasts.show('Đã tải tệp phiếu mời để in.', 'success')
      return true
    })

  /** Reprinting unused print slips revokes them: asked first, with the facts (the page's dialog). */
  pendingReprint = $state<{ villageIds: string[] | undefined } | null>(null)

  askReprint = (villageIds?: string[]): void => {
    this.pendingReprint = { villageIds }
  }

  cancelReprint = (): void => {
    this.pendingReprint = null
  }

  confirmReprint = async () => {
    const p = this.pendingReprint
    if (!p) return
    await this.slips({ ...(p.villageIds ? { villageIds: p.villageIds } : {}), reissue: true })
    this.pendingReprint = null
  }

  /** One A4 notice per village for the hall board: how to answer and the "Hộ tôi chưa được hỏi ý kiến" QR code. */
  notices = (opts: { villageIds?: string[] } = {}) =>
    this.run('notices', 'Tải thông báo dán tại ấp (PDF)', async () => {
      const { blob, filename } = await this.client.noticesPdf(this.roundId, opts.villageIds?.length ? { villageIds: opts.villageIds } : {})
      saveBlob(blob, filename ?? 'thong-bao-lay-y-kien.pdf')
      toasts.show('Đã tải thông báo để dán tại ấp.', 'success')
      return true
    })

  revoke = (householdId: string) =>
    this.run(`revoke-${householdId}`, 'Thu hồi đường dẫn', async () => {
      const res = await this.client.revokeInvitation(this.roundId, householdId)
      toasts.show(res.revoked ? 'Đã thu hồi đường dẫn của hộ.' : 'Hộ này chưa có đường dẫn đang dùng.', 'success')
      return res
    })

  askReissue = (h: { id: string; code: string; headName: string; invited: boolean }): void => {
    this.reissued = null
    this.pendingReissue = { householdId: h.id, code: h.code, headName: h.headName, invited: h.invited }
  }

  cancelReissue = (): void => {
    this.pendingReissue = null
  }

  /** The new link is shown once (only its hash is kept), in the dialog with its QR code and a print button. */
  reissue = (householdId: string, channel: Channel) =>
    this.run(`reissue-${householdId}`, 'Cấp lại đường dẫn', async () => {
      const res = await this.client.reissueInvitation(this.roundId, householdId, channel)
      const h = this.pendingReissue
      this.reissued = {
        householdId,
        label: h?.householdId === householdId ? `${h.code} · ${h.headName}` : '',
        villageId: res.villageId,
        url: res.url ?? null,
        qrSvg: res.qrSvg,
        code: res.code,
        codeUrl: res.codeUrl,
        hotline: res.hotline,
      }
      this.pendingReissue = null
      if (channel !== 'print') toasts.show(`Đã cấp lại và xếp hàng gửi qua ${channel.toUpperCase()}.`, 'success')
      return res
    })

  private transition = (key: 'open' | 'close' | 'seal', label: string, fn: () => Promise<Round>, done: string) =>
    this.run(key, label, async () => {
      const r = await fn()
      this.onRound(r)
      toasts.show(done, 'success')
      return r
    })

  /**
   * A move confirmed in a dialog: the server's refusal (unsettled paper forms, a round already open, results
   * already disclosed) stays in the dialog as `refusal`, next to the facts, instead of a passing toast.
   */
  refusal = $state<string | null>(null)
  private confirmed = async (key: 'close' | 'seal' | 'reopen', fn: () => Promise<Round>, done: string): Promise<Round | null> => {
    this.busy = key
    this.refusal = null
    try {
      const r = await fn()
      this.onRound(r)
      toasts.show(done, 'success')
      return r
    } catch (err) {
      this.refusal = errorMessage(err)
      return null
    } finally {
      this.busy = null
    }
  }

  open = () => this.transition('open', 'Mở đợt', () => this.client.openRound(this.roundId), 'Đã mở đợt lấy ý kiến.')
  close = (reason?: string) => this.confirmed('close', () => this.client.closeRound(this.roundId, reason), 'Đã kết thúc thu phiếu.')
  seal = () => this.confirmed('seal', () => this.client.sealRound(this.roundId), 'Đã niêm phong kết quả.')
  reopen = (body: { reason: string; closesAt?: string }) =>
    this.confirmed('reopen', () => this.client.reopenRound(this.roundId, body), 'Đã mở lại đợt lấy ý kiến.')

  /** A sealed round's document: minutes.pdf, notices.pdf, export.xlsx, export.csv. */
  download = (name: string, fallback: string) =>
    this.run(`file-${name}`, 'Tải tệp', async () => {
      const { blob, filename } = await this.client.roundFile(this.roundId, name)
      saveBlob(blob, filename ?? fallback)
      return true
    })
}
