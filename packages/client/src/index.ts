// The main entry: standard `fetch` only, no Node built-in (browsers, Node >= 20, Deno, Bun, workers).
// File storage and the CLI are in `@tollgate/client/node`.
export {
  type AdminCredential,
  type CreateUatInput,
  createAdminClient,
  createDelegatedLoginClient,
  createSessionsClient,
  createTokenPairClient,
  createTollgateClient,
  createUatJwtClient,
  createUserTokenClient,
  type DelegatedLoginClient,
  type DelegatedLoginInput,
  type SessionOptions,
  type TokenPairClient,
  type TollgateClient,
  type TollgateClientOptions,
  type UatJwtClient,
  type UserTokenClient,
} from './client.js';
export {
  CATALOGUE_CODES,
  type CatalogueCode,
  CLIENT_CODES,
  type ClientCode,
  ERROR_CODE_HEADER,
  type ErrorCode,
  isTollgateClientError,
  type ProfileName,
  raiseForStatus,
  TollgateClientError,
  type TollgateClientErrorInit,
} from './errors.js';
export {
  expandPath,
  type FieldType,
  findShapeMismatch,
  ROUTES,
  type RouteName,
  type RouteSpec,
} from './routes.js';
export {
  type AnySession,
  DelegatedSession,
  type JsonRequestInit,
  JwtSession,
  RefreshableSession,
  Session,
  TokenPairSession,
  UatSession,
  UserTokenSession,
} from './session.js';
export type { AdminClient, SessionsClient } from './sessions-client.js';
export {
  AUTHORIZATION_SCHEME,
  type DelegatedState,
  isSessionState,
  type JwtState,
  jwtExpiry,
  type SchemeName,
  type SessionState,
  type TokenPairState,
  type UatState,
  type UserTokenState,
} from './state.js';
export {
  createLocalStorage,
  createMemoryStorage,
  type TokenStorage,
  type WebStorageLike,
  type WebStorageOptions,
} from './storage.js';
export type { FetchLike } from './transport.js';
export {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type AuditEventType,
  type AuditQuery,
  type CreatedUat,
  type CurrentEnvironment,
  type Environment,
  type KnownPermission,
  type Me,
  type Revoked,
  type SessionKind,
  type SessionSummary,
  type TokenPair,
  type TokenPairEnvelope,
  type UatSummary,
  type UserTokenResponse,
} from './types.js';
