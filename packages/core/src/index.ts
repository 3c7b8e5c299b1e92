export { type Clock, createFakeClock, type FakeClock, systemClock } from './clock.js';
export {
  type AuthorizationScheme,
  extractCredential,
  MAX_CREDENTIAL_LENGTH,
  parseAuthorizationHeader,
  type RequestCredentials,
  readCookie,
} from './credentials.js';
export { demoData, usernameKey } from './demo-data.js';
export {
  ERROR_CATALOGUE,
  isTollgateError,
  statusOf,
  TollgateError,
  type TollgateErrorCode,
  type TollgateErrorOptions,
} from './errors.js';
export * from './http/index.js';
export { JWT_TYP, JwtCodec, type JwtCodecOptions, type TollgateClaims, type VerifiedJwt } from './jwt.js';
export {
  createKeySet,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type KeySet,
  type SigningAlgorithm,
  type SigningKey,
} from './keys.js';
export {
  createLoginLimiter,
  DEFAULT_ACCOUNT_LIMIT,
  DEFAULT_IP_LIMIT,
  type LimiterFactory,
  type LimiterSpec,
  type LoginAttempt,
  type LoginLimiter,
  type LoginLimitRule,
  type LoginLimitsOptions,
  memoryLimiterFactory,
} from './login-limits.js';
export {
  createMemoryTokenStore,
  createMemoryUserDirectory,
  type MemoryUserDirectoryOptions,
} from './memory-store.js';
export {
  generateRefreshToken,
  generateUat,
  hashOpaqueToken,
  isWellFormedRefreshToken,
  isWellFormedUat,
  REFRESH_PREFIX,
  UAT_PREFIX,
} from './opaque.js';
export {
  createScryptPasswordHasher,
  OWASP_SCRYPT,
  type PasswordHasher,
  type ScryptParameters,
} from './password.js';
export type {
  DirectorySeed,
  NewRefreshToken,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RevocationChannel,
  RevocationKind,
  RevocationListener,
  RevocationNotice,
  RevocationRecord,
  RotateRefreshTokenResult,
  TokenStore,
  UatRecord,
  UserDirectory,
} from './ports.js';
export type { RevocationSyncOptions } from './revocations.js';
export {
  type AccessTokenResult,
  type AuthenticateOptions,
  COMPANY_ADMIN_ROLE,
  type CreatedUat,
  createTollgate,
  DEFAULT_LIFETIMES,
  DEFAULT_SOURCE_KINDS,
  type DelegatedTokenResult,
  DOMAIN_ADMIN_ROLE,
  ENTERPRISE_ADMIN_ROLE,
  type Lifetimes,
  type PasswordLogin,
  type SourceKinds,
  type TokenPairResult,
  type Tollgate,
  type TollgateOptions,
  type UatSummary,
  type UserTokenResult,
} from './tollgate.js';
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
