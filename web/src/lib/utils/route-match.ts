/** Match "/app/rounds/:id/paper" against a path; returns the params or null. Trailing slashes are ignored. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const split = (s: string) => s.replace(/\/+$/, '').split('/').filter(Boolean)
  const p = split(pattern)
  const a = split(path)
  if (p.length !== a.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] as string
    const val = a[i] as string
    if (seg.startsWith(':')) {
      try {
        params[seg.slice(1)] = decodeURIComponent(val)
      } catch {
        return null
      }
    } else if (seg !== val) return null
  }
  return params
}
