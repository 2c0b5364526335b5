import { describe, expect, it } from 'vitest'
import { newId, randomBytesPooled } from './ids.js'

describe('pooled random bytes', () => {
  it('hands out each byte once: no two ids alike across several pool refills, none all zero', () => {
    const ids = Array.from({ length: 2_000 }, () => newId()) // 32 KB: eight refills of the 4 KB pool
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(ids).not.toContain('0'.repeat(32))
  })

  it('returns copies of the requested length, and serves sizes larger than the pool', () => {
    const a = randomBytesPooled(12)
    const b = randomBytesPooled(12)
    expect(a).toHaveLength(12)
    expect(a.equals(b)).toBe(false)
    a.fill(0)
    expect(b.some((x) => x !== 0)).toBe(true)
    expect(randomBytesPooled(10_000)).toHaveLength(10_000)
  })

  it('spreads bytes evenly (each of the 256 values within 4 × its expected count over 256 KB)', () => {
    const counts = new Array<number>(256).fill(0)
    for (let i = 0; i < 16_384; i++) for (const x of randomBytesPooled(16)) counts[x] = (counts[x] as number) + 1
    for (const c of counts) {
      expect(c).toBeGreaterThan(1024 / 4)
      expect(c).toBeLessThan(1024 * 4)
    }
  })
})
