/**
 * The PostgreSQL tables, built at module load from the SQLite tables of schema.ts: that file stays the one
 * definition of the data model and this one only translates it, table by table and column by column, so a table,
 * column, key or index added there is here too (and in the PostgreSQL migrations drizzle-kit generates from this
 * file). What cannot be translated (a column type or an SQL default without a mapping below) throws at load.
 *
 * Types: text → text (enum values kept), text json → json (its text kept as written, key order included: a
 * village list keeps its order, as on SQLite; jsonb would re-sort the keys), integer → integer (bigint, read as a
 * JS number, where SQLite's 64 bits are needed: a lone integer primary key, SQLite's rowid alias, and epoch
 * milliseconds, named `*_ms`), integer boolean → boolean, real → double precision, blob → bytea. Defaults: SQLite's ISO timestamp
 * (`strftime('%Y-%m-%dT%H:%M:%fZ','now')`) becomes the same text from to_char; JSON literals become json literals;
 * `$defaultFn` / `$onUpdate` functions are the same functions.
 *
 * Each table is exported under its schema.ts name and typed as the SQLite table, so repository code is written
 * and type-checked once against one set of types; at run time the PostgreSQL driver gets the PostgreSQL table.
 */
import { getTableColumns, getTableName, is, SQL, type SQLWrapper, sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  json,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTable,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { getTableConfig, SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import * as sqlite from './schema.js'
// type-only: the completeness check at the end of this file reads this module's own exports
import type * as self from './schema-pg.js'

/** The SQLite default for "now" as ISO 8601 UTC with milliseconds, as schema.ts writes it. */
const SQLITE_NOW_ISO = "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
/** The same text in PostgreSQL: 2026-12-05T03:45:28.123Z. */
const PG_NOW_ISO = sql.raw(`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

type SqliteTables = {
  [K in keyof typeof sqlite as (typeof sqlite)[K] extends SQLiteTable ? K : never]: (typeof sqlite)[K]
}

/** PostgreSQL tables by SQL name, filled as they are built (foreign keys and indexes resolve through it later). */
const pgByName = new Map<string, PgTable>()

/** Text of an SQL chunk list made only of literal strings (a default such as sql`'[]'`), else null. */
function literalSql(value: SQL): string | null {
  let out = ''
  for (const chunk of value.queryChunks) {
    const parts = (chunk as { value?: unknown }).value
    if (!Array.isArray(parts)) return null
    out += parts.join('')
  }
  return out.trim()
}

function qualified(table: string, column: string): string {
  return `${table}.${column}`
}

/** The PostgreSQL default for a SQLite column's SQL or literal default. */
function pgDefault(table: string, col: SQLiteColumn): unknown {
  const value = col.default
  if (!is(value, SQL)) return value
  const text = literalSql(value)
  if (text === SQLITE_NOW_ISO) return PG_NOW_ISO
  if (text !== null && /^'(?:[^']|'')*'$/.test(text)) {
    const literal = text.slice(1, -1).replaceAll("''", "'")
    return col.columnType === 'SQLiteTextJson' || col.columnType === 'SQLiteBlobJson' ? JSON.parse(literal) : literal
  }
  if (text !== null && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  throw new Error(`schema-pg: no PostgreSQL form for the default of ${qualified(table, col.name)}: ${text ?? 'an SQL expression'}`)
}

/** Whether an integer column needs PostgreSQL's 64 bits (SQLite integers always have them). */
function needs64Bits(col: SQLiteColumn, tableConfig: ReturnType<typeof getTableConfig>): boolean {
  const lonePrimaryKey = col.primary && tableConfig.columns.filter((c) => c.primary).length === 1
  return lonePrimaryKey || col.name.endsWith('_ms')
}

function pgColumn(table: string, col: SQLiteColumn, tableConfig: ReturnType<typeof getTableConfig>): PgColumnBuilderBase {
  const name = col.name
  let b: any
  switch (col.columnType) {
    case 'SQLiteText':
      b = text(name, col.enumValues?.length ? { enum: col.enumValues as [string, ...string[]] } : {})
      break
    case 'SQLiteTextJson':
    case 'SQLiteBlobJson':
      b = json(name)
      break
    case 'SQLiteInteger':
      if ((col as { autoIncrement?: boolean }).autoIncrement) {
        throw new Error(`schema-pg: ${qualified(table, name)} is AUTOINCREMENT; give it an explicit value or map it to an identity here`)
      }
      b = needs64Bits(col, tableConfig) ? bigint(name, { mode: 'number' }) : integer(name)
      break
    case 'SQLiteBoolean':
      b = boolean(name)
      break
    case 'SQLiteReal':
      b = doublePrecision(name)
      break
    case 'SQLiteBlobBuffer':
      b = bytea(name)
      break
    case 'SQLiteBigInt':
      b = bigint(name, { mode: 'bigint' })
      break
    default:
      throw new Error(`schema-pg: no PostgreSQL type for ${qualified(table, name)} (${col.columnType}); add one in db/src/schema-pg.ts`)
  }
  if (col.generated) throw new Error(`schema-pg: generated column ${qualified(table, name)} has no mapping yet`)
  if (col.notNull) b = b.notNull()
  if (col.primary) b = b.primaryKey()
  if (col.isUnique) b = b.unique(col.uniqueName, col.uniqueType === 'not distinct' ? { nulls: 'not distinct' } : undefined)
  if (col.default !== undefined) b = b.default(pgDefault(table, col))
  if (col.defaultFn) b = b.$defaultFn(col.defaultFn)
  if (col.onUpdateFn) b = b.$onUpdateFn(col.onUpdateFn)
  return b
}

/** The PostgreSQL column standing for a SQLite column (same table name, same column name). */
function pgColumnOf(col: SQLiteColumn, own?: { table: string; columns: Record<string, unknown> }): AnyPgColumn {
  const table = getTableName(col.table)
  const target = pgByName.get(table)
  const pg = own && own.table === table ? own.columns : target && getTableColumns(target)
  const found = pg && Object.values(pg).find((c) => (c as PgColumn).name === col.name)
  if (!found) throw new Error(`schema-pg: no PostgreSQL column for ${qualified(table, col.name)}`)
  return found as AnyPgColumn
}

/** An SQL expression (index expression, partial-index condition, check) rebound from SQLite to PostgreSQL columns. */
function rebind(value: SQL, own: { table: string; columns: Record<string, unknown> }): SQL {
  return new SQL(
    value.queryChunks.map((chunk) => {
      if (is(chunk, SQLiteTable)) return pgByName.get(getTableName(chunk)) as unknown as SQLWrapper
      if (is(chunk, SQL)) return rebind(chunk, own)
      if (is(chunk, SQLiteColumn)) return pgColumnOf(chunk, own)
      return chunk
    }),
  )
}

function buildTable(source: SQLiteTable): PgTable {
  const config = getTableConfig(source)
  const table = config.name
  const columns = Object.fromEntries(
    Object.entries(getTableColumns(source)).map(([key, col]) => [key, pgColumn(table, col as SQLiteColumn, config)]),
  )
  const built = pgTable(table, columns, (t) => {
    const own = { table, columns: t as Record<string, unknown> }
    const col = (c: SQLiteColumn) => pgColumnOf(c, own)
    const on = (c: SQLiteColumn | SQL) => (is(c, SQL) ? rebind(c, own) : col(c as SQLiteColumn))
    return [
      ...config.primaryKeys.map((pk) =>
        primaryKey({ name: pk.getName(), columns: pk.columns.map(col) as [AnyPgColumn, ...AnyPgColumn[]] }),
      ),
      ...config.foreignKeys.map((fk) => {
        const ref = fk.reference()
        let b = foreignKey({
          name: fk.getName(),
          columns: ref.columns.map(col) as [AnyPgColumn, ...AnyPgColumn[]],
          foreignColumns: ref.foreignColumns.map((c) => pgColumnOf(c)) as [AnyPgColumn, ...AnyPgColumn[]],
        })
        if (fk.onDelete) b = b.onDelete(fk.onDelete)
        if (fk.onUpdate) b = b.onUpdate(fk.onUpdate)
        return b
      }),
      ...config.uniqueConstraints.map((u) => unique(u.name).on(...(u.columns.map(col) as [AnyPgColumn, ...AnyPgColumn[]]))),
      ...config.checks.map((c) => check(c.name, rebind(c.value, own))),
      ...config.indexes.map((ix) => {
        const cols = ix.config.columns.map((c) => on(c as SQLiteColumn | SQL)) as [any, ...any[]]
        const b = (ix.config.unique ? uniqueIndex(ix.config.name) : index(ix.config.name)).on(...cols)
        return ix.config.where ? b.where(rebind(ix.config.where, own)) : b
      }),
    ]
  })
  pgByName.set(table, built)
  return built
}

function buildAll(): SqliteTables {
  const out: Record<string, PgTable> = {}
  for (const [key, value] of Object.entries(sqlite)) {
    if (is(value, SQLiteTable)) out[key] = buildTable(value)
  }
  return out as unknown as SqliteTables
}

/**
 * Every table of schema.ts as a PostgreSQL table, under its schema.ts export name (for drizzle(client, { schema })).
 * Typed as the SQLite tables: queries are written once against those types.
 */
export const pgSchema: SqliteTables = buildAll()

// Named exports for drizzle-kit (it collects the module's exported tables) and for imports by name. ES modules
// cannot export names computed at run time, so here is the one line per table; the check below fails the
// typecheck when schema.ts has a table this list lacks.
export const units = pgSchema.units
export const households = pgSchema.households
export const users = pgSchema.users
export const loginThrottle = pgSchema.loginThrottle
export const criteriaSets = pgSchema.criteriaSets
export const questionnaireTemplates = pgSchema.questionnaireTemplates
export const ruleSets = pgSchema.ruleSets
export const rounds = pgSchema.rounds
export const provinceSettings = pgSchema.provinceSettings
export const invitations = pgSchema.invitations
export const participations = pgSchema.participations
export const ballots = pgSchema.ballots
export const pendingBallots = pgSchema.pendingBallots
export const linkOpenCounts = pgSchema.linkOpenCounts
export const paperEntries = pgSchema.paperEntries
export const collectorAssignments = pgSchema.collectorAssignments
export const householdRequests = pgSchema.householdRequests
export const villageCounters = pgSchema.villageCounters
export const tallyCounters = pgSchema.tallyCounters
export const ledger = pgSchema.ledger
export const sealedResults = pgSchema.sealedResults
export const sealedIntegrity = pgSchema.sealedIntegrity
export const roundMinutes = pgSchema.roundMinutes
export const councilDecisions = pgSchema.councilDecisions
export const feedback = pgSchema.feedback
export const outbox = pgSchema.outbox
export const webhookEvents = pgSchema.webhookEvents
export const zaloTokens = pgSchema.zaloTokens
export const auditLog = pgSchema.auditLog

/** Fails to compile, naming the table ("Type 'x' does not satisfy the constraint 'never'"), when schema.ts has a table without an export line above. */
type EveryTableExported<Missing extends never> = Missing
type _EveryTableExported = EveryTableExported<Exclude<keyof SqliteTables, keyof typeof self>>
