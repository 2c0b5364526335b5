import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { onPostgres } from '../helpers/pg-test-db.js'
import { testConfig } from '../helpers/test-config.js'
import { AUTHZ_MATRIX } from './authz-matrix.js'
import { type CaseDb, openCaseDb } from './helpers/case-db.js'
import { changedTables } from './helpers/db-hash.js'
import { fillParams } from './helpers/fill.js'
import { type RouteInfo, routeTable } from './helpers/route-table.js'
import { type AuthzWorld, makeAuthzWorld, ROLES } from './helpers/world.js'
import { repeated, sheetXml, sstXml, xlsxParts, zipOf } from './helpers/xlsx-zip.js'

vi.mock('fastify', async (orig) => (await import('./helpers/route-table.js')).recordRoutes(orig))

/** On PostgreSQL every statement is a network round trip, and each one outside an app transaction three (pg-case-savepoint.ts). */
const SLOW = onPostgres ? 3 : 1
const LONG = SLOW * 120_000
const SHORT = SLOW * 60_000

/**
 * Fuzzing every route of the registered route table. FUZZ_RUNS = cases per route
 * (default 40: ~2,500 cases in total, < 60 s on CI); FUZZ_SEED replays a failure.
 */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 40)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647)

/**
 * Tables a rejected request may legitimately write: a failed login is recorded so the throttle
 * counts it (LOGIN_MAX_FAILURES), and so is a wrong current password on a password change (it is checked like a
 * login, or the change would be a way round the throttle); nothing else.
 */
const MAY_CHANGE_ON_REJECT: Record<string, readonly string[]> = {
  'POST /api/auth/login': ['login_throttle'],
  'POST /api/auth/password': ['login_throttle'],
}

let app: FastifyInstance
let cdb: CaseDb
let w: AuthzWorld
let routes: RouteInfo[]
let cases = 0
let baseline: Record<string, string>

beforeAll(async () => {
  // each case runs in a savepoint (PostgreSQL: a transaction) rolled back afterwards: the app's transactions nest in it
  cdb = await openCaseDb()
  app = await buildApp({
    config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000', REQUEST_RATE_LIMIT_PER_HOUR: '1000000', LOGIN_MAX_FAILURES: '10000' }),
    db: cdb.appDb,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  await app.ready()
  routes = routeTable(app)
  w = await makeAuthzWorld(app, cdb.db)
  baseline = await cdb.hash()
}, SLOW * 60_000)

afterAll(async () => {
  console.log(`fuzz: ${cases} cases over ${routes?.length} routes (FUZZ_RUNS=${RUNS_PER_ROUTE}, FUZZ_SEED=${SEED})`)
  await app?.close()
  await cdb?.close()
})

// ── arbitraries ──────────────────────────────────────────────────────────────────────
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']
/** Look-alikes, bidi overrides, zero-width and combining marks, NUL, lone surrogates. */
const NASTY_STRINGS = [
  '',
  ' ',
  'аdmin', // Cyrillic а
  'Ｎguyễn', // fullwidth N
  'Nguyê\u0302n', // combining circumflex
  '\u202eevil\u202c',
  'a\u200bb',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '../../etc/passwd',
  '%00',
  "'; DROP TABLE ballots; --",
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose a plain string
  '${7*7}',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e308',
  '9007199254740993',
]
const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
)
const limitNumber = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e21,
)
const leaf = fc.oneof(nastyString, limitNumber, fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }))
const key = fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 12 }))
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).value

/** Raw JSON texts JSON.stringify cannot produce: prototype keys as own keys, deep nesting, 1e999, duplicates. */
const rawJson = fc.oneof(
  fc.constantFrom(
    '{"__proto__":{"admin":true,"role":"admin"}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"answers":{"__proto__":{"satisfied":false}}}',
    '{"a":1e999}',
    '{"a":-1e999}',
    '{"a":1,"a":2}',
    '{"a":"\\ud800"}',
    '[]',
    '""',
    'null',
    '0',
    '{',
    '{"a":',
    '\u0000',
  ),
  fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 100, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
)
/** Invalid UTF-8: overlong encodings, lone continuation bytes, surrogates encoded in UTF-8, 0xFF. */
const invalidUtf8 = fc.constantFrom(
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"a":"<U+D800 in UTF-8>"}
  Buffer.from([0x80, 0x80]),
  Buffer.from('{"answers":{"q1":{"satisfied":true,"reason":"\xe0\x80"}}}', 'latin1'),
)
const invalidPercent = fc.constantFrom('%', '%zz', '%C0%AF', '%FF', '%ED%A0%80', '%00', '%E0%80')

/** encodeURIComponent throws on lone surrogates; those still reach the server through invalidPercent. */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s)
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'))
  }
}

/** A param: the valid fixture, a nasty string, or raw invalid percent-encoding. */
function paramArb(valid: string) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(enc(valid)) },
    { weight: 3, arbitrary: nastyString.map((s) => enc(s.slice(0, 5000)) || 'x') },
    { weight: 1, arbitrary: invalidPercent },
  )
}

const queryArb = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      key,
      fc.oneof(
        nastyString.map((s) => s.slice(0, 3000)),
        limitNumber.map(String),
      ),
      { maxKeys: 4 },
    )
    .map(
      (d) =>
        `?${Object.entries(d)
          .map(([k, v]) => `${enc(k)}=${enc(v)}`)
          .join('&')}`,
    ),
  invalidPercent.map((p) => `?q=${p}&page=${p}`),
  fc.constantFrom('?page=-1', '?limit=1000000', '?page=1e999', '?limit=NaN', '?__proto__[x]=1', '?a[b][c]=1', '?page=1&page=2'),
)

/** A body: the matrix's valid body with one field replaced, arbitrary JSON, raw JSON text or bytes. */
function bodyArb(valid: unknown) {
  const mutated =
    valid && typeof valid === 'object' && !Array.isArray(valid)
      ? fc
          .tuple(fc.constantFrom(...Object.keys(valid), ...POLLUTION_KEYS), jsonish)
          .map(([k, v]) => ({ type: 'application/json', payload: JSON.stringify({ ...(valid as object), [k]: v }) }))
      : jsonish.map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' }))
  return fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 3, arbitrary: jsonish.map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' })) },
    { weight: 2, arbitrary: rawJson.map((p) => ({ type: 'application/json', payload: p })) },
    { weight: 1, arbitrary: invalidUtf8.map((p) => ({ type: 'application/json', payload: p as string | Buffer })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('text/csv', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'foo/bar'),
          nastyString,
        )
        .map(([type, p]) => ({ type, payload: p as string | Buffer })),
    },
  )
}

const authArb = fc.constantFrom(...ROLES, 'anonymous' as const)

describe('fuzzing every route', () => {
  it(
    'answers arbitrary params, queries and bodies with 2xx or an enveloped 4xx, never 5xx, and rejected requests change nothing',
    async () => {
      const failures: string[] = []
      for (const route of routes) {
        const entry = AUTHZ_MATRIX[route.key] ?? { kind: 'staff' as const, own: {} as never, foreign: 'same' as const }
        const path = route.url
        // The valid own-scope value of each param: fill the path, then read it back segment by segment.
        const filled = fillParams(path, w.own, entry).split('/')
        const validParams = Object.fromEntries(
          path
            .split('/')
            .map((seg, i) => [seg, filled[i]] as const)
            .filter(([seg]) => seg.startsWith(':'))
            .map(([seg, v]) => [seg.slice(1), decodeURIComponent(v ?? 'x')]),
        )
        const validBody = entry.body?.(w.own)
        const arb = fc.record({
          params: fc.record(Object.fromEntries(route.params.map((p) => [p, paramArb(validParams[p] as string)]))),
          query: queryArb,
          body: route.hasBody ? fc.option(bodyArb(validBody), { nil: undefined }) : fc.constant(undefined),
          auth: authArb,
        })
        await fc
          .assert(
            fc.asyncProperty(arb, async (c) => {
              cases++
              const url =
                path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => (c.params as Record<string, string>)[n] ?? 'x').replace(/\*$/, 'x') +
                c.query
              const headers: Record<string, string> = c.auth === 'anonymous' ? {} : { ...w.auth[c.auth] }
              if (c.body) headers['content-type'] = c.body.type
              await cdb.openCase('fuzz_case')
              const writesBefore = await cdb.writeMark()
              let res: Awaited<ReturnType<FastifyInstance['inject']>>
              try {
                res = await app.inject({ method: route.method as 'GET', url, headers, ...(c.body ? { payload: c.body.payload } : {}) })
                const problem = check(route, res)
                if (problem) {
                  failures.push(`${route.key} ${url.slice(0, 200)} as ${c.auth}: ${problem}`)
                  return false
                }
                // No statement wrote anything → unchanged for sure; otherwise compare every table's content.
                if (res.statusCode >= 400 && (await cdb.writeMark()) !== writesBefore) {
                  // Every case is rolled back, so the world before each case is the baseline.
                  const skip = MAY_CHANGE_ON_REJECT[route.key] ?? []
                  const changed = changedTables(baseline, await cdb.hash()).filter((t) => !skip.includes(t))
                  if (changed.length) {
                    failures.push(
                      `${route.key} ${url.slice(0, 200)} as ${c.auth}: rejected with ${res.statusCode} but changed ${changed.join(', ')}`,
                    )
                    return false
                  }
                }
                return true
              } finally {
                await cdb.rollBackCase('fuzz_case')
              }
            }),
            { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
          )
          .catch((e: Error) => failures.push(`${route.key}: ${e.message.split('\n').slice(0, 6).join(' | ')}`))
      }
      expect(failures.slice(0, 20)).toEqual([])
      expect(cases).toBeGreaterThanOrEqual(routes.length * Math.min(RUNS_PER_ROUTE, 1))
    },
    LONG,
  )
})

/**
 * Hostile household files: zip bombs whose inflated bulk sits in a shared string, an inline cell,
 * an attribute, a tag name or whitespace; workbooks with flipped or cut bytes; very wide or very long rows;
 * CSV with overlong cells. Always 2xx or an enveloped 4xx, never an echo of more than 100 characters of the
 * file, and a rejected file writes nothing.
 */
describe('fuzzing household files', () => {
  const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
  const hostile = fc.oneof(
    fc
      .record({
        where: fc.constantFrom('sst', 'inline', 'attribute', 'tag', 'whitespace', 'rows'),
        size: fc.integer({ min: 64 * 1024, max: 6 * 1024 * 1024 }),
      })
      .map(({ where, size }) => async () => {
        const head: Record<string, [string, string, string]> = {
          sst: [`<sst xmlns="${NS}"><si><t>`, 'Z', '</t></si></sst>'],
          inline: [
            `<worksheet xmlns="${NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`,
            'Z',
            '</t></is></c></row></sheetData></worksheet>',
          ],
          attribute: [`<worksheet xmlns="${NS}"><sheetData><row r="1"><c r="A1" s="`, 'Z', '"><v>1</v></c></row></sheetData></worksheet>'],
          tag: [`<worksheet xmlns="${NS}"><sheetData><row r="1"><`, 'Z', '/></row></sheetData></worksheet>'],
          whitespace: [`<worksheet xmlns="${NS}"><sheetData>`, ' ', '</sheetData></worksheet>'],
          rows: [`<worksheet xmlns="${NS}"><sheetData>`, '<row><c t="inlineStr"><is><t>Z</t></is></c></row>', '</sheetData></worksheet>'],
        }
        const [h, fill, tail] = head[where] as [string, string, string]
        const big = repeated(h, fill, size, tail)
        const sheet = where === 'sst' ? sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>') : big
        return { type: XLSX_TYPE, payload: await zipOf(xlsxParts(sheet, where === 'sst' ? big : undefined)) }
      }),
    fc
      .record({
        cut: fc.integer({ min: 0, max: 4000 }),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
      })
      .map(({ cut, flips }) => async () => {
        const good = await zipOf(
          xlsxParts(
            sheetXml('<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'),
            sstXml(['village_code', 'household_code', 'head_name']),
          ),
        )
        const bytes = Buffer.from(good.subarray(0, Math.max(30, good.length - cut)))
        for (const [at, x] of flips) bytes[at % bytes.length] = ((bytes[at % bytes.length] as number) ^ x) & 0xff
        return { type: XLSX_TYPE, payload: bytes }
      }),
    fc.record({ cols: fc.integer({ min: 1, max: 400 }), cell: fc.integer({ min: 0, max: 20_000 }) }).map(({ cols, cell }) => async () => ({
      type: 'text/csv',
      payload: `village_code,household_code,head_name${',x'.repeat(cols)}\nAA,H1,${'Z'.repeat(cell)}\n`,
    })),
  )
  it(
    'answers every hostile file with 2xx or an enveloped 4xx, echoes at most 100 characters of it, and writes nothing when rejecting',
    async () => {
      const route = routes.find((r) => r.key === 'POST /api/units/:communeId/households/import')
      const entry = AUTHZ_MATRIX['POST /api/units/:communeId/households/import']
      if (!route || !entry) throw new Error('no import route')
      const url = fillParams(route.url, w.own, entry)
      const failures: string[] = []
      await fc
        .assert(
          fc.asyncProperty(hostile, async (make) => {
            cases++
            const { type, payload } = await make()
            await cdb.openCase('fuzz_file')
            try {
              const res = await app.inject({ method: 'POST', url, headers: { ...w.auth.communeStaff, 'content-type': type }, payload })
              const problem = check(route, res) ?? (/Z{101}/.test(res.body) ? `echoed the file: ${res.body.slice(0, 200)}` : null)
              if (!problem && res.statusCode >= 400 && changedTables(baseline, await cdb.hash()).length) failures.push(`rejected but wrote`)
              if (problem) failures.push(`${res.statusCode} ${problem}`)
              return problem === null
            } finally {
              await cdb.rollBackCase('fuzz_file')
            }
          }),
          { numRuns: Math.max(10, Math.round(RUNS_PER_ROUTE / 2)), seed: SEED, endOnFailure: true },
        )
        .catch((e: Error) => failures.push(e.message.split('\n').slice(0, 6).join(' | ')))
      expect(failures.slice(0, 10)).toEqual([])
    },
    LONG,
  )
})

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** The response rule: never 5xx; API errors carry the envelope. */
function check(route: RouteInfo, res: { statusCode: number; body: string; headers: Record<string, unknown> }): string | null {
  if (res.statusCode >= 500) return `${res.statusCode} ${res.body.slice(0, 300)}`
  if (res.statusCode < 400 || !route.url.startsWith('/api/')) return null
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return `${res.statusCode} without a JSON envelope: ${res.body.slice(0, 200)}`
  }
  const err = (body as { error?: { code?: unknown; message?: unknown } }).error
  if (typeof err?.code !== 'string' || !/^[a-z_]+$/.test(err.code) || typeof err.message !== 'string')
    return `${res.statusCode} with a body that is not the error envelope: ${res.body.slice(0, 200)}`
  return null
}

/** Every string leaf of a body as [path segments, value]. */
function stringLeaves(v: unknown, at: string[] = []): string[][] {
  if (typeof v === 'string') return [at]
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...at, String(i)]))
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, [...at, k]))
  return []
}

function setAt(v: unknown, path: string[], value: string): unknown {
  const copy = structuredClone(v) as Record<string, unknown>
  let o = copy
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>
  o[path[path.length - 1] as string] = value
  return copy
}

/**
 * Ill-formed text: a lone surrogate cannot be stored as UTF-8 (SQLite would keep U+FFFD while the
 * ledger hashed the escaped surrogate), NUL and other C0 controls cut strings short in C code, PDFs
 * and CSV readers. Each must be refused at the schema boundary, naming the field.
 */
const ILL_FORMED = ['\udfff', 'a\ud800b', 'Nguy\u0000ễn', 'x\u0007y']

describe('ill-formed text in any field of any route', () => {
  it(
    'answers 400 validation_failed naming the field, and writes nothing',
    async () => {
      const failures: string[] = []
      let probed = 0
      for (const route of routes) {
        const entry = AUTHZ_MATRIX[route.key]
        const valid = entry?.body?.(w.own)
        if (!entry || !valid || typeof valid !== 'object' || entry.contentType) continue
        const role = entry.kind === 'staff' ? ROLES.find((r) => entry.own[r] !== 401 && entry.own[r] !== 403) : undefined
        if (entry.kind === 'staff' && !role) continue
        const url = fillParams(route.url, w.own, entry)
        for (const leaf of stringLeaves(valid)) {
          for (const bad of ILL_FORMED) {
            probed++
            await cdb.openCase('ill')
            try {
              const res = await app.inject({
                method: route.method as 'POST',
                url,
                headers: role ? w.auth[role] : {},
                payload: setAt(valid, leaf, bad) as object,
              })
              const err = res.json().error as { code?: string; details?: { issues?: { path: string }[] } } | undefined
              const named = err?.details?.issues?.some((i) => i.path.endsWith(leaf.join('/')))
              if (res.statusCode !== 400 || err?.code !== 'validation_failed' || !named)
                failures.push(`${route.key} ${leaf.join('.')}=${JSON.stringify(bad)}: ${res.statusCode} ${res.body.slice(0, 160)}`)
            } finally {
              await cdb.rollBackCase('ill')
            }
          }
        }
      }
      expect(failures).toEqual([])
      expect(probed).toBeGreaterThan(40)
    },
    SHORT,
  )
})
