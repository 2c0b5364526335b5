import { describe, expect, it } from 'vitest'
import { escapeHtml } from './html.js'

describe('escapeHtml', () => {
  it('leaves no character that opens a tag, an entity or ends a quoted attribute', () => {
    const out = escapeHtml(`<script>alert("x")</script> & 'y' \`z\``)
    expect(out).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;')
    expect(out).not.toMatch(/[<>"'`]/)
    expect(escapeHtml('Đường ngập khi mưa')).toBe('Đường ngập khi mưa')
  })
})
