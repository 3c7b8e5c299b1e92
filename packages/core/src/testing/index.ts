/**
 * `@tollgate/core/testing`: what tests, demos and benchmarks need and production code must not use:
 * in-memory store and directory, a clock that moves when told, and the demo data (with passwords).
 */
export { generateUat } from '../tokens/opaque.js';
export { demoData } from './demo-data.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export {
  createMemoryTokenStore,
  createMemoryUserDirectory,
  type MemoryUserDirectoryOptions,
} from './memory-store.js';
