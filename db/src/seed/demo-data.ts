import { intBetween, prng } from './prng.js'

/**
 * The demo geography (shared/DESIGN.md §6): Cà Mau with the legacy district Thới Bình and its ten
 * communes (pre-2025 names, treated as current), plus a second province for scope tests.
 * Households are generated deterministically with obviously fake names and phones.
 */
export interface DemoVillage {
  code: string
  name: string
  households: { code: string; headName: string; phone: string | null; address: string }[]
}
export interface DemoCommune {
  code: string
  name: string
  villages: DemoVillage[]
}
export interface DemoProvince {
  code: string
  name: string
  district?: { code: string; name: string; validFrom: string; validTo: string }
  communes: DemoCommune[]
}

const THOI_BINH_COMMUNES: [string, string][] = [
  ['BB', 'Biển Bạch'],
  ['BBD', 'Biển Bạch Đông'],
  ['TBA', 'Tân Bằng'],
  ['TPI', 'Trí Phải'],
  ['TLU', 'Trí Lực'],
  ['TLO', 'Tân Lộc'],
  ['TLB', 'Tân Lộc Bắc'],
  ['TLD', 'Tân Lộc Đông'],
  ['TPH', 'Tân Phú'],
  ['HTK', 'Hồ Thị Kỷ'],
]

const AP_NAMES = [
  'Ấp Bình Minh',
  'Ấp Cây Khế',
  'Ấp Kênh Tư',
  'Ấp Láng Trâm',
  'Ấp Nhà Thờ',
  'Ấp Phú Hiệp',
  'Ấp Sào Lưới',
  'Ấp Tân Hòa',
  'Ấp Thanh Tùng',
  'Ấp Trí Phải',
  'Ấp Vàm Ô Rô',
  'Ấp Xóm Mới',
  'Ấp Đầu Sấu',
  'Ấp Bến Gỗ',
]
const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương']
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Hữu', 'Ngọc', 'Thanh']

function villagesFor(
  communeCode: string,
  rand: () => number,
  counts: { villages: [number, number]; households: [number, number] },
): DemoVillage[] {
  const n = intBetween(rand, counts.villages[0], counts.villages[1])
  const start = intBetween(rand, 0, AP_NAMES.length - 1)
  return Array.from({ length: n }, (_, i) => {
    const code = `${communeCode}-${String(i + 1).padStart(2, '0')}`
    const size = intBetween(rand, counts.households[0], counts.households[1])
    const name = AP_NAMES[(start + i) % AP_NAMES.length] as string
    return {
      code,
      name: i >= AP_NAMES.length ? `${name} ${i + 1}` : name,
      households: Array.from({ length: size }, (_, h) => {
        const no = String(h + 1).padStart(4, '0')
        const surname = SURNAMES[intBetween(rand, 0, SURNAMES.length - 1)] as string
        const middle = MIDDLE[intBetween(rand, 0, MIDDLE.length - 1)] as string
        const hasPhone = rand() < 0.8
        return {
          code: `H${no}`,
          // "Mẫu" (sample) marks every demo name as fake.
          headName: `${surname} ${middle} Mẫu ${code}-${no}`,
          // 84 99 9xx xxxx: not an assigned Vietnamese mobile range, obviously fake.
          phone: hasPhone ? `84999${String(intBetween(rand, 0, 999_999)).padStart(6, '0')}` : null,
          address: `Số ${h + 1}, ${name}`,
        }
      }),
    }
  })
}

export function demoProvinces(seed = 20251125): DemoProvince[] {
  const rand = prng(seed)
  const camau: DemoProvince = {
    code: '96',
    name: 'Cà Mau',
    district: { code: 'TB', name: 'Thới Bình', validFrom: '2000-01-01', validTo: '2025-06-30' },
    communes: THOI_BINH_COMMUNES.map(([code, name]) => ({
      code,
      name,
      villages: villagesFor(code, rand, { villages: [6, 12], households: [80, 590] }),
    })),
  }
  const travinh: DemoProvince = {
    code: '84',
    name: 'Trà Vinh',
    communes: [{ code: 'LH', name: 'Long Hữu', villages: villagesFor('LH', rand, { villages: [3, 4], households: [60, 120] }) }],
  }
  return [camau, travinh]
}

export const DEMO_PASSWORD = 'hailong-demo'

/** Demo users per role (shared/DESIGN.md §5); unit is given by province/commune code. */
export const DEMO_USERS = [
  { username: 'admin', role: 'admin', unit: { province: '96' } },
  { username: 'mttq.tinh', role: 'front_staff', unit: { province: '96' } },
  { username: 'mttq.xa', role: 'front_staff', unit: { province: '96', commune: 'BB' } },
  { username: 'thu.ky', role: 'collector', unit: { province: '96', commune: 'BB' } },
  { username: 'hoidong', role: 'council', unit: { province: '96' } },
  { username: 'mttq.travinh', role: 'front_staff', unit: { province: '84' } },
] as const
