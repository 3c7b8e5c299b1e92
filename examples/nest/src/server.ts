import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  All,
  type ArgumentsHost,
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  NotFoundException,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  type AppRouteDoc,
  createKeySet,
  createTollgate,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type Lifetimes,
  type PasswordHasher,
  redactUrl,
  type SigningKey,
  type Tollgate,
  TollgateError,
  type TollgateHttp,
} from '@tollgate/core';
import {
  Public,
  RequirePermissions,
  TOLLGATE,
  TOLLGATE_HTTP,
  TollgateExceptionFilter,
  TollgateGuard,
  TollgateHttpException,
  TollgateJsonMiddleware,
  TollgateModule,
} from '@tollgate/nest';
import { openSqliteStore, seedDemoData } from '@tollgate/store-sqlite';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';

/** The protected demo routes of the contract, for the OpenAPI document (served by `DemoController`). */
const DEMO_ROUTES: readonly AppRouteDoc[] = [
  {
    method: 'POST',
    path: '/api/v2/brands/',
    summary: 'Creates a brand.',
    permissions: ['brand_create'],
    success: { status: 201, description: 'Created.' },
  },
  {
    method: 'POST',
    path: '/api/v2/products/',
    summary: 'Creates a product.',
    permissions: ['product_create'],
    success: { status: 201, description: 'Created.' },
  },
  {
    method: 'GET',
    path: '/api/v2/scans/download',
    summary: 'Downloads scans.',
    permissions: ['scans_download'],
    success: { status: 200, description: 'The scans.' },
  },
  {
    method: 'POST',
    path: '/api/v2/scm/bulk-edit/',
    summary: 'Edits codes in bulk.',
    permissions: ['scm_bulk_edit'],
    success: { status: 200, description: 'Edited.' },
  },
  {
    method: 'PATCH',
    path: '/api/v2/scm/codes/{id}/',
    summary: 'Edits one code.',
    permissions: ['scm_code_edit'],
    success: { status: 200, description: 'Edited.' },
  },
];

/** The demo routes: each needs one permission; refusals in the UAT/JWT API's `{"detail"}` shape. */
@Controller('api/v2')
@UseGuards(TollgateGuard)
class DemoController {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  @Post('brands/')
  @RequirePermissions('brand_create')
  brand() {
    return { id: randomUUID(), created: 'brand' };
  }

  @Post('products/')
  @RequirePermissions('product_create')
  product() {
    return { id: randomUUID(), created: 'product' };
  }

  @Get('scans/download')
  @RequirePermissions('scans_download')
  scans() {
    return { scans: [] };
  }

  @Post('scm/bulk-edit/')
  @HttpCode(200)
  @RequirePermissions('scm_bulk_edit')
  bulkEdit() {
    return { updated: 0 };
  }

  @Patch('scm/codes/:id/')
  @RequirePermissions('scm_code_edit')
  code(@Param('id') id: string) {
    return { id, updated: true };
  }

  // Declared after the routes above, so only the other methods reach these: 405 with Allow.
  @All(['brands/', 'products/', 'scm/bulk-edit/'])
  @Public()
  postOnly(): never {
    throw this.notAllowed('POST');
  }

  @All('scans/download')
  @Public()
  getOnly(): never {
    throw this.notAllowed('GET');
  }

  @All('scm/codes/:id/')
  @Public()
  patchOnly(): never {
    throw this.notAllowed('PATCH');
  }

  private notAllowed(allow: string): TollgateHttpException {
    return new TollgateHttpException(
      this.http.renderError(new TollgateError('method_not_allowed'), 'detail', [allow]),
    );
  }
}

/** The published key set and the API description. */
@Controller()
class DiscoveryController {
  constructor(
    @Inject(TOLLGATE) private readonly tollgate: Tollgate,
    @Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp,
  ) {}

  @Get('.well-known/jwks.json')
  jwks() {
    return this.tollgate.jwks();
  }

  @Get('openapi.json')
  openapi() {
    return this.http.openapi({ title: 'Tollgate example (Nest)', version: '1.0.0', appRoutes: DEMO_ROUTES });
  }
}

/**
 * Tollgate's refusals as the module renders them; Nest's own 404 (no route) as `not_found` and its
 * other 4xx (e.g. a path parameter that is not valid percent-encoding) as `malformed_request`; anything
 * else a 500 without detail (logged through `onUnexpectedError`): nothing reaches a client with a stack
 * trace or without an error code.
 */
@Catch()
class ExampleExceptionFilter extends TollgateExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof TollgateHttpException || exception instanceof TollgateError) {
      super.catch(exception, host);
      return;
    }
    const error =
      exception instanceof NotFoundException
        ? new TollgateError('not_found')
        : exception instanceof HttpException && exception.getStatus() >= 400 && exception.getStatus() < 500
          ? new TollgateError('malformed_request', { cause: exception })
          : exception;
    super.catch(new TollgateHttpException(this.http.renderError(error)), host);
  }
}

export interface ExampleServerOptions {
  /** 0 picks a free port. Default 3000. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** SQLite file (`:memory:` allowed). Default `tollgate.db`. */
  readonly database?: string;
  /** Default: scrypt with OWASP parameters. Tests pass a cheaper one. */
  readonly passwordHasher?: PasswordHasher;
  /** Default: the key in `TOLLGATE_SIGNING_KEY` (a private JWK), else one kept beside the database. */
  readonly signingKey?: SigningKey;
  readonly lifetimes?: Partial<Lifetimes>;
  /** `false` silences the request log. Default: JSON lines on stdout. */
  readonly logger?: false;
  /** Adds `Secure` to the session cookie. Default: true when NODE_ENV is production. */
  readonly secureCookie?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The example's key: from `TOLLGATE_SIGNING_KEY`, else a JWK file beside the database (so
 * tokens survive a restart), else a fresh one for an in-memory database.
 */
async function loadSigningKey(database: string): Promise<SigningKey> {
  const fromEnv = process.env.TOLLGATE_SIGNING_KEY;
  if (fromEnv) return importSigningKey(JSON.parse(fromEnv));
  if (database === ':memory:') return generateSigningKey();
  const file = `${database}.signing-key.json`;
  if (existsSync(file)) return importSigningKey(JSON.parse(readFileSync(file, 'utf8')));
  const key = await generateSigningKey();
  writeFileSync(file, JSON.stringify(await exportSigningKey(key)), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export async function startServer(options: ExampleServerOptions = {}): Promise<RunningServer> {
  const database = options.database ?? 'tollgate.db';
  const store = openSqliteStore({
    filename: database,
    ...(options.passwordHasher ? { passwordHasher: options.passwordHasher } : {}),
  });
  await seedDemoData(store);
  const logger = options.logger === false ? pino({ level: 'silent' }) : pino();
  const signingKey = options.signingKey ?? (await loadSigningKey(database));

  @Module({
    imports: [
      TollgateModule.forRoot({
        tollgate: createTollgate({
          issuer: 'https://tollgate.example',
          audience: 'tollgate-example',
          keys: createKeySet({ current: signingKey }),
          store: store.tokens,
          users: store.users,
          ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
          onBackgroundError: (error) => logger.warn({ err: error }, 'background work failed'),
        }),
        errorShape: 'detail', // the demo routes answer like the UAT/JWT API they belong to
        cookie: { secure: options.secureCookie ?? process.env.NODE_ENV === 'production' },
        onUnexpectedError: (error) => logger.error({ err: error }, 'unexpected error'),
      }),
    ],
    controllers: [DiscoveryController, DemoController],
    providers: [{ provide: APP_FILTER, useClass: ExampleExceptionFilter }],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      // The demo routes' bodies go through Tollgate's bounded JSON parser (64 KiB, JSON only).
      consumer.apply(TollgateJsonMiddleware).forRoutes(DemoController);
    }
  }

  // No body parser of Nest's: Tollgate reads the bodies of its routes itself, with its limits.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: options.logger === false ? false : ['error', 'warn'],
    forceCloseConnections: true,
  });
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      // Only what is safe to log: never a header, and the URL with passwords and tokens redacted.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  try {
    await app.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (error) {
    await store.close();
    throw error;
  }
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
