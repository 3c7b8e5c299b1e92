export { type AuditLogFactory, type AuditLogHandle, describeAuditLogContract } from './audit-log.js';
export {
  type CountingPasswordHasher,
  countCalls,
  createFastPasswordHasher,
  DAY,
  demoSeed,
  HOUR,
  hashToken,
  MINUTE,
  newHash,
  newId,
  newTokenValue,
  newUatRecord,
  newUuidv7,
  SECOND,
  T0,
} from './fixtures.js';
export {
  describeSigningKeyStoreContract,
  type SigningKeyInstance,
  type SigningKeyStoreFactory,
  type SigningKeyStoreHandle,
} from './signing-keys.js';
export { startTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';
export {
  describeTokenStoreContract,
  type TokenStoreFactory,
  type TokenStoreHandle,
} from './token-store.js';
export {
  describeUserDirectoryContract,
  expectedUser,
  type UserDirectoryFactory,
  type UserDirectoryHandle,
} from './user-directory.js';
