import {
  ConfigurableModuleBuilder,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleInit,
  type Provider,
  RequestMethod,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { createTollgate, type Tollgate, type TollgateOptions } from '@tollgate/core';
import { createHttpHandler, type TollgateHttp } from '@tollgate/core/http';
import { TollgateGuard } from './guard.js';
import { TollgateExceptionFilter, TollgateProfilesMiddleware, undecodablePathHandler } from './http.js';
import { TOLLGATE, TOLLGATE_HTTP, TOLLGATE_OPTIONS, type TollgateModuleOptions } from './tokens.js';

function isTollgate(value: Tollgate | TollgateOptions): value is Tollgate {
  return typeof (value as Partial<Tollgate>).authenticate === 'function';
}

const PROVIDERS: Provider[] = [
  {
    provide: TOLLGATE,
    useFactory: (options: TollgateModuleOptions) =>
      isTollgate(options.tollgate) ? options.tollgate : createTollgate(options.tollgate),
    inject: [TOLLGATE_OPTIONS],
  },
  {
    provide: TOLLGATE_HTTP,
    useFactory: (tollgate: Tollgate, options: TollgateModuleOptions) => createHttpHandler(tollgate, options),
    inject: [TOLLGATE, TOLLGATE_OPTIONS],
  },
  TollgateGuard,
  { provide: APP_FILTER, useClass: TollgateExceptionFilter },
];

const {
  ConfigurableModuleClass: TollgateConfigurableModule,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TollgateModuleOptions>({ optionsInjectionToken: TOLLGATE_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({ global: true }, (definition, extras) => ({
    ...definition,
    global: extras.global,
    providers: [...(definition.providers ?? []), ...PROVIDERS],
    exports: [TOLLGATE, TOLLGATE_HTTP, TOLLGATE_OPTIONS, TollgateGuard],
  }))
  .build();

/** What `TollgateModule.forRoot` takes: the module's options plus `global` (default true). */
export type TollgateModuleRootOptions = typeof OPTIONS_TYPE;
/** What `TollgateModule.forRootAsync` takes: `useFactory`, `inject`, `imports` (or `useClass`, `useExisting`), `global`. */
export type TollgateModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/**
 * Serves the chosen profiles' endpoints (before your routes), provides `TollgateGuard`, `TOLLGATE`
 * and `TOLLGATE_HTTP`, and renders Tollgate's refusals exactly. `forRoot(options)` or
 * `forRootAsync({ useFactory, inject, imports })`; global unless `global: false`.
 */
@Module({})
export class TollgateModule extends TollgateConfigurableModule implements NestModule, OnModuleInit {
  constructor(
    @Inject(TOLLGATE_OPTIONS) private readonly moduleOptions: TollgateModuleOptions,
    @Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    // `profiles: []` serves no route: no middleware in front of every request then.
    if (this.moduleOptions.profiles?.length === 0) return;
    consumer.apply(TollgateProfilesMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  /** Nest calls this after mounting the routes and before its own error handler: see `undecodablePathHandler`. */
  onModuleInit(): void {
    if (this.moduleOptions.profiles?.length === 0) return;
    const app = this.adapterHost.httpAdapter?.getInstance<{ use?: (handler: unknown) => unknown }>();
    if (typeof app?.use === 'function') app.use(undecodablePathHandler(this.http));
  }
}
