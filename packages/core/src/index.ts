/**
 * `@tollgate/core`: every rule of Tollgate's four token schemes, with no framework and no database
 * driver. HTTP lives in `@tollgate/core/http`, Node request translation in `@tollgate/core/node`,
 * test doubles and demo data in `@tollgate/core/testing`.
 */
export {
  type AuthenticateOptions,
  type AuthResult,
  DEFAULT_SOURCE_KINDS,
  type SourceKinds,
} from './authn/authenticate.js';
export type { RevocationSyncOptions } from './authn/revocation-state.js';
export { type Clock, systemClock } from './clock.js';
export type { RequestCredentials } from './credentials/request.js';
export {
  ERROR_CATALOGUE,
  isTollgateError,
  statusOf,
  TollgateError,
  type TollgateErrorCode,
  type TollgateErrorOptions,
} from './errors.js';
export {
  consoleLogger,
  type LoggedError,
  loggedError,
  type TollgateLogger,
} from './logger.js';
export type { AccessTokenOperations, AccessTokenResult } from './operations/access-tokens.js';
export type { AdminOperations } from './operations/admin.js';
export {
  type Argon2Parameters,
  argon2Available,
  createArgon2idPasswordHasher,
  createPasswordHasher,
  OWASP_ARGON2ID,
  type PasswordHasherOptions,
} from './operations/argon2id.js';
export { AUDIT_EVENT_TYPES } from './operations/audit.js';
export type { DelegatedLoginOperations, DelegatedTokenResult } from './operations/delegated-login.js';
export {
  DEFAULT_PASSWORD_HASHING,
  type PasswordHashingOptions,
} from './operations/hashing-gate.js';
export type {
  ActiveIntrospection,
  IntrospectedKind,
  IntrospectionResult,
} from './operations/introspect.js';
export type { PasswordLogin } from './operations/login.js';
export {
  createMemoryLimiterFactory,
  DEFAULT_ACCOUNT_AND_IP_LIMIT,
  DEFAULT_ACCOUNT_LIMIT,
  DEFAULT_IP_LIMIT,
  type LimiterFactory,
  type LimiterSpec,
  type LoginLimitRule,
  type LoginLimitsOptions,
  memoryLimiterFactory,
} from './operations/login-limits.js';
export { BoundedMemoryLimiter, DEFAULT_MAX_KEYS } from './operations/memory-limiter.js';
export {
  createScryptPasswordHasher,
  OWASP_SCRYPT,
  type PasswordHasher,
  type ScryptParameters,
} from './operations/password-hashing.js';
export {
  COMPANY_ADMIN_ROLE,
  DEFAULT_ROLE_POLICY,
  DOMAIN_ADMIN_ROLE,
  ENTERPRISE_ADMIN_ROLE,
  type RolePolicy,
} from './operations/policy.js';
export { decideRotation, type RotationDecision } from './operations/rotation.js';
export type { SessionOperations, SessionSummary } from './operations/sessions.js';
export type { TokenPairOperations, TokenPairResult } from './operations/token-pair.js';
export type { CreatedUat, UatOperations, UatSummary } from './operations/uats.js';
export type { UserTokenOperations, UserTokenResult } from './operations/user-tokens.js';
export type {
  ChangedBy,
  UserLifecycleOperations,
  UserRevocationReason,
} from './operations/users.js';
export { DEFAULT_LIFETIMES, type Lifetimes, type TollgateOptions } from './options.js';
export {
  type AuditEvent,
  type AuditEventDetails,
  type AuditEventType,
  type AuditLog,
  type AuditQuery,
  type AuditSink,
  type DirectorySeed,
  type NewRefreshToken,
  type NewUser,
  type RefreshFamilyRecord,
  type RefreshTokenRecord,
  type RevocationChannel,
  type RevocationKind,
  type RevocationListener,
  type RevocationNotice,
  type RevocationRecord,
  type RotateRefreshTokenResult,
  type SessionKind,
  type SessionRecord,
  type TokenStore,
  type UatRecord,
  type UserDirectory,
  type UserLifecycle,
  usernameKey,
} from './ports.js';
export { redactSecrets } from './secrets.js';
export { JWT_TYP, type TokenAudiences, tokenAudiences } from './tokens/jwt-codec.js';
export { fileKeyStore } from './tokens/key-file.js';
export {
  type KeySetFromEnvOptions,
  keySetFromEnv,
  type OpenKeySetOptions,
  openKeySet,
  type RotateSigningKeyOptions,
  rotateSigningKey,
} from './tokens/key-sources.js';
export { formatStoredKeys, parseSigningKeys } from './tokens/key-text.js';
export {
  createKeySet,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type KeySet,
  type SigningAlgorithm,
  type SigningKey,
} from './tokens/keys.js';
export { signingKeyStatuses } from './tokens/live-key-set.js';
export {
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_PUBLISH_FOR_SECONDS,
  DEFAULT_RELOAD_INTERVAL_MS,
  DEFAULT_UNKNOWN_KID_RELOAD_INTERVAL_MS,
  type LiveKeySet,
  SIGNING_KEY_COLUMNS,
  SigningKeyConfigError,
  type SigningKeyRow,
  type SigningKeyStatus,
  type SigningKeyStore,
  type StoredSigningKey,
  signingKeyFromRow,
  signingKeyRowValues,
} from './tokens/signing-key-store.js';
export { createUuidv7Source, type Uuidv7Source, uuidv7, uuidv7Time } from './tokens/uuidv7.js';
export { createTollgate, type Tollgate } from './tollgate.js';
export type {
  Actor,
  Credential,
  CredentialSource,
  Environment,
  JwtKind,
  Principal,
  PrincipalData,
  Requirement,
  TokenKind,
  TollgateRegister,
  UserKind,
  UserRecord,
} from './types.js';
