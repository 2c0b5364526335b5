import { describe, expect, it, vi } from 'vitest'
import { ApiError } from './api.ts'
import { readInitialState, withInitialState } from './initial-state.ts'

const FORM = { round: { id: 'r1', title: 'Đợt 1', commune: 'Xã A', closesAt: '2025-07-01T00:00:00.000Z' }, questions: [] }

function docWith(html: string): Document {
  const doc = document.implementation.createHTMLDocument('t')
  doc.body.innerHTML = html
  return doc
}

describe('readInitialState', () => {
  it('reads the JSON island the server embeds, with < escaped', () => {
    const doc = docWith(
      '<script type="application/json" id="initial-state">{"status":200,"body":{"round":{"title":"\\u003c/script> ok"}}}</script>',
    )
    expect(readInitialState(doc)).toEqual({ status: 200, body: { round: { title: '</script> ok' } } })
  })

  it('is null without the island, or with a cut-off one', () => {
    expect(readInitialState(docWith('<div id="app"></div>'))).toBeNull()
    expect(readInitialState(docWith('<script type="application/json" id="initial-state">{"status":20</script>'))).toBeNull()
    expect(readInitialState(docWith('<script type="application/json" id="initial-state">[1]</script>'))).toBeNull()
  })
})

describe('withInitialState', () => {
  it('answers the first load from the page, and goes to the network after that', async () => {
    const fetchBallot = vi.fn(async () => FORM)
    const get = withInitialState({ status: 200, body: FORM }, fetchBallot)
    expect(await get('tok')).toEqual(FORM)
    expect(fetchBallot).not.toHaveBeenCalled()
    await get('tok')
    expect(fetchBallot).toHaveBeenCalledWith('tok')
  })

  it('turns an embedded error into the same ApiError the API would throw', async () => {
    const get = withInitialState(
      { status: 409, body: { error: { code: 'already_answered', message: 'used' } } },
      vi.fn(async () => FORM),
    )
    const e = await get('tok').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ code: 'already_answered', status: 409 })
  })

  it('asks the API when the page carries no state', async () => {
    const fetchBallot = vi.fn(async () => FORM)
    await withInitialState(null, fetchBallot)('tok')
    expect(fetchBallot).toHaveBeenCalledTimes(1)
  })
})
