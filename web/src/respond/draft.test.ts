import { describe, expect, it } from 'vitest'
import { draftKey, emptyDraft, type KeyValueStore, loadDraft, newClientId, saveDraft, secondsSince, tokenFromPath } from './draft.ts'

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  }
}

describe('newClientId', () => {
  it('is 128 random bits in base64url, valid for the contract', () => {
    const id = newClientId()
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(newClientId()).not.toBe(id)
    expect(newClientId((a) => a.fill(255))).toBe('_____________________w')
  })
})

describe('loadDraft / saveDraft', () => {
  it('round-trips a draft per token', () => {
    const store = memoryStore()
    const d = { ...emptyDraft('abcdefgh12'), startedAt: 1000, answers: { roads: { satisfied: false, reason: 'ổ gà' } }, comment: 'c' }
    expect(saveDraft(store, 'tok1', d)).toBe(true)
    expect(loadDraft(store, 'tok1')).toEqual(d)
    expect(loadDraft(store, 'tok2', () => 'fresh-id-1').clientId).toBe('fresh-id-1')
  })

  it('starts fresh on garbage and cleans bad fields', () => {
    const store = memoryStore()
    store.setItem(draftKey('t'), '{not json')
    expect(loadDraft(store, 't', () => 'fresh-id-1')).toEqual(emptyDraft('fresh-id-1'))
    store.setItem(draftKey('t'), JSON.stringify({ v: 1, clientId: 'bad id!', answers: {} }))
    expect(loadDraft(store, 't', () => 'fresh-id-2').clientId).toBe('fresh-id-2')
    store.setItem(draftKey('t'), JSON.stringify({ v: 1, clientId: 'goodid12', answers: { a: { satisfied: 'x' }, b: 3 }, startedAt: 'x' }))
    expect(loadDraft(store, 't')).toMatchObject({ clientId: 'goodid12', startedAt: null, answers: { a: { satisfied: null, reason: '' } } })
  })

  it('survives a browser that refuses storage', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
      removeItem: () => {},
    }
    const d = loadDraft(broken, 't', () => 'fresh-id-1')
    expect(d.clientId).toBe('fresh-id-1')
    expect(saveDraft(broken, 't', d)).toBe(false)
    expect(saveDraft(null, 't', d)).toBe(false)
  })
})

describe('secondsSince', () => {
  it('rounds, and clamps to the contract range', () => {
    expect(secondsSince(null, 5000)).toBe(0)
    expect(secondsSince(1000, 62_400)).toBe(61)
    expect(secondsSince(10_000, 0)).toBe(0)
    expect(secondsSince(0, 30 * 86400_000)).toBe(7 * 86400)
  })
})

describe('tokenFromPath', () => {
  it('reads /r/:token and nothing else', () => {
    expect(tokenFromPath('/r/AbC_-123')).toBe('AbC_-123')
    expect(tokenFromPath('/r/AbC/')).toBe('AbC')
    expect(tokenFromPath('/r/')).toBeNull()
    expect(tokenFromPath('/app/r/x')).toBeNull()
    expect(tokenFromPath('/r/%E0%A4%A')).toBeNull()
  })
})
