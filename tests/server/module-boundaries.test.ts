import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'

const MODULES = fileURLToPath(new URL('../../server/src/modules', import.meta.url))

describe('module boundaries', () => {
  it('no service hands out its repository: other modules read through the owning service', async () => {
    const { app } = await buildTestApp()
    const leaking = Object.entries(app.services).filter(([, s]) => s && typeof s === 'object' && 'repo' in s)
    expect(leaking.map(([name]) => name)).toEqual([])
  })

  it('no server source reaches into another service for its repository (x.repo.y)', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.name.endsWith('.ts') && /\b[a-z][A-Za-z]*\.repo\s*\.\s*[a-zA-Z]/.test(readFileSync(p, 'utf8'))) offenders.push(p)
      }
    }
    walk(MODULES)
    expect(offenders).toEqual([])
  })
})
