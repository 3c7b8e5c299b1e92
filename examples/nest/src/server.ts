import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
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
  Module,
  NotFoundException,
  Param,
  Patch,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TollgateError } from '@tollgate/core';
import type { TollgateHttp } from '@tollgate/core/http';
import {
  applyServerTimeLimits,
  DEMO_LICENSE,
  DEMO_ROUTES,
  type ExampleServerOptions,
  openExample,
  REQUEST_LOG_SERIALIZERS,
  type RunningServer,
} from '@tollgate/example-shared';
import {
  Public,
  RequirePermissions,
  TOLLGATE_HTTP,
  TollgateExceptionFilter,
  TollgateGuard,
  TollgateHttpException,
  TollgateJsonInterceptor,
  TollgateModule,
} from '@tollgate/nest';
import { pinoHttp } from 'pino-http';

/** The demo routes: each needs one permission; refusals in the UAT/JWT API's `{"detail"}` shape. */
@Controller('api/v2')
@UseGuards(TollgateGuard)
// Bodies go through Tollgate's bounded JSON parser after the guard: a refused caller's body is never
// read (a middleware would run before the guard).
@UseInterceptors(TollgateJsonInterceptor)
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

/** The API description (the key set is the `oauth` profile's). */
@Controller()
class DiscoveryController {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  @Get('openapi.json')
  openapi() {
    return this.http.openapi({
      title: 'Tollgate example (Nest)',
      version: '1.0.0',
      license: DEMO_LICENSE,
      appRoutes: DEMO_ROUTES,
    });
  }
}

/**
 * Tollgate's refusals as the module renders them; Nest's own 404 (no route) as `not_found` and its
 * other 4xx (e.g. a path parameter that is not valid percent-encoding) as `malformed_request`; anything
 * else a 500 without detail (logged on the Tollgate's logger): nothing reaches a client with a stack
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

export type { ExampleServerOptions, RunningServer } from '@tollgate/example-shared';

export async function startServer(options: ExampleServerOptions = {}): Promise<RunningServer> {
  const { tollgate, store, logger, httpOptions } = await openExample(options);

  @Module({
    imports: [
      TollgateModule.forRoot({
        tollgate,
        errorShape: 'detail', // the demo routes answer like the UAT/JWT API they belong to
        ...httpOptions, // unexpected 500s: logged on the Tollgate's logger (the app's pino), redacted
      }),
    ],
    controllers: [DiscoveryController, DemoController],
    providers: [{ provide: APP_FILTER, useClass: ExampleExceptionFilter }],
  })
  class AppModule {}

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
      serializers: REQUEST_LOG_SERIALIZERS,
    }),
  );
  // Nest creates the server; its time limits are set before it listens.
  applyServerTimeLimits(app.getHttpServer() as Server, options.serverTimeLimits);
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
