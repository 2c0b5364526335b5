import { type AppDb, provinceSettings, seedData } from '@app/db'
import { vnDay } from '@app/shared'
import { hashPassword } from './lib/passwords.js'
import { createHouseholdRepo } from './modules/households/repo.js'
import { createUnitRepo } from './modules/units/repo.js'
import { createUserRepo } from './modules/users/repo.js'
import type { Services } from './services.js'

export interface SeedSummary {
  units: number
  households: number
  users: string[]
}

/** True when the database holds no unit yet (first start). */
export async function isEmpty(services: Services): Promise<boolean> {
  return (await services.units.subtree(null)).length === 0
}

/**
 * Seed the national reference data (criteria sets, questionnaire templates) when missing.
 * Safe on any database: versions are only added when the code is absent.
 */
export async function seedReferenceData(services: Services): Promise<void> {
  const q = services.questionnaires
  const sets = new Map<string, string>()
  for (const cs of [seedData.QD318_2022, seedData.QD51_2025]) {
    const existing = (await q.listCriteriaSets()).find((c) => c.code === cs.code && c.version === 1)
    sets.set(cs.code, existing?.id ?? (await q.createCriteriaSet(null, cs)).id)
  }
  const present = async (code: string) => (await q.listTemplates()).some((t) => t.code === code)
  for (const t of [seedData.TEMPLATE_HD90_9, seedData.TEMPLATE_QD318_19]) {
    if (await present(t.code)) continue
    await q.createTemplate(null, { ...t, criteriaSetId: sets.get('QD318_2022') ?? null })
  }
  for (const t of [seedData.TEMPLATE_QD51_XA_NTM, seedData.TEMPLATE_QD51_HIEN_DAI]) {
    if (await present(t.code)) continue
    await q.createTemplate(null, { ...t, criteriaSetId: sets.get('QD51_2025') ?? null })
  }
  for (const rs of seedData.SHIPPED_RULE_SETS) {
    if ((await q.listRuleSets()).some((r) => r.code === rs.code)) continue
    await q.createRuleSet(null, rs)
  }
}

/** Seed the demo commune data (shared/DESIGN.md §6). Deterministic; call only on an empty database. */
export async function seedDemo(db: AppDb, services: Services): Promise<SeedSummary> {
  const provinces = seedData.demoProvinces()
  const hashes = new Map<string, string>()
  for (const u of seedData.DEMO_USERS) hashes.set(u.username, await hashPassword(seedData.DEMO_PASSWORD))
  const asOf = vnDay(new Date())
  let unitCount = 0
  let householdCount = 0
  await db.transaction(async (tx) => {
    // the demo world is written straight through the repositories (no actor, no audit), inside one transaction
    const unitRepo = createUnitRepo(db)
    const householdRepo = createHouseholdRepo(db)
    const userRepo = createUserRepo(db)
    const ids = new Map<string, string>()
    /** Successor links, set once every unit exists: [unit id, key of its successor]. */
    const successors: [string, string][] = []
    const insertCommune = async (p: seedData.DemoProvince, parentId: string, c: seedData.DemoCommune) => {
      const commune = await unitRepo.insert(
        { kind: 'commune', name: c.name, code: c.code, parentId, validFrom: c.validFrom ?? null, validTo: c.validTo ?? null },
        tx,
      )
      unitCount++
      // current communes are addressed by code; an old one with the same code under a district never shadows them
      if (!c.validTo) ids.set(`${p.code}/${c.code}`, commune.id)
      if (c.successor) successors.push([commune.id, c.successor])
      for (const v of c.villages) {
        const village = await unitRepo.insert(
          { kind: 'village', name: v.name, code: v.code, parentId: commune.id, validFrom: c.validFrom ?? null, validTo: c.validTo ?? null },
          tx,
        )
        unitCount++
        await householdRepo.insertMany(
          v.households.map((h) => ({
            villageId: village.id,
            code: h.code,
            headName: h.headName,
            phone: h.phone,
            address: h.address,
            source: 'demo',
            asOf,
          })),
          tx,
        )
        householdCount += v.households.length
      }
    }
    for (const p of provinces) {
      const prov = await unitRepo.insert(
        { kind: 'province', name: p.name, code: p.code, parentId: null, validFrom: p.validFrom ?? null, validTo: p.validTo ?? null },
        tx,
      )
      ids.set(p.code, prov.id)
      if (p.linkChannelBasis)
        await tx.insert(provinceSettings).values({ provinceId: prov.id, linkEnabled: true, linkLegalBasis: p.linkChannelBasis })
      if (p.successorCode) successors.push([prov.id, p.successorCode])
      unitCount++
      if (p.district) {
        const district = await unitRepo.insert(
          {
            kind: 'district',
            name: p.district.name,
            code: p.district.code,
            parentId: prov.id,
            validFrom: p.district.validFrom,
            validTo: p.district.validTo,
          },
          tx,
        )
        unitCount++
        for (const c of p.district.communes) await insertCommune(p, district.id, c)
      }
      for (const c of p.communes) await insertCommune(p, prov.id, c)
    }
    for (const [id, key] of successors) {
      const successorId = ids.get(key)
      if (!successorId) throw new Error(`demo successor ${key} missing`)
      await unitRepo.update(id, { successorId }, tx)
    }
    for (const u of seedData.DEMO_USERS) {
      const unitId = ids.get('commune' in u.unit ? `${u.unit.province}/${u.unit.commune}` : u.unit.province)
      if (!unitId) throw new Error(`demo unit missing for ${u.username}`)
      await userRepo.insert({ username: u.username, passwordHash: hashes.get(u.username) as string, role: u.role, unitId }, tx)
    }
    await services.audit.record(tx, {
      actorId: null,
      action: 'seed.demo',
      targetType: 'database',
      data: { units: unitCount, households: householdCount },
    })
  })
  await seedReferenceData(services)
  return { units: unitCount, households: householdCount, users: seedData.DEMO_USERS.map((u) => u.username) }
}
