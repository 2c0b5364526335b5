/** QĐ 318/QĐ-TTg (08/03/2022): the 19 criteria for xã NTM 2021–2025, in published order (DOMAIN.md §3.1). */
export const QD318_2022 = {
  code: 'QD318_2022',
  name: 'Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021–2025',
  legalBasis: 'Quyết định 318/QĐ-TTg ngày 08/03/2022',
  criteria: [
    ['1', 'Quy hoạch', 'Quy hoạch'],
    ['2', 'Giao thông', 'Hạ tầng kinh tế – xã hội'],
    ['3', 'Thủy lợi và phòng, chống thiên tai', 'Hạ tầng kinh tế – xã hội'],
    ['4', 'Điện', 'Hạ tầng kinh tế – xã hội'],
    ['5', 'Trường học', 'Hạ tầng kinh tế – xã hội'],
    ['6', 'Cơ sở vật chất văn hóa', 'Hạ tầng kinh tế – xã hội'],
    ['7', 'Cơ sở hạ tầng thương mại nông thôn', 'Hạ tầng kinh tế – xã hội'],
    ['8', 'Thông tin và Truyền thông', 'Hạ tầng kinh tế – xã hội'],
    ['9', 'Nhà ở dân cư', 'Hạ tầng kinh tế – xã hội'],
    ['10', 'Thu nhập', 'Kinh tế và tổ chức sản xuất'],
    ['11', 'Nghèo đa chiều', 'Kinh tế và tổ chức sản xuất'],
    ['12', 'Lao động', 'Kinh tế và tổ chức sản xuất'],
    ['13', 'Tổ chức sản xuất và phát triển kinh tế nông thôn', 'Kinh tế và tổ chức sản xuất'],
    ['14', 'Giáo dục và Đào tạo', 'Văn hóa – Xã hội – Môi trường'],
    ['15', 'Y tế', 'Văn hóa – Xã hội – Môi trường'],
    ['16', 'Văn hóa', 'Văn hóa – Xã hội – Môi trường'],
    ['17', 'Môi trường và an toàn thực phẩm', 'Văn hóa – Xã hội – Môi trường'],
    ['18', 'Hệ thống chính trị và tiếp cận pháp luật', 'Hệ thống chính trị'],
    ['19', 'Quốc phòng và An ninh', 'Hệ thống chính trị'],
  ].map(([ref, name, group]) => ({ ref: ref as string, name: name as string, group: group as string })),
}

/** QĐ 51/2025/QĐ-TTg (29/12/2025, in force 15/02/2026): 10 criteria, targets per commune group 1/2/3. */
export const QD51_2025 = {
  code: 'QD51_2025',
  name: 'Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026–2030 (nhóm xã 1/2/3)',
  legalBasis: 'Quyết định 51/2025/QĐ-TTg ngày 29/12/2025',
  criteria: [
    'Quy hoạch',
    'Hạ tầng kinh tế – xã hội',
    'Phát triển kinh tế nông thôn',
    'Đào tạo nguồn nhân lực nông thôn',
    'Văn hóa, giáo dục, y tế',
    'Giảm nghèo và an sinh xã hội',
    'Khoa học công nghệ và chuyển đổi số',
    'Môi trường và cảnh quan nông thôn',
    'Xây dựng hệ thống chính trị và hành chính công',
    'Tiếp cận pháp luật và an ninh, quốc phòng',
  ].map((name, i) => ({ ref: String(i + 1), name, group: null })),
}

const HD90_BASIS = {
  text: 'Hướng dẫn số 90/HD-MTTW-BTT ngày 20/9/2022 của Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam',
  number: '90/HD-MTTW-BTT',
  date: '2022-09-20',
  effectiveFrom: '2022-09-20',
  effectiveTo: '2026-02-14',
}

const QD51_BASIS = {
  text: 'Quyết định số 51/2025/QĐ-TTg ngày 29/12/2025 của Thủ tướng Chính phủ ban hành Bộ tiêu chí quốc gia về nông thôn mới giai đoạn 2026–2030',
  number: '51/2025/QĐ-TTg',
  date: '2025-12-29',
  effectiveFrom: '2026-02-15',
  effectiveTo: null,
}

const OVERALL = 'Ông/bà có hài lòng với kết quả xây dựng nông thôn mới của xã không?'

/**
 * The 9-question form of HD 90/HD-MTTW-BTT as used in Tiền Giang (2024): 8 content questions and the
 * overall question last (DOMAIN.md §2.4). Wording adapted for a commune round.
 */
export const TEMPLATE_HD90_9 = {
  code: 'HD90_9Q',
  // Only the structure (8 + 1) and questions 1, 2 and 6 are sourced (Tiền Giang 2024); the other
  // wordings must be checked against the province's own form (DOMAIN.md §2.4)
  name: 'Phiếu 9 câu theo cấu trúc HD 90/HD-MTTW-BTT (câu 1, 2, 6 theo nguồn; các câu khác đối chiếu mẫu của tỉnh)',
  levels: ['xa_ntm', 'xa_ntm_nang_cao', 'xa_ntm_kieu_mau'],
  legalBasis: HD90_BASIS,
  periodFrom: '2022-09-20',
  periodTo: '2026-02-14',
  questions: [
    {
      key: 'q1',
      criterionRef: '1',
      text: 'Ông/bà có được thông tin và tham gia ý kiến về quy hoạch xây dựng nông thôn mới của xã không?',
      answerType: 'yes_no' as const,
    },
    {
      key: 'q2',
      criterionRef: '2',
      text: 'Đường giao thông trên địa bàn xã được cứng hóa, thuận tiện, có trồng cây xanh; ông/bà có hài lòng không?',
    },
    {
      key: 'q3',
      criterionRef: '3,4,17',
      text: 'Hệ thống điện, nước sạch và thủy lợi phục vụ sản xuất, sinh hoạt của gia đình có đáp ứng nhu cầu không?',
    },
    {
      key: 'q4',
      criterionRef: '5,6',
      text: 'Trường học, nhà văn hóa và khu thể thao của xã, ấp có đáp ứng nhu cầu học tập, sinh hoạt không?',
    },
    {
      key: 'q5',
      criterionRef: '15',
      text: 'Ông/bà có hài lòng với chất lượng khám, chữa bệnh và chăm sóc sức khỏe tại trạm y tế xã không?',
    },
    {
      key: 'q6',
      // household contributions are not one of the 19 criteria
      criterionRef: null,
      text: 'Việc vận động người dân đóng góp (tiền, ngày công, hiến đất) để xây dựng nông thôn mới có phù hợp, hiệu quả không?',
    },
    {
      key: 'q7',
      criterionRef: '17',
      text: 'Môi trường, cảnh quan và vệ sinh an toàn thực phẩm ở nơi ông/bà sinh sống có sạch, đẹp, an toàn không?',
    },
    {
      key: 'q8',
      criterionRef: '18,19',
      text: 'Ông/bà có hài lòng với tình hình an ninh trật tự và việc giải quyết thủ tục hành chính tại xã không?',
    },
    { key: 'q9', criterionRef: null, text: OVERALL, isOverall: true },
  ].map((q) => ({ isOverall: false, ...q })),
}

/** The 19-item form seen in Văn Lãng (2024–2025): one item per QĐ 318 criterion, then the overall question. */
export const TEMPLATE_QD318_19 = {
  code: 'QD318_19',
  name: 'Phiếu 19 tiêu chí (QĐ 318/QĐ-TTg) + câu hỏi chung',
  levels: ['xa_ntm', 'xa_ntm_nang_cao'],
  legalBasis: HD90_BASIS,
  periodFrom: '2022-09-20',
  periodTo: '2026-02-14',
  questions: [
    ...QD318_2022.criteria.map((c) => ({
      key: `tc${c.ref}`,
      criterionRef: c.ref,
      text: `Ông/bà có hài lòng với kết quả thực hiện tiêu chí ${c.ref} – ${c.name} của xã không?`,
      isOverall: false,
    })),
    { key: 'chung', criterionRef: null, text: OVERALL, isOverall: true },
  ],
}

/**
 * QĐ 51/2025/QĐ-TTg, xã NTM (Phụ lục I): one question per criterion, then the overall question. The
 * wording follows the one-item-per-criterion form seen in Văn Lãng; no national 2026 form was found.
 */
export const TEMPLATE_QD51_XA_NTM = {
  code: 'QD51_XA_NTM',
  name: 'Phiếu 10 tiêu chí xã nông thôn mới (QĐ 51/2025/QĐ-TTg) + câu hỏi chung',
  levels: ['xa_ntm'],
  legalBasis: QD51_BASIS,
  periodFrom: '2026-02-15',
  periodTo: null,
  questions: [
    ...QD51_2025.criteria.map((c) => ({
      key: `tc${c.ref}`,
      criterionRef: c.ref,
      text: `Ông/bà có hài lòng với kết quả thực hiện tiêu chí ${c.ref} – ${c.name} của xã không?`,
      isOverall: false,
    })),
    { key: 'chung', criterionRef: null, text: OVERALL, isOverall: true },
  ],
}

/** QĐ 51/2025/QĐ-TTg Phụ lục II: the pilot "xã NTM hiện đại", same one-per-criterion structure. */
export const TEMPLATE_QD51_HIEN_DAI = {
  ...TEMPLATE_QD51_XA_NTM,
  code: 'QD51_XA_NTM_HIEN_DAI',
  name: 'Phiếu xã nông thôn mới hiện đại (thí điểm, Phụ lục II QĐ 51/2025/QĐ-TTg) + câu hỏi chung',
  levels: ['xa_ntm_hien_dai'],
  questions: [
    ...QD51_2025.criteria.map((c) => ({
      key: `tc${c.ref}`,
      criterionRef: c.ref,
      text: `Ông/bà có hài lòng với kết quả xây dựng xã nông thôn mới hiện đại về ${c.name.toLowerCase()} không?`,
      isOverall: false,
    })),
    {
      key: 'chung',
      criterionRef: null,
      text: 'Ông/bà có hài lòng với kết quả xây dựng xã nông thôn mới hiện đại của xã không?',
      isOverall: true,
    },
  ],
}
