import { describe, expect, it } from 'vitest'
import { matchRoute } from './route-match.js'

describe('matchRoute', () => {
  it('matches static and parameterised paths', () => {
    expect(matchRoute('/app/rounds', '/app/rounds/')).toEqual({})
    expect(matchRoute('/app/rounds/:id/paper', '/app/rounds/abc/paper')).toEqual({ id: 'abc' })
    expect(matchRoute('/app/rounds/:id', '/app/rounds/abc/paper')).toBeNull()
    expect(matchRoute('/app/units', '/app/unit')).toBeNull()
  })
  it('decodes params and rejects malformed escapes', () => {
    expect(matchRoute('/app/villages/:id', '/app/villages/a%20b')).toEqual({ id: 'a b' })
    expect(matchRoute('/app/villages/:id', '/app/villages/%E0%A4%A')).toBeNull()
  })
})
