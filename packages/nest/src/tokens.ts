import type { ErrorShape, HttpHandlerOptions, Tollgate, TollgateOptions } from '@tollgate/core';

/** Injection token of the module's options (`TollgateModuleOptions`). */
export const TOLLGATE_OPTIONS = Symbol.for('@tollgate/nest:options');
/** Injection token of the `Tollgate` the module uses. */
export const TOLLGATE = Symbol.for('@tollgate/nest:tollgate');
/** Injection token of the core's `TollgateHttp` (route table, guard, rendering, OpenAPI). */
export const TOLLGATE_HTTP = Symbol.for('@tollgate/nest:http');

export interface TollgateModuleOptions extends HttpHandlerOptions {
  /** The Tollgate, or the options `createTollgate` builds it from. */
  readonly tollgate: Tollgate | TollgateOptions;
  /** How refusals on the app's own routes are rendered. Default `default` (`{"code","message"}`). */
  readonly errorShape?: ErrorShape;
}
