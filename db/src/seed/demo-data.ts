import { intBetween, prng } from './prng.js'

/**
 * The demo geography after the 2025 reform (DOMAIN.md §4): two levels, province → commune → village.
 * Tỉnh Cà Mau (Cà Mau and Bạc Liêu merged) and tỉnh Vĩnh Long (Vĩnh Long, Trà Vinh and Bến Tre
 * merged) are current; their communes are the merged ones, in force from 01/07/2025. The old tree is
 * kept with effective dates for historical rounds: huyện Thới Bình and its ten pre-merger communes (until
 * 30/06/2025), and the provinces Bạc Liêu, Trà Vinh and Bến Tre (until 30/06/2025, succeeded by the new
 * province). Each old commune names the merged commune that succeeded it.
 *
 * The five current Thới Bình-area communes carry the names of the province's 2025 plan (12 units → 5
 * xã, one named after the old district); which old communes went into each is demo data, not checked
 * against NQ 1655/NQ-UBTVQH15 (README "Demo data"). Codes are demo codes, not the official ones.
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
  validFrom?: string
  validTo?: string
  /** The current commune that succeeded this one: "provinceCode/communeCode". */
  successor?: string
}
export interface DemoProvince {
  code: string
  name: string
  validFrom?: string
  validTo?: string
  /** Code of the current province that succeeded this one. */
  successorCode?: string
  /** The province's document allowing opinions through personal links (QR, Zalo, SMS); absent: the channel is off. */
  linkChannelBasis?: string
  /** A district of the old three-level tree, with its communes (historical rounds only). */
  district?: { code: string; name: string; validFrom: string; validTo: string; communes: DemoCommune[] }
  /** Communes directly under the province (the current, two-level tree). */
  communes: DemoCommune[]
}

/** The last day of the three-level tree and the first of the two-level one (NQ 202/2025/QH15). */
export const LAST_DAY_BEFORE_REFORM = '2025-06-30'
export const FIRST_DAY_OF_REFORM = '2025-07-01'

/** Pre-2025 communes of huyện Thới Bình in the demo, and the merged commune each went into. */
const THOI_BINH_OLD: [code: string, name: string, successor: string][] = [
  ['BB', 'Biển Bạch', 'XBB'],
  ['BBD', 'Biển Bạch Đông', 'XBB'],
  ['TBA', 'Tân Bằng', 'XBB'],
  ['TPI', 'Trí Phải', 'XTP'],
  ['TLU', 'Trí Lực', 'XTP'],
  ['TLO', 'Tân Lộc', 'XTL'],
  ['TLB', 'Tân Lộc Bắc', 'XTL'],
  ['TLD', 'Tân Lộc Đông', 'XTL'],
  ['TPH', 'Tân Phú', 'XHK'],
  ['HTK', 'Hồ Thị Kỷ', 'XHK'],
]

/** The merged communes of tỉnh Cà Mau in the demo (from 01/07/2025). */
const CA_MAU_NEW: [code: string, name: string][] = [
  ['XBB', 'Biển Bạch'],
  ['XTP', 'Trí Phải'],
  ['XTL', 'Tân Lộc'],
  ['XHK', 'Hồ Thị Kỷ'],
  ['XTB', 'Thới Bình'],
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
  const old = { validTo: LAST_DAY_BEFORE_REFORM }
  const current = { validFrom: FIRST_DAY_OF_REFORM }
  // Only old Biển Bạch keeps its ấp and households: the sealed 2025 demo round was run there.
  const thoiBinhOld: DemoCommune[] = THOI_BINH_OLD.map(([code, name, successor]) => ({
    code,
    name,
    ...old,
    successor: `96/${successor}`,
    villages: code === 'BB' ? villagesFor(code, rand, { villages: [6, 9], households: [80, 590] }) : [],
  }))
  const camau: DemoProvince = {
    code: '96',
    name: 'Cà Mau',
    linkChannelBasis:
      'Kế hoạch số 45/KH-UBND ngày 10/3/2024 của Ủy ban nhân dân tỉnh Cà Mau về lấy ý kiến sự hài lòng của người dân qua đường link, Zalo (dữ liệu minh họa)',
    district: { code: 'TB', name: 'Thới Bình', validFrom: '2000-01-01', validTo: LAST_DAY_BEFORE_REFORM, communes: thoiBinhOld },
    communes: CA_MAU_NEW.map(([code, name]) => ({
      code,
      name,
      ...current,
      villages: villagesFor(code, rand, { villages: [10, 16], households: [80, 590] }),
    })),
  }
  const vinhlong: DemoProvince = {
    code: '86',
    name: 'Vĩnh Long',
    linkChannelBasis:
      'Kế hoạch số 38/KH-UBND ngày 20/02/2026 của Ủy ban nhân dân tỉnh Vĩnh Long về ứng dụng nền tảng số trong lấy ý kiến sự hài lòng của người dân (dữ liệu minh họa)',
    communes: [
      { code: 'XLH', name: 'Long Hữu', ...current, villages: villagesFor('XLH', rand, { villages: [3, 4], households: [60, 120] }) },
    ],
  }
  // The provinces merged into Cà Mau and Vĩnh Long on 01/07/2025, kept for their history.
  const travinh: DemoProvince = {
    code: '84',
    name: 'Trà Vinh',
    ...old,
    successorCode: '86',
    linkChannelBasis:
      'Kế hoạch số 112/KH-UBND ngày 05/4/2024 của Ủy ban nhân dân tỉnh Trà Vinh về lấy ý kiến sự hài lòng của người dân qua đường link, Zalo (dữ liệu minh họa)',
    communes: [{ code: 'LH', name: 'Long Hữu', ...old, successor: '86/XLH', villages: [] }],
  }
  const baclieu: DemoProvince = { code: '95', name: 'Bạc Liêu', ...old, successorCode: '96', communes: [] }
  const bentre: DemoProvince = { code: '83', name: 'Bến Tre', ...old, successorCode: '86', communes: [] }
  return [camau, vinhlong, travinh, baclieu, bentre]
}

export const DEMO_PASSWORD = 'hailong-demo'

/** Demo users per role (shared/DESIGN.md §5); unit is given by province/commune code, all in current units. */
export const DEMO_USERS = [
  { username: 'admin', role: 'admin', unit: { province: '96' } },
  { username: 'mttq.tinh', role: 'front_staff', unit: { province: '96' } },
  { username: 'mttq.xa', role: 'front_staff', unit: { province: '96', commune: 'XBB' } },
  { username: 'thu.ky', role: 'collector', unit: { province: '96', commune: 'XBB' } },
  { username: 'hoidong', role: 'council', unit: { province: '96' } },
  { username: 'mttq.vinhlong', role: 'front_staff', unit: { province: '86' } },
] as const
