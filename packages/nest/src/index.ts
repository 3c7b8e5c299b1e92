export type { ErrorShape, TollgateHttp } from '@tollgate/core/http';
export {
  Actor,
  Environment,
  Principal,
  Public,
  principalOf,
  RequireEnvironment,
  RequirePermissions,
  RequireRoles,
  Schemes,
} from './decorators.js';
export { TollgateGuard } from './guard.js';
export {
  TollgateExceptionFilter,
  TollgateHttpException,
  TollgateJsonInterceptor,
  TollgateJsonMiddleware,
  TollgateProfilesMiddleware,
  type TollgateRequest,
} from './http.js';
export { TollgateModule, type TollgateModuleAsyncOptions, type TollgateModuleRootOptions } from './module.js';
export { TOLLGATE, TOLLGATE_HTTP, TOLLGATE_OPTIONS, type TollgateModuleOptions } from './tokens.js';
