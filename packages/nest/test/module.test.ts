/**
 * TollgateModule: forRoot with a Tollgate or its options, forRootAsync with an injected provider,
 * `global`, the profiles' routes (prefix, profiles, 405, body limits) and TollgateJsonMiddleware.
 */
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Body,
  Controller,
  Get,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createKeySet, generateSigningKey, type SigningKey, type Tollgate } from '@tollgate/core';
import {
  BOB,
  call,
  DETAIL_MISSING,
  demoTollgate,
  demoTollgateOptions,
  ETHAN,
  jwt,
  postJson,
  rawRequest,
} from '@tollgate/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Principal,
  TOLLGATE,
  TOLLGATE_HTTP,
  TollgateGuard,
  type TollgateHttp,
  TollgateJsonInterceptor,
  TollgateJsonMiddleware,
  TollgateModule,
} from '../src/index.js';
import { type Running, start } from './nest-app.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

@Controller('who')
@UseGuards(TollgateGuard)
class WhoController {
  @Get()
  who(@Principal() principal: Principal) {
    return { user: principal.username };
  }
}

@Controller('keys')
class KeysController {
  constructor(
    @Inject(TOLLGATE) private readonly tollgate: Tollgate,
    @Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp,
  ) {}

  @Get()
  async keys() {
    const { keys } = await this.tollgate.jwks();
    return { kids: keys.map((key) => key.kid), profiles: this.http.options.profiles };
  }
}

/** A stand-in for a secrets store: the signing key arrives asynchronously. */
@Injectable()
class KeySource {
  readonly loaded: Promise<SigningKey> = generateSigningKey({ kid: 'from-the-vault' });

  async load(): Promise<SigningKey> {
    await delay(20);
    return this.loaded;
  }
}

@Module({ providers: [KeySource], exports: [KeySource] })
class SecretsModule {}

const ONE_KIB = 1024;
const revokeBody = (size: number) => {
  const head = '{"refreshToken":"no-such-refresh-token"';
  return `${head}${' '.repeat(size - head.length - 1)}}`;
};

describe('TollgateModule.forRoot', () => {
  let app: Running;

  beforeAll(async () => {
    // Options rather than an instance: the module builds the Tollgate.
    const tollgate = await demoTollgateOptions();
    @Module({
      imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES, errorShape: 'detail' })],
      controllers: [WhoController, KeysController],
    })
    class AppModule {}
    app = await start(AppModule);
  });
  afterAll(() => app.close());

  it('builds the Tollgate from its options and provides TOLLGATE and TOLLGATE_HTTP', async () => {
    const reply = await call(`${app.url}/keys`);
    const body = JSON.parse(reply.text) as { kids: string[]; profiles: string[] };
    expect(body.kids).toHaveLength(1);
    expect(body.profiles).toEqual(['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt']);
    const who = await call(`${app.url}/who`, {
      headers: { authorization: `JWT ${await jwt(app.url, BOB)}` },
    });
    expect(who.text).toBe(`{"user":"${BOB.username}"}`);
  });

  it('serves the four profiles in their own shapes, whatever errorShape says', async () => {
    const pair = await postJson(`${app.url}/api/v2/auth/token`, {
      username: BOB.username,
      password: 'wrong',
    });
    expect(pair.status).toBe(401);
    expect(pair.text).toBe(
      '{"errorCode":"AUTH_1001","errorMessage":"Invalid credentials","content":"","pageable":""}',
    );
    expect(pair.headers.get('tollgate-error-code')).toBe('invalid_credentials');
    const me = await call(`${app.url}/api/v2/me/`);
    expect(me.text).toBe(DETAIL_MISSING);
    const login = await call(`${app.url}/Authentication?username=nobody&password=x`);
    expect(login.text).toBe('{"code":"invalid_credentials","message":"Invalid credentials."}');
  });

  it('a parameter Express cannot percent-decode: 400 in the route’s profile shape; elsewhere Nest answers', async () => {
    // Express refuses `%ff` while matching the wildcard the profiles are mounted on, before any middleware.
    const user = await call(`${app.url}/Authentication/token/%ff/Environments`);
    expect(user.status).toBe(400);
    expect(user.text).toBe(
      '{"code":"malformed_request","message":"A path segment is not valid percent-encoding."}',
    );
    expect(user.headers.get('tollgate-error-code')).toBe('malformed_request');
    const uat = await call(`${app.url}/api/v2/me/tokens/%ff/`, { method: 'DELETE' });
    expect(uat.status).toBe(400);
    expect(JSON.parse(uat.text)).toEqual({ detail: expect.any(String) });
    // Not a profile's path: Nest's own 400, untouched.
    const other = await call(`${app.url}/who/%ff`);
    expect(other.status).toBe(400);
    expect(other.headers.get('tollgate-error-code')).toBeNull();
  });

  it('a known profile path with another method → 405 with Allow; HEAD is a GET without a body', async () => {
    const reply = await call(`${app.url}/api/v2/auth/token`);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
    expect(reply.headers.get('tollgate-error-code')).toBe('method_not_allowed');
    const head = await call(`${app.url}/api/v2/me/`, { method: 'HEAD' });
    expect(head.status).toBe(401);
    expect(head.text).toBe('');
  });

  it('reads the raw body with the core’s limit: 64 KiB is read, one byte more → 413', async () => {
    const url = `${app.url}/api/v2/auth/token/revoke`;
    const atLimit = await call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: revokeBody(64 * ONE_KIB),
    });
    expect(atLimit.status).toBe(204);
    const over = await call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: revokeBody(64 * ONE_KIB + 1),
    });
    expect(over.status).toBe(413);
    expect(over.text).toBe(
      '{"errorCode":"AUTH_1006","errorMessage":"Request body too large","content":"","pageable":""}',
    );
  });

  it('an oversize chunked body → 413; another media type → 415', async () => {
    const chunked = await rawRequest(`${app.url}/api/v2/auth/token/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: revokeBody(80 * ONE_KIB),
    });
    expect(chunked.status).toBe(413);
    const form = await call(`${app.url}/api/v2/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a&password=b',
    });
    expect(form.status).toBe(415);
    expect(form.headers.get('tollgate-error-code')).toBe('unsupported_media_type');
  });
});

describe('TollgateModule.forRootAsync', () => {
  let app: Running;
  let expectedKid: string;

  beforeAll(async () => {
    const base = await demoTollgateOptions();
    @Module({
      imports: [
        TollgateModule.forRootAsync({
          imports: [SecretsModule],
          inject: [KeySource],
          useFactory: async (source: KeySource) => ({
            tollgate: { ...base, keys: createKeySet({ current: await source.load() }) },
            errorShape: 'detail' as const,
            profiles: ['uat-jwt' as const],
          }),
        }),
      ],
      controllers: [WhoController, KeysController],
    })
    class AppModule {}
    app = await start(AppModule);
    expectedKid = (await app.app.get(KeySource, { strict: false }).loaded).kid;
  });
  afterAll(() => app.close());

  it('waits for the factory: the key comes from the injected provider', async () => {
    const body = JSON.parse((await call(`${app.url}/keys`)).text) as { kids: string[]; profiles: string[] };
    expect(body.kids).toEqual([expectedKid]);
    expect(body.profiles).toEqual(['uat-jwt']);
  });

  it('serves the chosen profiles only, and guards with the built Tollgate', async () => {
    const token = await jwt(app.url, ETHAN);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid: string;
    };
    expect(header.kid).toBe(expectedKid);
    expect((await call(`${app.url}/who`, { headers: { authorization: `JWT ${token}` } })).status).toBe(200);
    // token-pair is not mounted: Nest's own 404.
    expect((await postJson(`${app.url}/api/v2/auth/token`, ETHAN)).status).toBe(404);
  });
});

describe('options', () => {
  it('prefix: the profiles are served under it', async () => {
    const tollgate = await demoTollgate();
    @Module({ imports: [TollgateModule.forRoot({ tollgate, prefix: '/auth', profiles: ['token-pair'] })] })
    class AppModule {}
    const app = await start(AppModule);
    try {
      expect((await postJson(`${app.url}/auth/api/v2/auth/token`, ETHAN)).status).toBe(200);
      expect((await postJson(`${app.url}/api/v2/auth/token`, ETHAN)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('profiles: [] serves no token API, and the guard still protects the app’s routes', async () => {
    const tollgate = await demoTollgate();
    @Module({ imports: [TollgateModule.forRoot({ tollgate, profiles: [] })], controllers: [WhoController] })
    class AppModule {}
    const app = await start(AppModule);
    try {
      expect((await postJson(`${app.url}/api/v2/auth/token`, ETHAN)).status).toBe(404);
      expect((await call(`${app.url}/Authentication?username=x&password=y`)).status).toBe(404);
      expect((await call(`${app.url}/who`)).status).toBe(401);
      const { token } = await tollgate.accessTokens.login(ETHAN);
      const who = await call(`${app.url}/who`, { headers: { authorization: `Bearer ${token}` } });
      expect(who.status).toBe(200);
      expect(who.text).toBe(`{"user":"${ETHAN.username}"}`);
    } finally {
      await app.close();
    }
  });

  it('global: false — usable where imported, unknown elsewhere', async () => {
    const tollgate = await demoTollgate();
    const tollgateModule = TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES, global: false });
    @Module({ imports: [tollgateModule], controllers: [WhoController] })
    class AppModule {}
    const app = await start(AppModule);
    try {
      expect((await call(`${app.url}/who`)).status).toBe(401);
    } finally {
      await app.close();
    }

    @Module({ controllers: [KeysController] })
    class FeatureModule {}
    @Module({ imports: [tollgateModule, FeatureModule] })
    class OtherAppModule {}
    await expect(NestFactory.create(OtherAppModule, { logger: false, abortOnError: false })).rejects.toThrow(
      /TOLLGATE|dependencies/,
    );
  });

  it('with Nest’s own body parser left on, the parsed body is used (media type still checked)', async () => {
    const tollgate = await demoTollgate();
    @Module({ imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES })] })
    class AppModule {}
    const app = await start(AppModule, { bodyParser: true });
    try {
      expect((await postJson(`${app.url}/api/v2/auth/token`, ETHAN)).status).toBe(200);
      const form = await call(`${app.url}/api/v2/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=${encodeURIComponent(ETHAN.username)}&password=${encodeURIComponent(ETHAN.password)}`,
      });
      expect(form.status).toBe(415);
    } finally {
      await app.close();
    }
  });
});

@Controller('echo')
@UseGuards(TollgateGuard)
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    return { body: body ?? null };
  }
}

describe('TollgateJsonMiddleware', () => {
  let app: Running;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const tollgate = await demoTollgate();
    @Module({
      imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES, errorShape: 'detail' })],
      controllers: [EchoController],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(TollgateJsonMiddleware).forRoutes(EchoController);
      }
    }
    app = await start(AppModule);
    auth = { authorization: `JWT ${await jwt(app.url, ETHAN)}` };
  });
  afterAll(() => app.close());

  it('parses a JSON body for @Body()', async () => {
    const reply = await postJson(`${app.url}/echo`, { name: 'brand' }, auth);
    expect(reply.status).toBe(201);
    expect(reply.text).toBe('{"body":{"name":"brand"}}');
    const empty = await call(`${app.url}/echo`, { method: 'POST', headers: auth });
    expect(empty.text).toBe('{"body":null}');
  });

  it('refuses in errorShape: 415 another media type, 400 invalid JSON, 413 over the limit', async () => {
    const text = await call(`${app.url}/echo`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect([text.status, text.headers.get('tollgate-error-code'), text.text]).toEqual([
      415,
      'unsupported_media_type',
      '{"detail":"The request body must be application/json."}',
    ]);
    const invalid = await call(`${app.url}/echo`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect([invalid.status, invalid.headers.get('tollgate-error-code')]).toEqual([400, 'malformed_request']);
    const large = await call(`${app.url}/echo`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(70 * ONE_KIB) }),
    });
    expect([large.status, large.headers.get('tollgate-error-code'), large.text]).toEqual([
      413,
      'payload_too_large',
      '{"detail":"The request body is larger than allowed."}',
    ]);
  });
});

@Controller('intercepted')
@UseGuards(TollgateGuard)
@UseInterceptors(TollgateJsonInterceptor)
class InterceptedEchoController {
  @Post()
  echo(@Body() body: unknown) {
    return { body: body ?? null };
  }
}

/** Sends a request head over a raw socket, promising a body it never sends; resolves with the first response. */
function headWithoutBody(url: string, path: string, headers: Record<string, string>): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(received)?.[1];
      if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a whole response: ${received}`)));
    const lines = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

describe('TollgateJsonInterceptor', () => {
  let app: Running;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const tollgate = await demoTollgate();
    @Module({
      imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES, errorShape: 'detail' })],
      controllers: [InterceptedEchoController],
    })
    class AppModule {}
    app = await start(AppModule);
    auth = { authorization: `JWT ${await jwt(app.url, ETHAN)}` };
  });
  afterAll(() => app.close());

  it('parses a JSON body for @Body(), after the guard', async () => {
    const reply = await postJson(`${app.url}/intercepted`, { name: 'brand' }, auth);
    expect(reply.status).toBe(201);
    expect(reply.text).toBe('{"body":{"name":"brand"}}');
    const empty = await call(`${app.url}/intercepted`, { method: 'POST', headers: auth });
    expect(empty.text).toBe('{"body":null}');
  });

  it('refuses in errorShape: 415 another media type, 413 over the limit', async () => {
    const text = await call(`${app.url}/intercepted`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect([text.status, text.headers.get('tollgate-error-code')]).toEqual([415, 'unsupported_media_type']);
    const large = await call(`${app.url}/intercepted`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(70 * ONE_KIB) }),
    });
    expect([large.status, large.headers.get('tollgate-error-code')]).toEqual([413, 'payload_too_large']);
  });

  it('a bad credential is answered 401 while the body is still missing; no credentials → 401, not 413', async () => {
    const answer = await headWithoutBody(app.url, '/intercepted', {
      Authorization: 'JWT not.a.jwt',
      'Content-Type': 'application/json',
      'Content-Length': '1000',
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    const large = await call(`${app.url}/intercepted`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(70 * ONE_KIB) }),
    });
    expect([large.status, large.text]).toEqual([401, DETAIL_MISSING]);
  });
});
