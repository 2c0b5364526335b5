export type ToastKind = 'info' | 'success' | 'error'

export interface Toast {
  id: number
  kind: ToastKind
  text: string
}

/** Transient messages shown in the corner (role="status"/"alert"). */
export class Toasts {
  items = $state<Toast[]>([])
  #next = 1

  show = (text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 8000 : 4000): number => {
    const id = this.#next++
    this.items.push({ id, kind, text })
    if (ms > 0) setTimeout(() => this.dismiss(id), ms)
    return id
  }

  dismiss = (id: number): void => {
    this.items = this.items.filter((t) => t.id !== id)
  }
}

export const toasts = new Toasts()
