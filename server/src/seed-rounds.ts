import { type AppDb, sealedResults, seedData } from '@app/db'
import type { Question } from '@app/shared'
import { eq } from 'drizzle-orm'
import { createHouseholdRepo } from './modules/households/repo.js'
import type { Actor } from './modules/policy.js'
import { createUserRepo } from './modules/users/repo.js'
import type { Services } from './services.js'

export interface SeedRoundsSummary {
  rounds: { commune: string; roundId: string; level: string; status: string; ballots: number }[]
}

/** Plausible dissatisfied reasons per question key (obviously demo text): the HD 90 form and the QĐ 51/2025 form. */
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
  tc1: ['Chưa được phổ biến quy hoạch xã mới sau sáp nhập', 'Không biết quy hoạch khu dân cư mới'],
  tc2: ['Đường vào ấp còn lầy lội mùa mưa', 'Cầu kênh xuống cấp', 'Nước sạch chưa về tới nhà'],
  tc3: ['Giá lúa tôm bấp bênh', 'Chưa có hợp tác xã đầu ra ổn định'],
  tc4: ['Lớp dạy nghề ít, xa nhà', 'Thanh niên chưa có việc làm tại chỗ'],
  tc5: ['Trạm y tế xa sau khi sáp nhập xã', 'Nhà văn hóa ấp ít hoạt động'],
  tc6: ['Hộ khó khăn chưa được hỗ trợ kịp thời'],
  tc7: ['Chưa biết dùng dịch vụ công trực tuyến', 'Sóng điện thoại yếu ở cuối ấp'],
  tc8: ['Rác thải chưa được thu gom thường xuyên', 'Kênh rạch còn ô nhiễm'],
  tc9: ['Đi làm thủ tục ở trụ sở xã mới còn xa', 'Thủ tục hành chính còn chậm'],
  tc10: ['Còn trộm vặt ban đêm'],
  chung: ['Kết quả chưa rõ ở ấp tôi', 'Cần cải thiện thêm đường và nước sạch'],
}
const COMMENTS = [
  'Đề nghị lắp thêm đèn đường ở các tuyến liên ấp',
  'Mong xã hỗ trợ giống cây trồng cho bà con',
  'Cảm ơn Mặt trận đã lấy ý kiến người dân',
  'Đề nghị nạo vét kênh thủy lợi trước mùa mưa',
]

const DAY = 86_400_000
/** Rounds of the 2026–2030 period open from this day on (QĐ 51/2025/QĐ-TTg in force). */
const QD51_FROM = Date.parse('2026-02-15T00:00:00+07:00')

/**
 * Demo rounds on top of `seedDemo` (call it right after, on the same database).
 * - History: in old xã Biển Bạch (huyện Thới Bình, until 30/06/2025), a xã NTM round of March 2025 under
 *   the 2021–2025 rules (HD 90 form, QĐ 318/2022 criteria), sealed and recognised by the council (20/0/0).
 * - 2026–2030: under QĐ 51/2025 (its form and rule set, xã NTM) in the merged communes: an open round in
 *   Biển Bạch with about half the households, an open one in Tân Lộc with a third, a draft in Trí Phải.
 *   Their windows are relative to now (and never before 15/02/2026).
 * Ballots go through `services.ballots.recordBallot` (the same transaction code as the API) and are
 * deterministic. Does nothing when Biển Bạch already has rounds.
 */
export async function seedDemoRounds(db: AppDb, services: Services, opts: { now?: Date; seed?: number } = {}): Promise<SeedRoundsSummary> {
  const realNow = (opts.now ?? new Date()).getTime()
  const now = Math.max(realNow, QD51_FROM + 5 * DAY)
  const rand = seedData.prng(opts.seed ?? 20250601)
  const actorOf = async (username: string): Promise<Actor> => {
    const u = await createUserRepo(db).findByUsername(username)
    const a = u ? await services.users.actorFor(u.id, u.tokenVersion) : null
    if (!a) throw new Error(`demo user ${username} missing: run seedDemo first`)
    return a
  }
  const staff = await actorOf('mttq.tinh')
  const council = await actorOf('hoidong')
  const newest = async (code: string) => {
    const t = (await services.questionnaires.templates()).filter((x) => x.code === code).sort((a, b) => b.version - a.version)[0]
    if (!t) throw new Error(`the ${code} template is missing: run seedDemo first`)
    return t
  }
  const ruleSet = async (code: string) => {
    const rs = (await services.questionnaires.ruleSets()).find((x) => x.code === code && x.provinceId === null)
    if (!rs) throw new Error(`the ${code} rule set is missing: run seedDemo first`)
    return rs
  }
  const hd90 = await newest(seedData.TEMPLATE_HD90_9.code)
  const qd51 = await newest(seedData.TEMPLATE_QD51_XA_NTM.code)
  const communes = (await services.units.subtree(null)).filter((u) => u.kind === 'commune')
  /** A commune by name: the current one, or the pre-2025 one (`old`). */
  const commune = (name: string, old = false) => {
    const c = communes.find((u) => u.name === name && (old ? u.validTo !== null : u.validTo === null))
    if (!c) throw new Error(`demo commune ${name} missing`)
    return c
  }
  const bienBachOld = commune('Biển Bạch', true)
  const bienBach = commune('Biển Bạch')
  const summary: SeedRoundsSummary = { rounds: [] }
  if ((await services.rounds.listAll({ communeIds: [bienBachOld.id, bienBach.id] })).length > 0) return summary

  const iso = (t: number) => new Date(t).toISOString()
  const create = async (communeId: string, opensAt: number, closesAt: number) =>
    services.rounds.create(staff, {
      communeId,
      level: 'xa_ntm',
      templateId: qd51.id,
      ruleSetId: (await ruleSet('QD51_XA_NTM')).id,
      opensAt: iso(opensAt),
      closesAt: iso(closesAt),
    })

  /** Households of each village answer with probability `share` (per village, ± a little); mostly satisfied. */
  async function answer(roundId: string, communeId: string, share: number, satisfaction: number): Promise<number> {
    const round = await services.rounds.findById(roundId)
    if (!round) throw new Error('round vanished')
    const questions = (await services.rounds.questionsOf(round)) as Question[]
    let n = 0
    for (const v of (await services.units.children(communeId, 'village')).sort((a, b) => a.code.localeCompare(b.code))) {
      const villageShare = Math.min(1, Math.max(0, share + (rand() - 0.5) * 0.12))
      const hhs = (await createHouseholdRepo(db).listByVillage(v.id)).filter((h) => h.active)
      await db.transaction(async (tx) => {
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
          await services.ballots.recordBallot(tx, {
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

  // Old Biển Bạch, xã NTM 2025: collected 10–21/03/2025, tallied 24/03, recognised 15/04/2025. The round is
  // run now (opening needs a window ahead) and its times are then set back to 2025, as if entered then.
  const at = (day: string, time = '08:00') => Date.parse(`${day}T${time}:00+07:00`)
  const window2025 = { opensAt: iso(at('2025-03-10', '00:00')), closesAt: iso(at('2025-03-21', '23:59')) }
  const sealed = await services.rounds.create(staff, {
    communeId: bienBachOld.id,
    level: 'xa_ntm',
    templateId: hd90.id,
    ruleSetId: (await ruleSet('HD90_XA_NTM')).id,
    ...window2025,
  })
  await services.rounds.backdateWindow(sealed.id, { opensAt: iso(realNow - DAY), closesAt: iso(realNow + DAY) })
  await services.rounds.open(staff, sealed.id)
  const sealedBallots = await answer(sealed.id, bienBachOld.id, 0.9, 0.985)
  await services.rounds.backdateWindow(sealed.id, window2025)
  await services.rounds.close(staff, sealed.id, 'kết thúc đợt lấy ý kiến')
  await services.reports.setMinutesMeta(staff, sealed.id, {
    meetingAt: iso(at('2025-03-24', '14:00')),
    place: 'Hội trường Ủy ban nhân dân xã Biển Bạch',
    participants: [
      { name: 'Nguyễn Văn Mẫu A', title: 'Chủ tịch Ủy ban MTTQ Việt Nam xã', role: 'chair' },
      { name: 'Trần Thị Mẫu B', title: 'Ủy viên Ban Thường trực Ủy ban MTTQ Việt Nam xã', role: 'secretary' },
      { name: 'Lê Văn Mẫu C', title: 'Trưởng Ban công tác Mặt trận ấp', role: 'member' },
    ],
    recipients: ['Ban Thường trực Ủy ban MTTQ Việt Nam huyện Thới Bình', 'Đảng ủy, HĐND, UBND xã Biển Bạch', 'Lưu VT'],
    issued: null,
  })
  await services.tally.seal(staff, sealed.id)
  const sealedAt = iso(at('2025-03-24', '17:00'))
  await services.rounds.backdateWindow(sealed.id, { ...window2025, openedAt: window2025.opensAt, closedAt: window2025.closesAt, sealedAt })
  await db.update(sealedResults).set({ sealedAt }).where(eq(sealedResults.roundId, sealed.id))
  await services.council.record(council, sealed.id, {
    votesFor: 20,
    votesAgainst: 0,
    votesAbstain: 0,
    decision: 'recognise',
    notes: 'Hội đồng thẩm định thống nhất 100 % đề nghị công nhận xã đạt chuẩn nông thôn mới.',
    decidedAt: '2025-04-15',
  })
  summary.rounds.push({ commune: bienBachOld.name, roundId: sealed.id, level: 'xa_ntm', status: 'sealed', ballots: sealedBallots })

  // Biển Bạch (merged), xã NTM under QĐ 51/2025: open now, about half the households so far.
  const open = await create(bienBach.id, now - 4 * DAY, now + 10 * DAY)
  await services.rounds.open(staff, open.id)
  summary.rounds.push({
    commune: bienBach.name,
    roundId: open.id,
    level: 'xa_ntm',
    status: 'open',
    ballots: await answer(open.id, bienBach.id, 0.52, 0.95),
  })

  // Tân Lộc (merged), xã NTM: open, a third of the households so far.
  const tanLoc = commune('Tân Lộc')
  const open2 = await create(tanLoc.id, now - 2 * DAY, now + 12 * DAY)
  await services.rounds.open(staff, open2.id)
  summary.rounds.push({
    commune: tanLoc.name,
    roundId: open2.id,
    level: 'xa_ntm',
    status: 'open',
    ballots: await answer(open2.id, tanLoc.id, 0.34, 0.93),
  })

  // Trí Phải (merged), xã NTM: a draft being prepared.
  const triPhai = commune('Trí Phải')
  const draft = await create(triPhai.id, now + 7 * DAY, now + 21 * DAY)
  summary.rounds.push({ commune: triPhai.name, roundId: draft.id, level: 'xa_ntm', status: 'draft', ballots: 0 })
  return summary
}
