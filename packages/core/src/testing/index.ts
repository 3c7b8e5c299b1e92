/**
 * `@tollgate/core/testing`: what tests, demos and benchmarks need and production code must not use:
 * in-memory store, directory and audit log, a clock that moves when told, and the demo data (with passwords).
 */

export { generateUat } from '../tokens/opaque.js';
export { demoData } from './demo-data.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createMemoryAuditLog, type MemoryAuditLogOptions } from './memory-audit-log.js';
export { createMemoryUserDirectory, type MemoryUserDirectoryOptions } from './memory-directory.js';
export { createMemoryTokenStore } from './memory-store.js';
