/**
 * A tiny client-side router on the history API: the server serves index.html for `/`, `/app` and
 * `/app/*`, so every in-app path below /app/ can be deep-linked and reloaded.
 */
export class Router {
  path = $state('/')
  search = $state('')

  constructor(private readonly win: Window | null = typeof window === 'undefined' ? null : window) {
    if (this.win) this.sync()
  }

  private sync = () => {
    if (!this.win) return
    this.path = this.win.location.pathname
    this.search = this.win.location.search
  }

  /** Listen to back/forward and intercept same-origin links under /app. Returns a stop function. */
  start = (): (() => void) => {
    const win = this.win
    if (!win) return () => {}
    const onPop = () => this.sync()
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
      const a = (e.target as Element | null)?.closest?.('a')
      if (!a || a.target || a.hasAttribute('download')) return
      const url = new URL(a.href, win.location.href)
      if (url.origin !== win.location.origin || !(url.pathname === '/' || url.pathname.startsWith('/app'))) return
      e.preventDefault()
      this.navigate(url.pathname + url.search)
    }
    win.addEventListener('popstate', onPop)
    win.document.addEventListener('click', onClick)
    return () => {
      win.removeEventListener('popstate', onPop)
      win.document.removeEventListener('click', onClick)
    }
  }

  navigate = (to: string, opts: { replace?: boolean } = {}): void => {
    if (!this.win) {
      const u = new URL(to, 'http://x')
      this.path = u.pathname
      this.search = u.search
      return
    }
    if (opts.replace) this.win.history.replaceState(null, '', to)
    else this.win.history.pushState(null, '', to)
    this.sync()
    this.win.scrollTo?.(0, 0)
  }

  /** A query parameter of the current URL. */
  param = (name: string): string | null => new URLSearchParams(this.search).get(name)
}

export const router = new Router()
