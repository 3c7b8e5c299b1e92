// Everything the core's own tests reach: the public entry points plus the internals they test alone.

export { createAuthenticator } from '../../src/authn/authenticate.js';
export { CredentialCache } from '../../src/authn/credential-cache.js';
export {
  MAX_CREDENTIAL_LENGTH,
  parseAuthorizationHeader,
  splitAuthorization,
} from '../../src/credentials/authorization.js';
export { readCookie } from '../../src/credentials/cookie.js';
export { extractCredential } from '../../src/credentials/request.js';
export { EvictionOrder } from '../../src/eviction-order.js';
export * from '../../src/http/index.js';
export { delegatedLoginRoutes } from '../../src/http/profiles/delegated-login/routes.js';
export { EnvelopeErrorSchema } from '../../src/http/profiles/token-pair/error-body.js';
export { tokenPairRoutes } from '../../src/http/profiles/token-pair/routes.js';
export { DetailErrorSchema, FieldErrorsSchema } from '../../src/http/profiles/uat-jwt/error-body.js';
export { uatJwtRoutes } from '../../src/http/profiles/uat-jwt/routes.js';
export { userTokenRoutes } from '../../src/http/profiles/user-tokens/routes.js';
export { DefaultErrorSchema } from '../../src/http/render.js';
export * from '../../src/index.js';
export * from '../../src/node.js';
export { createLoginLimiter, memoryLimiterFactory } from '../../src/operations/login-limits.js';
export * from '../../src/testing/index.js';
export { isCanonicalBase64url } from '../../src/tokens/base64url.js';
export { parseJsonObject } from '../../src/tokens/json-object.js';
export { JwtCodec, type TollgateClaims, type VerifiedJwt } from '../../src/tokens/jwt-codec.js';
export {
  generateRefreshToken,
  generateUat,
  hashOpaqueToken,
  isWellFormedRefreshToken,
  isWellFormedUat,
  REFRESH_PREFIX,
  UAT_LENGTH,
  UAT_PREFIX,
} from '../../src/tokens/opaque.js';
