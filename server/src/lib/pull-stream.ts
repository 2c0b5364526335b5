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
 */
export function pullStream<T>(opts: {
  source: Iterable<T>
  encode: (item: T, index: number) => string
  head?: string
  tail?: string
  chunkBytes?: number
}): Readable {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024
  let it: Iterator<T> | undefined
  let index = 0
  /** Text waiting for room in a chunk; null when the next item must be pulled. */
  let pending: string | null = opts.head || null
  let ended = false

  const stream = new Readable({
    highWaterMark: chunkBytes,
    read() {
      let chunk: Buffer
      try {
        chunk = fill()
      } catch (err) {
        this.destroy(err as Error)
        return
      }
      const done = ended && pending === null
      setImmediate(() => {
        if (stream.destroyed) return
        if (chunk.length > 0) stream.push(chunk)
        if (done) stream.push(null)
      })
    },
    destroy(err, cb) {
      try {
        it?.return?.()
      } catch {
        // the original error, if any, is the one to report
      }
      cb(err)
    },
  })

  /** Encode items into one chunk, until the next one might not fit (UTF-8 takes at most 3 bytes per UTF-16 unit). */
  function fill(): Buffer {
    const buf = Buffer.allocUnsafe(chunkBytes)
    let n = 0
    for (;;) {
      if (pending === null) {
        if (ended) break
        it ??= opts.source[Symbol.iterator]()
        const next = it.next()
        if (next.done) {
          ended = true
          pending = opts.tail || null
          if (pending === null) break
        } else pending = opts.encode(next.value, index++)
      }
      if (pending.length * 3 > chunkBytes - n) {
        if (n > 0) break
        // an item larger than a whole chunk travels alone
        const big = Buffer.from(pending, 'utf8')
        pending = null
        return big
      }
      n += buf.write(pending, n, 'utf8')
      pending = null
    }
    return buf.subarray(0, n)
  }

  return stream
}
