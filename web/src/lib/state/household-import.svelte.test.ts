import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors.js'
import { fakeClient } from './fake-client.js'
import { HouseholdImport, importContentType } from './household-import.svelte.js'

describe('HouseholdImport', () => {
  it('knows CSV and XLSX by name and refuses other files', () => {
    expect(importContentType({ name: 'ho.CSV', type: '' })).toBe('text/csv')
    expect(importContentType({ name: 'ho.xlsx', type: '' })).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(importContentType({ name: 'ho.pdf', type: 'application/pdf' })).toBeNull()
    const imp = new HouseholdImport(fakeClient({}))
    imp.communeId = 'c1'
    imp.choose(new File(['x'], 'ho.pdf'))
    expect(imp.fileError).not.toBeNull()
    expect(imp.canUpload).toBe(false)
  })

  it('uploads, keeps the rejection report, and counts re-uploads', async () => {
    const importHouseholds = vi.fn(async () => ({
      created: 1,
      updated: 0,
      unchanged: 0,
      rejected: [{ row: 3, code: 'invalid_phone', message: 'x' }],
    }))
    const imp = new HouseholdImport(fakeClient({ importHouseholds }))
    imp.communeId = 'c1'
    imp.choose(new File(['a'], 'ho.csv'))
    await imp.upload()
    expect(importHouseholds).toHaveBeenCalledWith('c1', expect.any(File), 'text/csv', undefined)
    expect(imp.result?.rejected).toHaveLength(1)
    await imp.upload()
    expect(imp.uploads).toBe(2)
  })

  it('asks for a reason when the file adds households to a village whose round is open, then sends it', async () => {
    let calls = 0
    const importHouseholds = vi.fn(async () => {
      calls++
      if (calls === 1) throw new ApiError('reason_required', 'Cần ghi lý do', 422)
      return { created: 1, updated: 0, unchanged: 0, rejected: [] }
    })
    const imp = new HouseholdImport(fakeClient({ importHouseholds }))
    imp.communeId = 'c1'
    imp.choose(new File(['a'], 'ho.csv'))
    await imp.upload()
    expect(imp.needsReason).toBe(true)
    expect(imp.status).toBe('error')
    imp.reason = 'Hộ mới chuyển đến ấp 3'
    await imp.upload()
    expect(importHouseholds).toHaveBeenLastCalledWith('c1', expect.any(File), 'text/csv', 'Hộ mới chuyển đến ấp 3')
    expect(imp.status).toBe('done')
  })
})
