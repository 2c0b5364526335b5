/**
 * /ma's wrong-code budget is kept per IP (an IPv6 /64) in memory. An attacker holding many addresses (an
 * IPv6 /48 has 65 536 /64s) must not make each request slower than the last, nor grow the table with
 * requests that guessed nothing.
 */
import { wrongCodeCounter } from '@app/server/modules/invitations/code-routes.ts'
import { describe, expect, it } from 'vitest'

describe('the wrong-code table against an attacker with many addresses', () => {
  it('stays linear in time past its sweep size and keeps no entry for an address that guessed nothing', () => {
    let t = 0
    const c = wrongCodeCounter(3, 3_600_000, () => t)
    const n = 90_000
    let blocked = 0
    const started = performance.now()
    for (let i = 0; i < n; i++) {
      const key = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::`
      blocked += c.blockedFor(key)
      c.wrong(key)
      t += 1
    }
    const ms = performance.now() - started
    expect(blocked).toBe(0)
    // linear: about a second here; the full sweep on every new address took over two minutes
    expect(ms).toBeLessThan(8000)
    // the budget still holds for each address
    for (let k = 0; k < 2; k++) c.wrong('2001:db8:0:1::')
    expect(c.blockedFor('2001:db8:0:1::')).toBeGreaterThan(0)
    // an hour on, the old entries go and a fresh address is free again
    t += 3_600_000
    expect(c.blockedFor('2001:db8:0:1::')).toBe(0)
    expect(c.size()).toBeLessThanOrEqual(n)
    // asking costs nothing: 10 000 addresses that only ask add no entry
    const before = c.size()
    for (let i = 0; i < 10_000; i++) c.blockedFor(`10.0.${i >> 8}.${i & 0xff}`)
    expect(c.size()).toBe(before)
  })
})
