/**
 * The two dialects' schemas are one: a fresh SQLite database migrated with drizzle/ and a fresh PostgreSQL one
 * migrated with drizzle-pg/ have, read from their own catalogs, the same tables, columns (name, nullability, type
 * class, whether a default exists), primary keys, foreign keys, unique constraints and indexes (names, columns,
 * expressions, partial or not), checks, triggers and views. PostgreSQL is PGlite in-process, and also the server at
 * TEST_DATABASE_URL when that is set (in a database created for the run and dropped after).
 */
import { eq } from 'drizzle-orm'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDb, createTestDb, type Db } from './client.js'
import { closePgDb, createPgDb, migratePg } from './pg.js'
import { closePgliteDb, createPgliteTestDb, type PgliteDb } from './pglite.js'
import * as schema from './schema.js'
import { pgSchema } from './schema-pg.js'

/** SQLite's storage classes; each PostgreSQL type is read as the class SQLite stores its values in. */
type TypeClass = 'TEXT' | 'INTEGER' | 'REAL' | 'BLOB' | 'NUMERIC' | `unmapped:${string}`

interface ColumnInfo {
  type: TypeClass
  notNull: boolean
  hasDefault: boolean
}
interface IndexInfo {
  columns: string[]
  unique: boolean
  partial: boolean
}
interface TableInfo {
  columns: Record<string, ColumnInfo>
  primaryKey: string[]
  foreignKeys: string[]
  indexes: Record<string, IndexInfo>
  checks: string[]
  triggers: string[]
}
interface Catalog {
  tables: Record<string, TableInfo>
  views: string[]
}

/**
 * Defaults the SQLite migrations added by hand and schema.ts does not have: SQLite adds a NOT NULL column to a
 * table with rows only with a constant default (0007 gave every existing seal a random id right after). The
 * application always writes the column ($defaultFn), and PostgreSQL, which gets the column with the table, has none.
 */
const SQLITE_ONLY_DEFAULTS = new Set(['sealed_results.seal_id'])

/** An index term as both dialects print it: no quotes, no spaces, lower case (`coalesce(a,b)`). */
const normaliseTerm = (term: string) => term.replace(/[`"\s]/g, '').toLowerCase()

function sqliteAffinity(declared: string): TypeClass {
  const t = declared.toLowerCase()
  if (t.includes('int')) return 'INTEGER'
  if (/char|clob|text/.test(t)) return 'TEXT'
  if (t === '' || t.includes('blob')) return 'BLOB'
  if (/real|floa|doub/.test(t)) return 'REAL'
  return 'NUMERIC'
}

function pgTypeClass(dataType: string): TypeClass {
  switch (dataType) {
    case 'text':
    case 'character varying':
    case 'character':
    case 'json':
    case 'jsonb':
      return 'TEXT'
    case 'integer':
    case 'bigint':
    case 'smallint':
    case 'boolean':
      return 'INTEGER'
    case 'double precision':
    case 'real':
      return 'REAL'
    case 'numeric':
      return 'NUMERIC'
    case 'bytea':
      return 'BLOB'
    default:
      return `unmapped:${dataType}`
  }
}

/** The terms of `CREATE [UNIQUE] INDEX name ON table (a, f(b, c)) [WHERE …]`, split at top-level commas. */
function indexTerms(createSql: string): string[] {
  const start = createSql.indexOf('(', createSql.search(/\sON\s/i))
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const ch of createSql.slice(start + 1)) {
    if (ch === '(') depth++
    if (ch === ')' && depth-- === 0) break
    if (ch === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += ch
  }
  terms.push(current)
  return terms.map(normaliseTerm)
}

const fkText = (cols: string[], table: string, foreignCols: string[], onDelete: string, onUpdate: string) =>
  `(${cols.join(',')}) → ${table}(${foreignCols.join(',')}) on delete ${onDelete.toLowerCase()} on update ${onUpdate.toLowerCase()}`

function sqliteCatalog(db: Db): Catalog {
  const sqlite = db.$client
  const master = sqlite.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as {
    type: string
    name: string
    tbl_name: string
    sql: string | null
  }[]
  const tables: Record<string, TableInfo> = {}
  for (const t of master.filter((m) => m.type === 'table' && m.name !== '__drizzle_migrations')) {
    const info = sqlite.pragma(`table_info(\`${t.name}\`)`) as {
      name: string
      type: string
      notnull: number
      dflt_value: string | null
      pk: number
    }[]
    const columns: Record<string, ColumnInfo> = {}
    for (const c of info) {
      const hasDefault = c.dflt_value !== null && !SQLITE_ONLY_DEFAULTS.has(`${t.name}.${c.name}`)
      columns[c.name] = { type: sqliteAffinity(c.type), notNull: c.notnull === 1, hasDefault }
    }
    const fkRows = sqlite.pragma(`foreign_key_list(\`${t.name}\`)`) as {
      id: number
      table: string
      from: string
      to: string
      on_update: string
      on_delete: string
    }[]
    const foreignKeys = [...new Set(fkRows.map((r) => r.id))].map((id) => {
      const rows = fkRows.filter((r) => r.id === id)
      const first = rows[0]!
      return fkText(
        rows.map((r) => r.from),
        first.table,
        rows.map((r) => r.to),
        first.on_delete,
        first.on_update,
      )
    })
    const indexes: Record<string, IndexInfo> = {}
    const list = sqlite.pragma(`index_list(\`${t.name}\`)`) as { name: string; unique: number; origin: string; partial: number }[]
    for (const ix of list.filter((i) => i.origin !== 'pk')) {
      const createSql = master.find((m) => m.type === 'index' && m.name === ix.name)?.sql
      const terms = createSql ? indexTerms(createSql) : []
      const keys = (sqlite.pragma(`index_xinfo(\`${ix.name}\`)`) as { seqno: number; name: string | null; key: number }[]).filter(
        (k) => k.key === 1,
      )
      indexes[ix.name] = {
        columns: keys.map((k) => k.name ?? terms[k.seqno] ?? '<expression>'),
        unique: ix.unique === 1,
        partial: ix.partial === 1,
      }
    }
    const checks = [...(t.sql ?? '').matchAll(/(?:CONSTRAINT\s+[`"]?(\w+)[`"]?\s+)?CHECK\s*\(/gi)].map((m) => m[1] ?? '<unnamed>').sort()
    tables[t.name] = {
      columns,
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      foreignKeys: foreignKeys.sort(),
      indexes,
      checks,
      triggers: master
        .filter((m) => m.type === 'trigger' && m.tbl_name === t.name)
        .map((m) => m.name)
        .sort(),
    }
  }
  const views = master
    .filter((m) => m.type === 'view')
    .map((m) => m.name)
    .sort()
  return { tables, views }
}

type Query = <T>(sql: string) => Promise<T[]>

const PG_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' }

async function pgCatalog(query: Query): Promise<Catalog> {
  const tables: Record<string, TableInfo> = {}
  const tableRows = await query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  )
  for (const t of tableRows) {
    tables[t.table_name] = { columns: {}, primaryKey: [], foreignKeys: [], indexes: {}, checks: [], triggers: [] }
  }
  const columns = await query<{
    table_name: string
    column_name: string
    data_type: string
    is_nullable: string
    column_default: string | null
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  )
  for (const c of columns) {
    const table = tables[c.table_name]
    if (!table) continue
    table.columns[c.column_name] = {
      type: pgTypeClass(c.data_type),
      notNull: c.is_nullable === 'NO',
      hasDefault: c.column_default !== null,
    }
  }
  const constraints = await query<{
    conname: string
    contype: string
    table: string
    ftable: string | null
    cols: string[]
    fcols: string[] | null
    confupdtype: string
    confdeltype: string
  }>(
    `SELECT c.conname, c.contype, rel.relname AS table, frel.relname AS ftable,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS cols,
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS fcols,
       c.confupdtype, c.confdeltype
     FROM pg_constraint c
     JOIN pg_class rel ON rel.oid = c.conrelid
     JOIN pg_namespace ns ON ns.oid = rel.relnamespace
     LEFT JOIN pg_class frel ON frel.oid = c.confrelid
     WHERE ns.nspname = 'public'`,
  )
  for (const c of constraints) {
    const table = tables[c.table]
    if (!table) continue
    if (c.contype === 'p') table.primaryKey = c.cols
    if (c.contype === 'f') {
      table.foreignKeys.push(fkText(c.cols, c.ftable!, c.fcols ?? [], PG_ACTIONS[c.confdeltype]!, PG_ACTIONS[c.confupdtype]!))
    }
    if (c.contype === 'c') table.checks.push(c.conname)
  }
  const indexes = await query<{ name: string; table: string; unique: boolean; partial: boolean; cols: string[] }>(
    `SELECT i.relname AS name, t.relname AS table, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
       array(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k)::text[] AS cols
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace ns ON ns.oid = t.relnamespace
     WHERE ns.nspname = 'public' AND NOT x.indisprimary`,
  )
  for (const ix of indexes) {
    const table = tables[ix.table]
    if (table) table.indexes[ix.name] = { columns: ix.cols.map(normaliseTerm), unique: ix.unique, partial: ix.partial }
  }
  const triggers = await query<{ tgname: string; table: string }>(
    `SELECT tg.tgname, c.relname AS table FROM pg_trigger tg
     JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE ns.nspname = 'public' AND NOT tg.tgisinternal`,
  )
  for (const tg of triggers) tables[tg.table]?.triggers.push(tg.tgname)
  for (const table of Object.values(tables)) {
    table.foreignKeys.sort()
    table.checks.sort()
    table.triggers.sort()
  }
  const views = (await query<{ table_name: string }>("SELECT table_name FROM information_schema.views WHERE table_schema = 'public'"))
    .map((v) => v.table_name)
    .sort()
  return { tables, views }
}

/** Every difference between two catalogs, one line each (empty: the same schema). */
function diffCatalogs(a: Catalog, b: Catalog, names: [string, string] = ['sqlite', 'postgres']): string[] {
  const out: string[] = []
  const only = (what: string, inA: string[], inB: string[]) => {
    for (const x of inA.filter((x) => !inB.includes(x))) out.push(`${what}${x}: only in ${names[0]}`)
    for (const x of inB.filter((x) => !inA.includes(x))) out.push(`${what}${x}: only in ${names[1]}`)
  }
  const same = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${what}: ${names[0]} ${JSON.stringify(x)} ≠ ${names[1]} ${JSON.stringify(y)}`)
  }
  only('table ', Object.keys(a.tables), Object.keys(b.tables))
  only('view ', a.views, b.views)
  for (const [name, ta] of Object.entries(a.tables)) {
    const tb = b.tables[name]
    if (!tb) continue
    only(`column ${name}.`, Object.keys(ta.columns), Object.keys(tb.columns))
    for (const [col, ca] of Object.entries(ta.columns)) {
      const cb = tb.columns[col]
      if (cb) same(`column ${name}.${col}`, ca, cb)
    }
    same(`primary key of ${name}`, ta.primaryKey, tb.primaryKey)
    only(`foreign key of ${name} `, ta.foreignKeys, tb.foreignKeys)
    only(`index ${name}.`, Object.keys(ta.indexes), Object.keys(tb.indexes))
    for (const [ix, ia] of Object.entries(ta.indexes)) {
      const ib = tb.indexes[ix]
      if (ib) same(`index ${ix}`, ia, ib)
    }
    only(`check of ${name} `, ta.checks, tb.checks)
    only(`trigger of ${name} `, ta.triggers, tb.triggers)
  }
  return out
}

const pgliteQuery =
  (db: PgliteDb): Query =>
  async <T>(sql: string) =>
    (await db.$client.query<T>(sql)).rows

let sqliteDb: Db
let pglite: PgliteDb
let sqlite: Catalog

beforeAll(async () => {
  sqliteDb = createTestDb()
  sqlite = sqliteCatalog(sqliteDb)
  pglite = await createPgliteTestDb()
}, 120_000)

afterAll(async () => {
  closeDb(sqliteDb)
  if (pglite) await closePgliteDb(pglite)
})

describe('one schema, two dialects', () => {
  it('reads every table of schema.ts from the SQLite catalog', () => {
    const names = Object.values(schema)
      .filter((v) => v instanceof SQLiteTable)
      .map((t) => getTableConfig(t as SQLiteTable).name)
    expect(Object.keys(sqlite.tables).sort()).toEqual(names.sort())
    expect(Object.keys(sqlite.tables).length).toBeGreaterThan(20)
    expect(sqlite.tables.invitations?.indexes.invitations_reminder_due_idx?.columns).toEqual([
      'round_id',
      'status',
      'reminder_count',
      'coalesce(last_reminded_at,sent_at)',
    ])
  })

  it('PostgreSQL (PGlite) migrated from drizzle-pg/ has the same tables, columns, keys, indexes, checks and triggers', async () => {
    const postgres = await pgCatalog(pgliteQuery(pglite))
    expect(diffCatalogs(sqlite, postgres)).toEqual([])
  })

  it.runIf(process.env.TEST_DATABASE_URL)('and so has the PostgreSQL server at TEST_DATABASE_URL', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!)
    const admin = new pg.Client({ connectionString: url.href })
    await admin.connect()
    const name = `hl_schema_${process.pid}_${Date.now()}`
    await admin.query(`CREATE DATABASE ${name}`)
    try {
      url.pathname = `/${name}`
      const db = createPgDb(url.href, { max: 2 })
      try {
        await migratePg(db)
        await migratePg(db) // a second run (another instance starting) applies nothing and fails nothing
        const postgres = await pgCatalog(async <T>(sql: string) => (await db.$client.query(sql)).rows as T[])
        expect(diffCatalogs(sqlite, postgres)).toEqual([])
      } finally {
        await closePgDb(db)
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      await admin.end()
    }
  })

  it('gives every schema.ts column the PostgreSQL type the mapping names', async () => {
    const rows = await pgliteQuery(pglite)<{ table_name: string; column_name: string; data_type: string }>(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'",
    )
    const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]))
    const expected: Record<string, string[]> = {
      SQLiteText: ['text'],
      SQLiteTextJson: ['json'],
      SQLiteBoolean: ['boolean'],
      SQLiteInteger: ['integer', 'bigint'],
      SQLiteReal: ['double precision'],
      SQLiteBlobBuffer: ['bytea'],
    }
    let checked = 0
    for (const t of Object.values(schema).filter((v) => v instanceof SQLiteTable)) {
      const config = getTableConfig(t as SQLiteTable)
      for (const c of config.columns) {
        expect(expected[c.columnType], `${config.name}.${c.name} (${c.columnType})`).toContain(actual.get(`${config.name}.${c.name}`))
        checked++
      }
    }
    expect(checked).toBe(rows.length)
    // 64 bits where SQLite's rowid alias had them
    expect(actual.get('audit_log.seq')).toBe('bigint')
  })

  it('finds a column, an index or a key that only one side has', async () => {
    const postgres = await pgCatalog(pgliteQuery(pglite))
    const changed = structuredClone(postgres)
    const units = changed.tables.units!
    delete units.columns.valid_to
    units.indexes.units_name_idx = { columns: ['name'], unique: false, partial: false }
    units.indexes.units_kind_idx!.unique = true
    changed.tables.ballots!.foreignKeys.pop()
    changed.tables.ledger!.primaryKey = ['round_id']
    changed.tables.rounds!.columns.status!.hasDefault = false
    changed.tables.users!.columns.disabled!.type = 'TEXT'
    changed.tables.outbox!.triggers.push('outbox_touch')
    expect(diffCatalogs(sqlite, changed)).toEqual(
      expect.arrayContaining([
        'column units.valid_to: only in sqlite',
        'index units.units_name_idx: only in postgres',
        expect.stringMatching(/^index units_kind_idx: /),
        expect.stringMatching(/^foreign key of ballots .*only in sqlite$/),
        expect.stringMatching(/^primary key of ledger: /),
        expect.stringMatching(/^column rounds\.status: /),
        expect.stringMatching(/^column users\.disabled: /),
        'trigger of outbox outbox_touch: only in postgres',
      ]),
    )
    // and from a real catalog: a column and an index added on one side only
    sqliteDb.$client.exec('CREATE TABLE scratch (a text); CREATE INDEX scratch_a_idx ON scratch (a)')
    await pglite.$client.exec('CREATE TABLE scratch (a text, b integer NOT NULL)')
    try {
      expect(diffCatalogs(sqliteCatalog(sqliteDb), await pgCatalog(pgliteQuery(pglite)))).toEqual([
        'column scratch.b: only in postgres',
        'index scratch.scratch_a_idx: only in sqlite',
      ])
    } finally {
      sqliteDb.$client.exec('DROP TABLE scratch')
      await pglite.$client.exec('DROP TABLE scratch')
    }
  })
})

describe('the same values through drizzle on both engines', () => {
  const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

  /** The same drizzle calls on either engine (SQLite's query builders are awaitable too). */
  async function writeAndRead(db: any, t: typeof schema) {
    const [province] = await db.insert(t.units).values({ kind: 'province', name: 'Tỉnh Cà Mau', code: '96' }).returning()
    const [village] = await db.insert(t.units).values({ kind: 'village', name: 'Ấp 1', code: '01', parentId: province.id }).returning()
    await db.insert(t.households).values({ villageId: village.id, code: 'H1', headName: 'Nguyễn Văn A', asOf: '2026-01-01' })
    await db
      .insert(t.criteriaSets)
      .values({ code: 'NTM', name: 'Bộ tiêu chí', legalBasis: 'QĐ 318', criteria: [{ ref: '1', name: 'Quy hoạch', group: null }] })
    await db.insert(t.questionnaireTemplates).values({
      code: 'Q',
      name: 'Phiếu',
      questions: [{ key: 'q1', text: 'Hài lòng?', isOverall: true, criterionRef: null }],
      legalBasis: { text: 'QĐ', number: '1', date: '2026-01-01', effectiveFrom: '2026-01-01', effectiveTo: null },
    })
    await db
      .insert(t.auditLog)
      .values({ seq: 2 ** 40, at: '2026-01-01T00:00:00.000Z', action: 'x', targetType: 'unit', prevHash: '0', hash: '1' })
    const [unit] = await db.select().from(t.units).where(eq(t.units.id, province.id))
    const [household] = await db.select().from(t.households)
    const [criteria] = await db.select().from(t.criteriaSets)
    const [template] = await db.select().from(t.questionnaireTemplates)
    const [audit] = await db.select().from(t.auditLog)
    return { unit, village, household, criteria, template, audit }
  }

  it('boolean, json, enum text, integers (64-bit too), nulls and the default timestamp read back alike', async () => {
    const lite = await writeAndRead(sqliteDb, schema)
    const pgRows = await writeAndRead(pglite, pgSchema as unknown as typeof schema)

    for (const rows of [lite, pgRows]) {
      expect(rows.unit.createdAt).toMatch(ISO_MS)
      expect(rows.unit.updatedAt).toMatch(ISO_MS)
      expect(Math.abs(Date.parse(rows.unit.createdAt) - Date.now())).toBeLessThan(60_000)
      expect(rows.unit.id).toMatch(/^[0-9a-f]{32}$/)
      expect(rows.household.active).toBe(true)
      expect(rows.template.levels).toEqual([])
      expect(rows.template.translations).toEqual({})
      expect(rows.audit.seq).toBe(2 ** 40)
    }
    const comparable = (r: typeof lite) => {
      const strip = ({ id, createdAt, updatedAt, parentId, villageId, ...rest }: Record<string, unknown>) => rest
      return {
        unit: strip(r.unit),
        village: strip(r.village),
        household: strip(r.household),
        criteria: strip(r.criteria),
        template: strip(r.template),
        audit: r.audit,
      }
    }
    expect(comparable(pgRows)).toEqual(comparable(lite))
    expect(comparable(pgRows).template).toMatchObject({ version: 1, legalBasis: { effectiveTo: null }, periodFrom: null })
    expect(typeof pgRows.template.version).toBe('number')
  })
})
