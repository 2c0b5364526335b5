/**
 * The rule sets shipped with the platform, each with its citation (docs/rule-sets.md gives the
 * sources). A bar whose number is not stated in a published source is `provisional`: it prints
 * "theo hướng dẫn của tỉnh — cần xác nhận" until a province adds its own version.
 */

const HD90 = {
  text: 'Hướng dẫn số 90/HD-MTTW-BTT ngày 20/9/2022 của Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam về lấy ý kiến sự hài lòng của người dân về kết quả xây dựng nông thôn mới giai đoạn 2021–2025',
  number: '90/HD-MTTW-BTT',
  date: '2022-09-20',
  effectiveFrom: '2022-09-20',
  // QĐ 51/2025/QĐ-TTg replaces the 2021–2025 criteria from 15/02/2026
  effectiveTo: '2026-02-14',
}

const QD51 = {
  text: 'Quyết định số 51/2025/QĐ-TTg ngày 29/12/2025 của Thủ tướng Chính phủ ban hành Bộ tiêu chí quốc gia về nông thôn mới giai đoạn 2026–2030',
  number: '51/2025/QĐ-TTg',
  date: '2025-12-29',
  effectiveFrom: '2026-02-15',
  effectiveTo: null,
}

export interface ShippedRuleSet {
  code: string
  name: string
  legalBasis: { text: string; number: string; date: string; effectiveFrom: string; effectiveTo: string | null }
  levels: string[]
  bars: (
    | { kind: 'coverage'; scope: 'village' | 'commune'; minBp: number; provisional?: boolean }
    | { kind: 'overall' | 'content_average' | 'every_content' | 'every_question_per_village'; minBp: number; provisional?: boolean }
  )[]
  provisional: boolean
  note: string
}

export const SHIPPED_RULE_SETS: ShippedRuleSet[] = [
  {
    code: 'HD90_XA_NTM',
    name: 'Xã nông thôn mới 2021–2025 (HD 90/HD-MTTW-BTT)',
    legalBasis: HD90,
    levels: ['xa_ntm'],
    bars: [
      { kind: 'coverage', scope: 'village', minBp: 7000, provisional: true },
      { kind: 'overall', minBp: 9000, provisional: true },
    ],
    provisional: true,
    note: 'QĐ 18/2022/QĐ-TTg chỉ ghi "đáp ứng yêu cầu theo quy định"; mức 90 % theo QĐ 320, 321 (huyện, tỉnh) và 70 % số hộ mỗi thôn theo HD 78 (2017) chưa thấy ghi cho xã trong HD 90.',
  },
  {
    code: 'HD90_XA_NTM_NANG_CAO',
    name: 'Xã nông thôn mới nâng cao 2021–2025',
    legalBasis: HD90,
    levels: ['xa_ntm_nang_cao'],
    bars: [
      { kind: 'coverage', scope: 'commune', minBp: 8000, provisional: true },
      { kind: 'overall', minBp: 9000, provisional: true },
    ],
    provisional: true,
    note: '80 % số hộ toàn xã: Noong Hẹt (Điện Biên), có thể là quy định của tỉnh; mức hài lòng chưa tìm thấy trong văn bản.',
  },
  {
    code: 'HD90_XA_NTM_KIEU_MAU',
    name: 'Xã nông thôn mới kiểu mẫu 2021–2025',
    legalBasis: HD90,
    levels: ['xa_ntm_kieu_mau'],
    bars: [
      { kind: 'coverage', scope: 'village', minBp: 7000, provisional: true },
      { kind: 'overall', minBp: 9000, provisional: true },
    ],
    provisional: true,
    note: 'Không tìm thấy mức tỷ lệ tham gia và mức hài lòng cho xã kiểu mẫu.',
  },
  {
    code: 'HD90_HUYEN_NTM',
    name: 'Huyện nông thôn mới 2021–2025 (lấy ý kiến theo từng xã)',
    legalBasis: { ...HD90, effectiveTo: '2025-06-30' },
    levels: ['huyen_ntm'],
    bars: [
      { kind: 'coverage', scope: 'commune', minBp: 7000 },
      { kind: 'overall', minBp: 9000 },
    ],
    provisional: false,
    note: '70 %: HD 90 về tỷ lệ lấy ý kiến đối với huyện nông thôn mới (Tân Phước, Tiền Giang); từ 90 %: QĐ 320/QĐ-TTg ngày 08/3/2022.',
  },
  {
    code: 'TRIEU_SON_HUYEN_NTMNC',
    name: 'Huyện nông thôn mới nâng cao — kế hoạch Triệu Sơn (Thanh Hóa), 10/2024',
    legalBasis: {
      text: 'Kế hoạch lấy ý kiến sự hài lòng của người dân về kết quả xây dựng huyện Triệu Sơn đạt chuẩn nông thôn mới nâng cao (10/2024); số hiệu văn bản: theo hướng dẫn của tỉnh — cần xác nhận',
      number: 'theo hướng dẫn của tỉnh — cần xác nhận',
      date: '2024-10-01',
      effectiveFrom: '2024-10-01',
      effectiveTo: '2025-06-30',
    },
    levels: ['huyen_ntm_nang_cao'],
    bars: [
      { kind: 'coverage', scope: 'commune', minBp: 9200 },
      { kind: 'content_average', minBp: 9500 },
      { kind: 'overall', minBp: 9800 },
    ],
    provisional: false,
    note: 'Từ 92 % số hộ được lấy ý kiến; bình quân các câu nội dung 1–9 từ 95 %; câu 10 (đánh giá chung) từ 98 %.',
  },
  {
    code: 'TIEN_GIANG_TINH_2024',
    name: 'Tỉnh hoàn thành nhiệm vụ xây dựng NTM — cách xét của Tiền Giang (2024)',
    legalBasis: {
      text: 'Báo cáo kết quả lấy ý kiến sự hài lòng của người dân về đề nghị công nhận tỉnh Tiền Giang hoàn thành nhiệm vụ xây dựng nông thôn mới năm 2024 (Ủy ban MTTQ Việt Nam tỉnh Tiền Giang)',
      number: 'theo hướng dẫn của tỉnh — cần xác nhận',
      date: '2024-01-01',
      effectiveFrom: '2024-01-01',
      effectiveTo: '2025-12-31',
    },
    levels: ['tinh_hoan_thanh'],
    bars: [
      { kind: 'coverage', scope: 'commune', minBp: 7000, provisional: true },
      { kind: 'every_content', minBp: 9000 },
      { kind: 'overall', minBp: 9000 },
    ],
    provisional: true,
    note: 'Mỗi xã từ 90 % ở từng câu hỏi (cách một tỉnh áp dụng); tỷ lệ tham gia chưa tìm thấy.',
  },
  {
    code: 'QD51_XA_NTM',
    name: 'Xã nông thôn mới 2026–2030 (QĐ 51/2025/QĐ-TTg)',
    legalBasis: QD51,
    levels: ['xa_ntm'],
    bars: [
      { kind: 'coverage', scope: 'village', minBp: 7000, provisional: true },
      { kind: 'overall', minBp: 9000, provisional: true },
    ],
    provisional: true,
    note: 'Chưa tìm thấy mức hài lòng trong QĐ 51/2025 và hướng dẫn mới của MTTQ thay HD 90; giữ mức 2021–2025 cho đến khi tỉnh xác nhận.',
  },
  {
    code: 'QD51_XA_NTM_HIEN_DAI',
    name: 'Xã nông thôn mới hiện đại (thí điểm, Phụ lục II QĐ 51/2025/QĐ-TTg)',
    legalBasis: QD51,
    levels: ['xa_ntm_hien_dai'],
    bars: [
      { kind: 'coverage', scope: 'village', minBp: 7000, provisional: true },
      { kind: 'overall', minBp: 9000, provisional: true },
    ],
    provisional: true,
    note: 'Khung thí điểm; chưa tìm thấy mức hài lòng.',
  },
]
