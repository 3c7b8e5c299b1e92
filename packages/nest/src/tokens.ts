import type { Tollgate, TollgateOptions } from '@tollgate/core';
import type { HttpHandlerOptions } from '@tollgate/core/http';

/** Injection token of the module's options (`TollgateModuleOptions`). */
export const TOLLGATE_OPTIONS = Symbol.for('@tollgate/nest:options');
/** Injection token of the `Tollgate` the module uses. */
export const TOLLGATE = Symbol.for('@tollgate/nest:tollgate');
/** Injection token of the core's `TollgateHttp` (route table, guard, rendering, OpenAPI). */
export const TOLLGATE_HTTP = Symbol.for('@tollgate/nest:http');

export interface TollgateModuleOptions extends HttpHandlerOptions {
  /** The Tollgate, or the options `createTollgate` builds it from. */
  readonly tollgate: Tollgate | TollgateOptions;
}
