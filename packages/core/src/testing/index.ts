/**
 * `@tollgate/core/testing`: what tests, demos and benchmarks need and production code must not use:
 * in-memory store, directory and audit log, a clock that moves when told, and the demo data (with passwords).
 */

/**
 * The ports of sessions, the user lifecycle and the audit log, also here until the root entry
 * (`@tollgate/core`) exports them: the stores and their contract suite import these types from here
 * meanwhile. Types only: nothing of this entry is loaded at run time for them.
 */
export type {
  AuditEvent,
  AuditEventDetails,
  AuditEventType,
  AuditLog,
  AuditQuery,
  AuditSink,
  NewUser,
  SessionKind,
  SessionRecord,
  UserLifecycle,
} from '../ports.js';
export { generateUat } from '../tokens/opaque.js';
export { demoData } from './demo-data.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createMemoryAuditLog, type MemoryAuditLogOptions } from './memory-audit-log.js';
export {
  createMemoryTokenStore,
  createMemoryUserDirectory,
  type MemoryUserDirectoryOptions,
} from './memory-store.js';
