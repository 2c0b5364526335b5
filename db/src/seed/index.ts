export * from './criteria.js'
export * from './demo-data.js'
export * from './prng.js'
export * from './rules.js'
