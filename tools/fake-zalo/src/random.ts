/** Seeded randomness so ids, tokens and probabilistic faults are reproducible per test (opts.seed). */

export class Rng {
  private s: number

  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9
  }

  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }

  /** Lowercase hex, e.g. 20 chars for a ZNS `msg_id` (§1.2: "20 lowercase hex chars in every sample"). */
  hex(len: number): string {
    let s = ''
    for (let i = 0; i < len; i++) s += '0123456789abcdef'[this.int(16)]
    return s
  }

  /**
   * A digit-string id. 19 digits starting with 1–8 is always > 2^53, which catches `Number` parsing
   * (§0.7, §7.4 "include at least one id > 2^53").
   */
  bigId(): string {
    let s = String(1 + this.int(8))
    for (let i = 0; i < 18; i++) s += String(this.int(10))
    return s
  }

  token(len: number): string {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let s = ''
    for (let i = 0; i < len; i++) s += abc[this.int(abc.length)]
    return s
  }
}
