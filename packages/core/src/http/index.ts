/**
 * `@tollgate/core/http`: the framework-neutral HTTP face of a Tollgate (the profiles' routes, the
 * guard, error rendering, OpenAPI, log redaction). Adapters translate to and from it.
 */
export { readJsonBody } from './body.js';
export { createHttpHandler, PROFILE_NAMES, type TollgateHttp } from './handler.js';
export type { AppRouteDoc, OpenApiInfo, OpenApiServer } from './openapi.js';
export { meBody } from './profiles/uat-jwt/routes.js';
export { redactUrl } from './redact.js';
export { ERROR_CODE_HEADER, json, NO_STORE, renderError } from './render.js';
export type {
  CookieOptions,
  CorsOptions,
  ErrorShape,
  GuardResult,
  GuardRule,
  HeaderValue,
  HttpHandlerOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  IntrospectionClient,
  OAuthProfileOptions,
  ProfileName,
  ResolvedHttpOptions,
  RouteDefinition,
  TollgateMiddlewareSet,
} from './types.js';
