import { Readable } from 'node:stream'

/**
 * A byte stream that encodes items from `source` only when its consumer reads (`_read`): a slow client
 * slows the source down (back-pressure), and a million items never sit in memory.
 *
 * - Each item's text is written straight into a chunk buffer (UTF-8, ~64 KB per chunk), so no long
 *   string is ever built and flattened per chunk.
 * - Each chunk is handed over on the next turn of the event loop (setImmediate): a client that reads as
 *   fast as we write (loopback) cannot starve the other requests for the whole download.
 * - `head` and `tail` frame the items (a header line, closing XML tags).
 * - A throwing source or encoder destroys the stream; destroying it (the client went away) ends the
 *   source's iterator, e.g. a generator paging through the database.
 * - The source may be asynchronous (PostgreSQL's cursor): the same bytes come out, each chunk filled by awaiting
 *   items; the generator's finally (releasing its connection) runs when the stream is destroyed.
 */
export function pullStream<T>(opts: {
  source: Iterable<T> | AsyncIterable<T>
  encode: (item: T, index: number) => string
  head?: string
  tail?: string
  chunkBytes?: number
}): Readable {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024
  const source = opts.source
  let it: Iterator<T> | undefined
  let asyncIt: AsyncIterator<T> | undefined
  let index = 0
  /** Text waiting for room in a chunk; null when the next item must be pulled. */
  let pending: string | null = opts.head || null
  let ended = false

  const stream = new Readable({
    highWaterMark: chunkBytes,
    read() {
      if (Symbol.iterator in source) {
        let chunk: Buffer
        try {
          chunk = fill(source)
        } catch (err) {
          this.destroy(err as Error)
          return
        }
        hand(chunk)
        return
      }
      // an asynchronous source (a database cursor): Readable calls read() again only after a push
      fillAsync(source).then(hand, (err: Error) => stream.destroy(err))
    },
    destroy(err, cb) {
      try {
        it?.return?.()
      } catch {
        // the original error, if any, is the one to report
      }
      // an async generator paused at a yield runs its finally (releasing a connection) now; one waiting on the
      // database does so as soon as that read is back
      asyncIt?.return?.().catch(() => {})
      cb(err)
    },
  })

  /** Push a filled chunk on the next turn of the event loop; end the stream after the last one. */
  function hand(chunk: Buffer): void {
    const done = ended && pending === null
    setImmediate(() => {
      if (stream.destroyed) return
      if (chunk.length > 0) stream.push(chunk)
      if (done) stream.push(null)
    })
  }

  /** Take the next item's text (or the tail after the last item). */
  function take(next: IteratorResult<T>): void {
    if (next.done) {
      ended = true
      pending = opts.tail || null
    } else pending = opts.encode(next.value, index++)
  }

  /**
   * Write `pending` into the chunk at `n` when it fits: the new length, or -1 when the chunk is full (UTF-8 takes
   * at most 3 bytes per UTF-16 unit).
   */
  function put(buf: Buffer, n: number): number {
    const text = pending as string
    if (text.length * 3 > chunkBytes - n) return -1
    pending = null
    return n + buf.write(text, n, 'utf8')
  }

  /** An item larger than a whole chunk travels alone. */
  function alone(): Buffer {
    const big = Buffer.from(pending as string, 'utf8')
    pending = null
    return big
  }

  /** Encode items into one chunk, until the next one might not fit. */
  function fill(src: Iterable<T>): Buffer {
    const buf = Buffer.allocUnsafe(chunkBytes)
    let n = 0
    for (;;) {
      if (pending === null) {
        if (ended) break
        it ??= src[Symbol.iterator]()
        take(it.next())
        if (pending === null) break
      }
      const m = put(buf, n)
      if (m < 0) return n > 0 ? buf.subarray(0, n) : alone()
      n = m
    }
    return buf.subarray(0, n)
  }

  /** fill() for an asynchronous source: the same chunks, awaiting each item. */
  async function fillAsync(src: AsyncIterable<T>): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(chunkBytes)
    let n = 0
    for (;;) {
      if (pending === null) {
        if (ended) break
        asyncIt ??= src[Symbol.asyncIterator]()
        const next = await asyncIt.next()
        // the reader went away while the item was on its way: nothing more to encode
        if (stream.destroyed) return Buffer.alloc(0)
        take(next)
        if (pending === null) break
      }
      const m = put(buf, n)
      if (m < 0) return n > 0 ? buf.subarray(0, n) : alone()
      n = m
    }
    return buf.subarray(0, n)
  }

  return stream
}
