/**
 * Fault injection (ZALO.md §7.2 "Fault injection"): HTTP 5xx, connection reset before/after the message is
 * recorded, response delay past the client timeout, hangs, `-100 Unknown error`, malformed JSON and HTML error
 * pages. Faults are per-call (`times`, `skip`) or probabilistic (`probability`, seeded).
 */
import type { Rng } from './random.ts'

export const FAULT_KINDS = ['http_error', 'html', 'malformed_json', 'zalo_error', 'reset', 'hang', 'delay'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultSpec {
  kind: FaultKind
  /** Route path the fault applies to; default `/message/template`. */
  route?: string
  /**
   * `before`: the call is not processed (nothing recorded, no quota used). `after`: the call is processed and
   * recorded, then the answer is replaced — the "unknown outcome" case (§8.3). Default: `after` for `delay` and
   * `hang`, `before` otherwise.
   */
  phase?: 'before' | 'after'
  /** HTTP status for `http_error` (default 500) and `html` (default 502). */
  status?: number
  /** Zalo code for `zalo_error` (default -100). */
  code?: number
  /** Real ms for `delay` (default 30 000: longer than any sane client timeout). */
  delayMs?: number
  /** How many matching calls to hit; default 1; 0 = unlimited. */
  times?: number
  /** Let this many matching calls pass before the fault starts. */
  skip?: number
  /** Chance (0..1) to hit a matching call; default 1. */
  probability?: number
}

export interface ActiveFault extends Required<Omit<FaultSpec, 'status' | 'code'>> {
  id: number
  status?: number
  code?: number
  hits: number
}

export class Faults {
  list: ActiveFault[] = []
  private nextId = 1

  constructor(private readonly rng: Rng) {}

  add(f: FaultSpec): ActiveFault {
    const active: ActiveFault = {
      id: this.nextId++,
      kind: f.kind,
      route: f.route ?? '/message/template',
      phase: f.phase ?? (f.kind === 'delay' || f.kind === 'hang' ? 'after' : 'before'),
      status: f.status,
      code: f.code,
      delayMs: f.delayMs ?? 30_000,
      times: f.times ?? 1,
      skip: f.skip ?? 0,
      probability: f.probability ?? 1,
      hits: 0,
    }
    this.list.push(active)
    return active
  }

  /**
   * The fault to apply to this call, if any; consumes one use. `skip` counts every matching call to the route,
   * whether or not another fault took it.
   */
  take(route: string): ActiveFault | null {
    let chosen: ActiveFault | null = null
    for (const f of this.list) {
      if (f.route !== route) continue
      if (f.skip > 0) {
        f.skip--
        continue
      }
      if (chosen) continue
      if (f.probability < 1 && this.rng.next() >= f.probability) continue
      chosen = f
    }
    if (!chosen) return null
    chosen.hits++
    const done = chosen
    if (done.times !== 0 && done.hits >= done.times) this.list = this.list.filter((x) => x !== done)
    return done
  }

  clear(): void {
    this.list = []
  }
}

export const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'
