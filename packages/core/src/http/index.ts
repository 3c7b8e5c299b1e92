export { firstHeader, readJsonBody } from './body.js';
export { type AppRouteDoc, createHttpHandler, type OpenApiInfo, type TollgateHttp } from './handler.js';
export { fromNodeRequest, nodeHeaders, nodeRequestHead, writeNodeResponse } from './node.js';
export { meBody } from './profiles/uat-jwt.js';
export { redactUrl } from './redact.js';
export { ERROR_CODE_HEADER, json, NO_STORE, renderError } from './render.js';
export type {
  CookieOptions,
  ErrorShape,
  GuardResult,
  GuardRule,
  HeaderValue,
  HttpHandlerOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  ProfileName,
  ResolvedHttpOptions,
  RouteDefinition,
} from './types.js';
