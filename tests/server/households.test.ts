import { auditLog, households, users } from '@app/db'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeHouseholds, makeUser } from '../helpers/factories.js'
import { makeTemplate } from '../helpers/rounds.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const HEADER = 'village_code,household_code,head_name,phone,address'

/** Commune AA (villages AA-01, AA-02, empty) in one province, commune BB (2 × 3 households) in another. */
async function setup(env: Record<string, string> = {}) {
  const t = await buildTestApp({ env })
  const a = makeCommune(t.db, { code: 'AA', name: 'Biển Bạch' })
  const b = makeCommune(t.db, { code: 'BB', name: 'Long Hữu', provinceName: 'Trà Vinh', perVillage: 3 })
  await makeUser(t.db, { username: 'root', role: 'admin', unitId: a.province.id })
  await makeUser(t.db, { username: 'staff.a', role: 'front_staff', unitId: a.commune.id })
  await makeUser(t.db, { username: 'staff.b', role: 'front_staff', unitId: b.commune.id })
  await makeUser(t.db, { username: 'collector.a', role: 'collector', unitId: a.commune.id })
  await makeUser(t.db, { username: 'council.a', role: 'council', unitId: a.province.id })
  const rowsOf = (villageId: string) =>
    t.db
      .select()
      .from(households)
      .all()
      .filter((h) => h.villageId === villageId)
      .sort((x, y) => x.code.localeCompare(y.code))
  const count = () => t.db.select().from(households).all().length
  return { ...t, a, b, rowsOf, count }
}

type Setup = Awaited<ReturnType<typeof setup>>

async function importFile(s: Setup, body: string | Buffer, opts: { user?: string; communeId?: string; contentType?: string } = {}) {
  return s.app.inject({
    method: 'POST',
    url: `/api/units/${opts.communeId ?? s.a.commune.id}/households/import`,
    headers: { ...(await loginAs(s.app, opts.user ?? 'staff.a')), 'content-type': opts.contentType ?? 'text/csv' },
    payload: body,
  })
}

const csv = (...lines: string[]) => `${lines.join('\n')}\n`

describe('POST /api/units/:communeId/households/import (CSV)', () => {
  it('imports rows with Vietnamese diacritics intact and normalises phones', async () => {
    const s = await setup()
    const res = await importFile(
      s,
      csv(
        HEADER,
        'AA-01,H001,Nguyễn Thị Hồng Nhung,0912 345 678,"Số 1, Ấp Bình Minh"',
        'AA-01,H002,Trần Văn Đức,+84 387 654 321,',
        'AA-02,H001,Lê Thị Ánh Tuyết,,Số 3',
      ),
    )
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: [] })
    const v1 = s.rowsOf(s.a.villages[0]!.id)
    expect(v1.map((h) => [h.code, h.headName, h.phone, h.address])).toEqual([
      ['H001', 'Nguyễn Thị Hồng Nhung', '84912345678', 'Số 1, Ấp Bình Minh'],
      ['H002', 'Trần Văn Đức', '84387654321', null],
    ])
    expect(s.rowsOf(s.a.villages[1]!.id)[0]).toMatchObject({ code: 'H001', headName: 'Lê Thị Ánh Tuyết', phone: null, source: 'import' })
    const audit = s.db.select().from(auditLog).all().at(-1)
    expect(audit).toMatchObject({ action: 'households.import', targetId: s.a.commune.id })
    // the audit entry holds counts, never names or phones
    expect(audit?.data).not.toMatch(/Nguyễn|8491/)
  })

  it('stores names in NFC even when the file is decomposed (NFD)', async () => {
    const s = await setup()
    const res = await importFile(s, csv(HEADER, `AA-01,H001,${'Nguyễn Văn Tường'.normalize('NFD')},,`))
    expect(res.json().created).toBe(1)
    expect(s.rowsOf(s.a.villages[0]!.id)[0]?.headName).toBe('Nguyễn Văn Tường'.normalize('NFC'))
  })

  it('accepts Vietnamese header names in any column order', async () => {
    const s = await setup()
    const res = await importFile(s, csv('Họ tên chủ hộ,Mã ấp,Mã hộ,Số điện thoại,Địa chỉ', 'Phạm Văn Bảy,AA-02,007,0901234567,Ấp Xóm Mới'))
    expect(res.json()).toMatchObject({ created: 1, rejected: [] })
    expect(s.rowsOf(s.a.villages[1]!.id)[0]).toMatchObject({
      code: '007',
      headName: 'Phạm Văn Bảy',
      phone: '84901234567',
      address: 'Ấp Xóm Mới',
    })
  })

  it('reads a UTF-8 BOM and semicolons (Excel "CSV UTF-8" in a Vietnamese locale)', async () => {
    const s = await setup()
    const body = `\uFEFF${['village_code;household_code;head_name;phone;address', 'AA-01;H001;Đỗ Thị Mến;0912345678;Số 5, đường 3/2'].join('\r\n')}\r\n`
    const res = await importFile(s, Buffer.from(body, 'utf8'))
    expect(res.json()).toMatchObject({ created: 1, rejected: [] })
    expect(s.rowsOf(s.a.villages[0]!.id)[0]).toMatchObject({ headName: 'Đỗ Thị Mến', address: 'Số 5, đường 3/2' })
  })

  it('imports good rows and rejects bad ones with their row number and code', async () => {
    const s = await setup()
    const res = await importFile(
      s,
      csv(
        HEADER, // row 1
        'AA-01,H001,Nguyễn Văn An,0912345678,', // 2 ok
        'AA-01,H002,Trần Văn Bình,12345,', // 3 invalid_phone
        'ZZ-99,H003,Lê Văn Cường,,', // 4 unknown_village
        'AA-01,,Phạm Văn Dũng,,', // 5 missing_field
        'AA-01,H001,Nguyễn Văn An Trùng,,', // 6 duplicate_in_file
        'AA-02,H004,Võ Thị Én,0987 654 321,', // 7 ok
        `AA-02,H005,${'X'.repeat(201)},,`, // 8 too_long
        'BB-01,H006,Hộ Xã Khác,,', // 9 a village of another commune
      ),
    )
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.created).toBe(2)
    expect(body.rejected.map((r: { row: number; code: string }) => [r.row, r.code])).toEqual([
      [3, 'invalid_phone'],
      [4, 'unknown_village'],
      [5, 'missing_field'],
      [6, 'duplicate_in_file'],
      [8, 'too_long'],
      [9, 'unknown_village'],
    ])
    for (const r of body.rejected) expect(r.message.length).toBeGreaterThan(0)
    expect(s.count()).toBe(6 + 2) // commune BB's 6 + the 2 good rows
    expect(s.rowsOf(s.b.villages[0]!.id).map((h) => h.code)).toEqual(['H0001', 'H0002', 'H0003'])
  })

  it('says what is wrong in Vietnamese: the missing field by name, the mobile rule with every valid prefix', async () => {
    const s = await setup()
    const res = await importFile(
      s,
      csv(
        HEADER,
        'AA-01,,Phạm Văn Dũng,,', // 2 missing code
        'AA-01,H010,Trần Văn Bình,0287654321,', // 3 landline
        'AA-01,H011,Lê Thị Ba,0312 345 678,', // 4 ok (03…)
        'AA-01,H012,Lê Thị Năm,0512345678,', // 5 ok (05…)
        'AA-01,H013,Lê Thị Bảy,0712345678,', // 6 ok (07…)
        'AA-01,H014,Lê Thị Tám,0812345678,', // 7 ok (08…)
      ),
    )
    const body = res.json()
    expect(body.created).toBe(4)
    expect(body.rejected).toEqual([
      expect.objectContaining({ row: 2, code: 'missing_field', message: 'thiếu mã hộ' }),
      expect.objectContaining({
        row: 3,
        code: 'invalid_phone',
        message: 'số điện thoại không hợp lệ: cần số di động 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09',
      }),
    ])
    for (const r of body.rejected) expect(r.message).not.toMatch(/household_code|09xx/)
  })

  it('rejects a row with control characters in a text cell as ill_formed_text', async () => {
    const s = await setup()
    const res = await importFile(
      s,
      csv(HEADER, 'AA-01,H001,Nguyễn\u001bVăn An,,', 'AA-01,H002,Trần Văn Bình,,Số\u0007 2', 'AA-01,H003,Lê Văn Cường,,'),
    )
    expect(res.statusCode).toBe(200)
    expect(res.json().created).toBe(1)
    expect(res.json().rejected.map((r: { row: number; code: string }) => [r.row, r.code])).toEqual([
      [2, 'ill_formed_text'],
      [3, 'ill_formed_text'],
    ])
  })

  it('counts rows as a spreadsheet shows them, blank lines included', async () => {
    const s = await setup()
    const res = await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,,', '', 'AA-01,H002,Trần Văn Bình,999,'))
    expect(res.json().rejected).toEqual([expect.objectContaining({ row: 4, code: 'invalid_phone' })])
  })

  it('is idempotent: re-importing the same file creates and updates nothing', async () => {
    const s = await setup()
    const file = csv(HEADER, 'AA-01,H001,Nguyễn Văn An,0912345678,Số 1', 'AA-02,H002,Trần Văn Bình,,')
    expect((await importFile(s, file)).json()).toMatchObject({ created: 2, updated: 0, unchanged: 0 })
    const before = s.db.select().from(households).all()
    const again = await importFile(s, file)
    expect(again.json()).toEqual({ created: 0, updated: 0, unchanged: 2, rejected: [] })
    expect(s.db.select().from(households).all()).toEqual(before)
  })

  it('updates a household whose name or phone changed, matched by village + code', async () => {
    const s = await setup()
    await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,0912345678,', 'AA-01,H002,Trần Văn Bình,,'))
    const id = s.rowsOf(s.a.villages[0]!.id)[0]!.id
    const res = await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Thị An,0912345678,', 'AA-01,H002,Trần Văn Bình,0901111222,'))
    expect(res.json()).toEqual({ created: 0, updated: 2, unchanged: 0, rejected: [] })
    const rows = s.rowsOf(s.a.villages[0]!.id)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({ id, headName: 'Nguyễn Thị An' })
    expect(rows[1]).toMatchObject({ phone: '84901111222' })
  })

  it('reactivates an inactive household found in the file', async () => {
    const s = await setup()
    await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,,'))
    s.db.$client.prepare('UPDATE households SET active = 0').run()
    const res = await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,,'))
    expect(res.json()).toMatchObject({ updated: 1 })
    expect(s.rowsOf(s.a.villages[0]!.id)[0]?.active).toBe(true)
  })
})

describe('POST /api/units/:communeId/households/import (XLSX)', () => {
  async function workbook(rows: (string | number | null)[][]): Promise<Buffer> {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('Danh sách hộ')
    for (const r of rows) ws.addRow(r)
    return Buffer.from(await wb.xlsx.writeBuffer())
  }

  it('imports an XLSX workbook, including phones stored as numbers', async () => {
    const s = await setup()
    const file = await workbook([
      ['Mã ấp', 'Mã hộ', 'Chủ hộ', 'SĐT', 'Địa chỉ'],
      ['AA-01', 'H001', 'Huỳnh Thị Kim Chi', '0912345678', 'Ấp Cây Khế'],
      ['AA-01', 'H002', 'Bùi Văn Hậu', 912345679, null],
      ['AA-02', 'H003', 'Dương Văn Lộc', 'not a phone', null],
    ])
    const res = await importFile(s, file, { contentType: XLSX })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ created: 2, rejected: [{ row: 4, code: 'invalid_phone' }] })
    expect(s.rowsOf(s.a.villages[0]!.id).map((h) => [h.headName, h.phone, h.address])).toEqual([
      ['Huỳnh Thị Kim Chi', '84912345678', 'Ấp Cây Khế'],
      ['Bùi Văn Hậu', '84912345679', null],
    ])
  })

  it('recognises an XLSX sent as application/octet-stream or mislabelled text/csv', async () => {
    const s = await setup()
    const file = await workbook([
      ['village_code', 'household_code', 'head_name'],
      ['AA-02', 'H009', 'Ngô Thị Mai'],
    ])
    const res = await importFile(s, file, { contentType: 'application/octet-stream' })
    expect(res.json()).toMatchObject({ created: 1 })
    const mislabelled = await importFile(s, file, { contentType: 'text/csv' })
    expect(mislabelled.statusCode).toBe(200)
    expect(mislabelled.json()).toMatchObject({ created: 0, unchanged: 1 })
  })

  it('rejects a workbook with the wrong header as invalid_file', async () => {
    const s = await setup()
    const file = await workbook([
      ['Tên', 'Tuổi'],
      ['Nguyễn Văn An', 40],
    ])
    const res = await importFile(s, file, { contentType: XLSX })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_file')
    expect(s.count()).toBe(6)
  })
})

describe('malformed household files are rejected whole', () => {
  it('answers 400 invalid_file for a wrong header and writes nothing', async () => {
    const s = await setup()
    const auditBefore = s.db.select().from(auditLog).all().length
    const res = await importFile(s, csv('name,phone', 'Nguyễn Văn An,0912345678'))
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_file')
    expect(res.json().error.message).toMatch(/village_code/)
    expect(res.json().error.details.missing).toEqual(['village_code', 'household_code', 'head_name'])
    expect(s.count()).toBe(6)
    expect(s.db.select().from(auditLog).all()).toHaveLength(auditBefore)
  })

  it('answers 400 invalid_file for binary data that is not a CSV', async () => {
    const s = await setup()
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0])
    for (const contentType of ['application/octet-stream', 'text/csv']) {
      const res = await importFile(s, png, { contentType })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('invalid_file')
    }
    expect(s.count()).toBe(6)
  })

  it('answers 400 invalid_file for a ZIP that is not a workbook, and for a CSV that is not UTF-8', async () => {
    const s = await setup()
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 7)])
    const fakeXlsx = await importFile(s, zip, { contentType: XLSX })
    expect(fakeXlsx.statusCode).toBe(400)
    expect(fakeXlsx.json().error.code).toBe('invalid_file')
    const latin1 = Buffer.from(`${HEADER}\nAA-01,H001,Nguy\xe9n V\xe3n An,,\n`, 'latin1')
    const res = await importFile(s, latin1)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_file')
    expect(s.count()).toBe(6)
  })

  it('answers 400 invalid_file for an empty body', async () => {
    const s = await setup()
    const res = await importFile(s, '')
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_file')
  })

  it('rejects a file with more than IMPORT_MAX_ROWS rows whole, and accepts exactly the limit', async () => {
    const s = await setup({ IMPORT_MAX_ROWS: '5' })
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `AA-01,H${i + 1},Hộ Thử ${i + 1},,`)
    const over = await importFile(s, csv(HEADER, ...rows(6)))
    expect(over.statusCode).toBe(400)
    expect(over.json().error.code).toBe('invalid_file')
    expect(s.rowsOf(s.a.villages[0]!.id)).toHaveLength(0)
    const exact = await importFile(s, csv(HEADER, ...rows(5)))
    expect(exact.statusCode).toBe(200)
    expect(exact.json().created).toBe(5)
  })

  it('rejects an XLSX with more than IMPORT_MAX_ROWS rows whole', async () => {
    const s = await setup({ IMPORT_MAX_ROWS: '2' })
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('x')
    ws.addRow(['village_code', 'household_code', 'head_name'])
    for (let i = 1; i <= 3; i++) ws.addRow(['AA-01', `H${i}`, `Hộ ${i}`])
    const res = await importFile(s, Buffer.from(await wb.xlsx.writeBuffer()), { contentType: XLSX })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_file')
    expect(s.count()).toBe(6)
  })

  it('answers 413 payload_too_large for a body over IMPORT_MAX_BYTES and writes nothing', async () => {
    const s = await setup({ IMPORT_MAX_BYTES: '2048' })
    const rows = Array.from({ length: 100 }, (_, i) => `AA-01,H${i},Nguyễn Văn Thử ${i},0912345678,Số ${i}`)
    const body = csv(HEADER, ...rows)
    expect(Buffer.byteLength(body)).toBeGreaterThan(2048)
    const res = await importFile(s, body)
    expect(res.statusCode).toBe(413)
    expect(res.json().error.code).toBe('payload_too_large')
    expect(s.count()).toBe(6)
  })
})

describe('household import authorisation', () => {
  it('answers 404 for a commune outside your scope and writes nothing there', async () => {
    const s = await setup()
    const res = await importFile(s, csv(HEADER, 'BB-01,H100,Hộ Lạ,,'), { communeId: s.b.commune.id })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('not_found')
    expect(s.rowsOf(s.b.villages[0]!.id)).toHaveLength(3)
    // the other commune's own staff can import there
    const own = await importFile(s, csv(HEADER, 'BB-01,H100,Hộ Lạ,,'), { communeId: s.b.commune.id, user: 'staff.b' })
    expect(own.json().created).toBe(1)
  })

  it('answers 403 to collectors and council members', async () => {
    const s = await setup()
    for (const user of ['collector.a', 'council.a']) {
      const res = await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,,'), { user })
      expect(res.statusCode).toBe(403)
      expect(res.json().error.code).toBe('forbidden')
    }
    expect(s.rowsOf(s.a.villages[0]!.id)).toHaveLength(0)
  })

  it('answers 400 when the target is a village, not a commune', async () => {
    const s = await setup()
    const res = await importFile(s, csv(HEADER, 'AA-01,H001,Nguyễn Văn An,,'), { communeId: s.a.villages[0]!.id })
    expect(res.statusCode).toBe(400)
  })

  it('lets an admin import into any commune', async () => {
    const s = await setup()
    const res = await importFile(s, csv(HEADER, 'BB-02,H100,Hộ Mới,,'), { communeId: s.b.commune.id, user: 'root' })
    expect(res.statusCode).toBe(200)
    expect(res.json().created).toBe(1)
  })
})

describe('GET /api/units/:villageId/households', () => {
  async function withHouseholds() {
    const s = await setup()
    makeHouseholds(s.db, s.a.villages[0]!.id, 7)
    return s
  }
  const list = (s: Setup, villageId: string, user: string, query = '') =>
    loginAs(s.app, user).then((headers) => s.app.inject({ method: 'GET', url: `/api/units/${villageId}/households${query}`, headers }))

  it('pages through a village ordered by code', async () => {
    const s = await withHouseholds()
    const res = await list(s, s.a.villages[0]!.id, 'staff.a', '?page=2&limit=3')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ page: 2, limit: 3, total: 7 })
    expect(body.items.map((h: { code: string }) => h.code)).toEqual(['H0004', 'H0005', 'H0006'])
    const last = await list(s, s.a.villages[0]!.id, 'staff.a', '?page=3&limit=3')
    expect(last.json().items).toHaveLength(1)
  })

  it('refuses a limit over 100', async () => {
    const s = await withHouseholds()
    const res = await list(s, s.a.villages[0]!.id, 'staff.a', '?limit=101')
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })

  it('filters by q regardless of diacritics', async () => {
    const s = await withHouseholds()
    const res = await list(s, s.a.villages[0]!.id, 'staff.a', `?q=${encodeURIComponent('chu ho thu 7')}`)
    expect(res.json().items.map((h: { code: string }) => h.code)).toEqual(['H0007'])
  })

  it('shows phones and addresses to front staff and admins only', async () => {
    const s = await withHouseholds()
    for (const user of ['staff.a', 'root']) {
      const item = (await list(s, s.a.villages[0]!.id, user)).json().items[0]
      expect(item.phone).toMatch(/^84/)
      expect(item.address).toBe('Số 1')
    }
  })

  it('never returns phones or addresses to an assigned collector, and no list at all to council members', async () => {
    const s = await withHouseholds()
    const collector = s.db
      .select()
      .from(users)
      .all()
      .find((u) => u.username === 'collector.a')
    const template = makeTemplate(s.db)
    const round = await s.app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: await loginAs(s.app, 'staff.a'),
      payload: {
        communeId: s.a.commune.id,
        level: 'xa_ntm',
        templateId: template.id,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
      },
    })
    const assigned = await s.app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.json().id}/collectors/${collector?.id}`,
      headers: await loginAs(s.app, 'staff.a'),
      payload: { villageIds: [s.a.villages[0]!.id] },
    })
    expect(assigned.statusCode, assigned.body).toBe(200)
    const res = await list(s, s.a.villages[0]!.id, 'collector.a')
    expect(res.statusCode).toBe(200)
    expect(res.json().items).toHaveLength(7)
    for (const item of res.json().items) {
      expect(Object.keys(item).sort()).toEqual(['active', 'code', 'headName', 'id', 'villageId'])
    }
    expect(res.body).not.toMatch(/8490/)
    const council = await list(s, s.a.villages[0]!.id, 'council.a')
    expect(council.statusCode).toBe(403)
    expect(council.body).not.toMatch(/8490|Hộ/)
  })

  it("answers 404 for another commune's village and 400 for a commune id", async () => {
    const s = await withHouseholds()
    const foreign = await list(s, s.b.villages[0]!.id, 'staff.a')
    expect(foreign.statusCode).toBe(404)
    expect(foreign.json().error.code).toBe('not_found')
    const commune = await list(s, s.a.commune.id, 'staff.a')
    expect(commune.statusCode).toBe(400)
  })
})
