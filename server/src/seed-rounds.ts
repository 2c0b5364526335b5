import { type Db, seedData } from '@app/db'
import type { Question } from '@app/shared'
import type { Actor } from './modules/policy.js'
import type { Services } from './services.js'

export interface SeedRoundsSummary {
  rounds: { commune: string; roundId: string; level: string; status: string; ballots: number }[]
}

/** Plausible dissatisfied reasons per criterion of the HD 90 nine-question form (obviously demo text). */
const REASONS: Record<string, string[]> = {
  q1: ['Chưa được phổ biến quy hoạch của xã', 'Không biết họp lấy ý kiến quy hoạch lúc nào'],
  q2: ['Đường vào ấp còn lầy lội mùa mưa', 'Đường hẹp, chưa có đèn chiếu sáng', 'Cầu kênh xuống cấp'],
  q3: ['Nước sạch chưa về tới nhà', 'Điện chập chờn vào mùa khô'],
  q4: ['Nhà văn hóa ấp ít hoạt động', 'Sân thể thao xa nhà'],
  q5: ['Thu nhập chưa ổn định', 'Giá lúa tôm bấp bênh'],
  q6: ['Đóng góp còn nhiều khoản', 'Chưa công khai các khoản đóng góp'],
  q7: ['Rác thải chưa được thu gom thường xuyên', 'Kênh rạch còn ô nhiễm'],
  q8: ['Còn trộm vặt ban đêm', 'Thủ tục hành chính còn chậm'],
  q9: ['Kết quả chưa rõ ở ấp tôi', 'Cần cải thiện thêm đường và nước sạch'],
}
const COMMENTS = [
  'Đề nghị lắp thêm đèn đường ở các tuyến liên ấp',
  'Mong xã hỗ trợ giống cây trồng cho bà con',
  'Cảm ơn Mặt trận đã lấy ý kiến người dân',
  'Đề nghị nạo vét kênh thủy lợi trước mùa mưa',
]

const DAY = 86_400_000

/**
 * Demo rounds on top of `seedDemo` (call it right after, on the same database): in Biển Bạch a
 * sealed xã NTM round recognised by the council (20/0/0) and an open NTM nâng cao round with partial
 * coverage; an open round with partial coverage in Tân Bằng; a draft round in Trí Phải. Ballots
 * go through `services.ballots.recordBallot` (the same transaction code as the API) and are
 * deterministic. Does nothing when Biển Bạch already has rounds.
 */
export function seedDemoRounds(db: Db, services: Services, opts: { now?: Date; seed?: number } = {}): SeedRoundsSummary {
  const now = (opts.now ?? new Date()).getTime()
  const rand = seedData.prng(opts.seed ?? 20250601)
  const actorOf = (username: string): Actor => {
    const u = services.users.repo.findByUsername(username)
    const a = u ? services.users.actorFor(u.id, u.tokenVersion) : null
    if (!a) throw new Error(`demo user ${username} missing: run seedDemo first`)
    return a
  }
  const staff = actorOf('mttq.tinh')
  const council = actorOf('hoidong')
  const template = services.questionnaires.repo
    .templates()
    .filter((t) => t.code === seedData.TEMPLATE_HD90_9.code)
    .sort((a, b) => b.version - a.version)[0]
  if (!template) throw new Error('the HD 90 template is missing: run seedDemo first')
  const communes = services.units.repo.subtree(null).filter((u) => u.kind === 'commune')
  const commune = (name: string) => {
    const c = communes.find((u) => u.name === name)
    if (!c) throw new Error(`demo commune ${name} missing`)
    return c
  }
  const bienBach = commune('Biển Bạch')
  const summary: SeedRoundsSummary = { rounds: [] }
  if (services.rounds.listAll({ communeIds: [bienBach.id] }).length > 0) return summary

  const iso = (t: number) => new Date(t).toISOString()
  const create = (communeId: string, level: string, opensAt: number, closesAt: number) =>
    services.rounds.create(staff, { communeId, level, templateId: template.id, opensAt: iso(opensAt), closesAt: iso(closesAt) })

  /** Households of each village answer with probability `share` (per village, ± a little); mostly satisfied. */
  function answer(roundId: string, communeId: string, share: number, satisfaction: number): number {
    const round = services.rounds.findById(roundId)
    if (!round) throw new Error('round vanished')
    const questions = services.rounds.questionsOf(round) as Question[]
    let n = 0
    for (const v of services.units.repo.children(communeId, 'village').sort((a, b) => a.code.localeCompare(b.code))) {
      const villageShare = Math.min(1, Math.max(0, share + (rand() - 0.5) * 0.12))
      const hhs = services.households.repo.listByVillage(v.id).filter((h) => h.active)
      db.transaction((tx) => {
        for (const h of hhs) {
          if (rand() >= villageShare) continue
          const answers: Record<string, { satisfied: boolean; reason?: string }> = {}
          for (const q of questions) {
            const satisfied = rand() < (q.isOverall ? satisfaction : satisfaction - 0.03)
            const reasons = REASONS[q.key] ?? ['Chưa hài lòng']
            answers[q.key] = satisfied ? { satisfied } : { satisfied, reason: reasons[Math.floor(rand() * reasons.length)] as string }
          }
          const comment = rand() < 0.04 ? (COMMENTS[Math.floor(rand() * COMMENTS.length)] as string) : null
          const channel = rand() < 0.45 ? 'link' : rand() < 0.7 ? 'paper' : 'meeting'
          services.ballots.recordBallot(tx, {
            round,
            householdId: h.id,
            villageId: v.id,
            channel,
            answers,
            comment,
            clientKey: null,
            contentHash: `demo-${h.id}`,
            secondsToComplete: channel === 'link' ? 60 + Math.floor(rand() * 240) : null,
            fingerprint: null,
            enteredBy: channel === 'link' ? null : staff.id,
          })
          n++
        }
      })
    }
    return n
  }

  // Biển Bạch, xã NTM: collected two months ago, sealed, recognised by the council 20/0/0.
  const sealed = create(bienBach.id, 'xa_ntm', now - 75 * DAY, now + DAY)
  services.rounds.open(staff, sealed.id)
  const sealedBallots = answer(sealed.id, bienBach.id, 0.9, 0.985)
  services.rounds.backdateWindow(sealed.id, { opensAt: iso(now - 75 * DAY), closesAt: iso(now - 64 * DAY) })
  services.rounds.close(staff, sealed.id, 'kết thúc đợt lấy ý kiến')
  services.tally.seal(staff, sealed.id)
  services.council.record(council, sealed.id, {
    votesFor: 20,
    votesAgainst: 0,
    votesAbstain: 0,
    decision: 'recognise',
    notes: 'Hội đồng thẩm định thống nhất 100 % đề nghị công nhận xã đạt chuẩn nông thôn mới.',
    decidedAt: iso(now - 50 * DAY).slice(0, 10),
  })
  summary.rounds.push({ commune: bienBach.name, roundId: sealed.id, level: 'xa_ntm', status: 'sealed', ballots: sealedBallots })

  // Biển Bạch, NTM nâng cao: open now, about half the households so far.
  const open = create(bienBach.id, 'xa_ntm_nang_cao', now - 4 * DAY, now + 10 * DAY)
  services.rounds.open(staff, open.id)
  summary.rounds.push({
    commune: bienBach.name,
    roundId: open.id,
    level: 'xa_ntm_nang_cao',
    status: 'open',
    ballots: answer(open.id, bienBach.id, 0.52, 0.95),
  })

  // Tân Bằng, xã NTM: open, a third of the households so far.
  const tanBang = commune('Tân Bằng')
  const open2 = create(tanBang.id, 'xa_ntm', now - 2 * DAY, now + 12 * DAY)
  services.rounds.open(staff, open2.id)
  summary.rounds.push({
    commune: tanBang.name,
    roundId: open2.id,
    level: 'xa_ntm',
    status: 'open',
    ballots: answer(open2.id, tanBang.id, 0.34, 0.93),
  })

  // Trí Phải, xã NTM: a draft being prepared.
  const triPhai = commune('Trí Phải')
  const draft = create(triPhai.id, 'xa_ntm', now + 7 * DAY, now + 21 * DAY)
  summary.rounds.push({ commune: triPhai.name, roundId: draft.id, level: 'xa_ntm', status: 'draft', ballots: 0 })
  return summary
}
