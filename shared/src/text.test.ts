import { describe, expect, it } from 'vitest'
import { foldVi, viCollator } from './text.js'

describe('foldVi', () => {
  it('folds Vietnamese to lowercase ASCII for search', () => {
    expect(foldVi('Tân Lộc')).toBe('tan loc')
    expect(foldVi('Đông')).toBe('dong')
    expect(foldVi('Biển Bạch Đông')).toBe('bien bach dong')
    expect(foldVi('Hồ Thị Kỷ')).toBe('ho thi ky')
    expect(foldVi('đường Ấp Ủy')).toBe('duong ap uy')
  })

  it('gives the same result for precomposed (NFC) and decomposed (NFD) input', () => {
    const nfc = 'Trí Phải'.normalize('NFC')
    const nfd = 'Trí Phải'.normalize('NFD')
    expect(nfc).not.toBe(nfd)
    expect(foldVi(nfc)).toBe(foldVi(nfd))
    expect(foldVi(nfd)).toBe('tri phai')
  })

  it('collapses and trims whitespace', () => {
    expect(foldVi('  Tân \t  Phú \n')).toBe('tan phu')
  })
})

describe('viCollator', () => {
  it('sorts numbered names numerically', () => {
    expect(['Ấp 10', 'Ấp 2', 'Ấp 1'].sort(viCollator.compare)).toEqual(['Ấp 1', 'Ấp 2', 'Ấp 10'])
  })
})
