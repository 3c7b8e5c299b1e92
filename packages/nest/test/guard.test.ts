/**
 * TollgateGuard per route and per controller, `@Schemes`, the three requirement decorators and the
 * parameter decorators, in a real Nest app over HTTP; refusals are the core's (status, header, body).
 */
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { TollgateError } from '@tollgate/core';
import {
  AVA,
  access,
  BOB,
  call,
  DETAIL_FORBIDDEN,
  DETAIL_MISSING,
  demoTollgate,
  ETHAN,
  jwt,
  postJson,
  type Reply,
  ROOT,
  rawRequest,
  userToken,
} from '@tollgate/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Actor,
  Environment,
  Principal,
  Public,
  RequireEnvironment,
  RequirePermissions,
  RequireRoles,
  Schemes,
  TollgateGuard,
  TollgateModule,
} from '../src/index.js';
import { type Running, start } from './nest-app.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

@Controller('route')
class PerRouteController {
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('guarded')
  @UseGuards(TollgateGuard)
  guarded(@Principal() principal: Principal) {
    return { user: principal.username };
  }

  @Get('unguarded-principal')
  unguarded(@Principal() principal: Principal) {
    return { user: principal.username };
  }
}

@Controller('controller')
@UseGuards(TollgateGuard)
@RequireRoles('company_admin')
class PerControllerController {
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @Get('public')
  @Public()
  open() {
    return { open: true };
  }

  @Get('scans')
  @RequirePermissions('scans_download')
  scans() {
    return { scans: [] };
  }
}

@Controller('schemes')
@UseGuards(TollgateGuard)
@Schemes('UAT', 'JWT')
class SchemesController {
  @Get()
  either(@Principal() principal: Principal) {
    return { source: principal.source };
  }

  @Get('bearer')
  @Schemes('Bearer')
  bearer(@Principal() principal: Principal) {
    return { source: principal.source };
  }
}

@Controller('requires')
@UseGuards(TollgateGuard)
class RequirementsController {
  @Get('permissions')
  @RequirePermissions('brand_create', 'product_create')
  permissions() {
    return { ok: true };
  }

  @Get('roles')
  @RequireRoles('domain_admin', 'company_admin')
  roles() {
    return { ok: true };
  }

  @Get('both-roles')
  @RequireRoles('domain_admin')
  @RequireRoles('company_admin')
  bothRoles() {
    return { ok: true };
  }

  @Get('environment')
  @RequireEnvironment()
  environment(@Environment() environment: string | null) {
    return { environment };
  }

  @Get('params')
  params(
    @Principal() principal: Principal,
    @Environment() environment: string | null,
    @Actor() actor: Actor | null,
  ) {
    return { user: principal.username, environment, actor };
  }

  @Get('throws')
  throws(): never {
    throw new TollgateError('not_an_administrator');
  }
}

function expectRefusal(reply: Reply, status: number, code: string, body: string): void {
  expect({ status: reply.status, code: reply.headers.get('tollgate-error-code'), body: reply.text }).toEqual({
    status,
    code,
    body,
  });
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
}

const auth = (scheme: string, token: string) => ({ headers: { authorization: `${scheme} ${token}` } });

describe('TollgateGuard (errorShape detail)', () => {
  let app: Running;
  let url: string;

  beforeAll(async () => {
    const tollgate = await demoTollgate();
    @Module({
      imports: [
        TollgateModule.forRoot({
          tollgate,
          profiles: DOCUMENTED_PROFILES,
          errorShape: 'detail',
          cookie: { secure: false },
        }),
      ],
      controllers: [PerRouteController, PerControllerController, SchemesController, RequirementsController],
    })
    class AppModule {}
    app = await start(AppModule);
    url = app.url;
  });
  afterAll(() => app.close());

  describe('per route', () => {
    it('lets the caller through and puts the principal on the request', async () => {
      const reply = await call(`${url}/route/guarded`, auth('JWT', await jwt(url, BOB)));
      expect(reply.status).toBe(200);
      expect(reply.text).toBe(`{"user":"${BOB.username}"}`);
    });

    it('no credentials → 401 credentials_missing with the challenge, never Nest’s own 403', async () => {
      const reply = await call(`${url}/route/guarded`);
      expectRefusal(reply, 401, 'credentials_missing', DETAIL_MISSING);
      expect(reply.headers.get('www-authenticate')).toBe(
        'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
      );
    });

    it('bad credentials → 401 invalid_token with error="invalid_token"', async () => {
      const reply = await call(`${url}/route/guarded`, auth('JWT', 'not.a.token'));
      expectRefusal(
        reply,
        401,
        'invalid_token',
        '{"detail":"The token is malformed or its signature does not verify."}',
      );
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('a repeated Authorization header → 400 ambiguous_credentials, even for a cached token', async () => {
      const token = await jwt(url, BOB);
      // Once alone first: the token is then in Tollgate's cache, answered without a promise.
      expect((await call(`${url}/route/guarded`, auth('JWT', token))).status).toBe(200);
      const reply = await rawRequest(`${url}/route/guarded`, {
        headers: { authorization: [`JWT ${token}`, `JWT ${token}`] },
      });
      expectRefusal(
        reply,
        400,
        'ambiguous_credentials',
        '{"detail":"The request carries more than one credential; send exactly one."}',
      );
    });

    it('leaves other routes of the controller alone', async () => {
      expect((await call(`${url}/route/open`)).text).toBe('{"open":true}');
    });

    it('@Principal() on a route without the guard → 401 credentials_missing, in errorShape', async () => {
      expectRefusal(
        await call(`${url}/route/unguarded-principal`),
        401,
        'credentials_missing',
        DETAIL_MISSING,
      );
    });
  });

  describe('per controller', () => {
    it('guards every route, with the controller’s requirement', async () => {
      expect((await call(`${url}/controller/admin`, auth('JWT', await jwt(url, ETHAN)))).status).toBe(200);
      expectRefusal(
        await call(`${url}/controller/admin`, auth('JWT', await jwt(url, BOB))),
        403,
        'role_required',
        DETAIL_FORBIDDEN,
      );
      expectRefusal(await call(`${url}/controller/admin`), 401, 'credentials_missing', DETAIL_MISSING);
    });

    it('@Public() opens one route of a guarded controller', async () => {
      const reply = await call(`${url}/controller/public`);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('{"open":true}');
    });

    it('the controller’s and the route’s requirements both hold', async () => {
      expect((await call(`${url}/controller/scans`, auth('JWT', await jwt(url, ETHAN)))).status).toBe(200);
      // Ava has scans_download but not the controller's role.
      expectRefusal(
        await call(`${url}/controller/scans`, auth('JWT', await jwt(url, AVA))),
        403,
        'role_required',
        DETAIL_FORBIDDEN,
      );
    });
  });

  describe('@Schemes', () => {
    it('accepts only the listed sources', async () => {
      const reply = await call(`${url}/schemes`, auth('JWT', await jwt(url, ETHAN)));
      expect(reply.text).toBe('{"source":"JWT"}');
      const bearer = await call(`${url}/schemes`, auth('Bearer', await access(url, ETHAN)));
      expectRefusal(
        bearer,
        401,
        'unsupported_scheme',
        '{"detail":"This authorization scheme is not accepted here."}',
      );
      // @Schemes('UAT', 'JWT'): those two are challenged, in that order.
      expect(bearer.headers.get('www-authenticate')).toMatch(
        /^UAT realm="tollgate", error="invalid_token", error_description="[^"]+", JWT realm="tollgate", error="invalid_token"/,
      );
    });

    it('a route’s own @Schemes wins over the controller’s', async () => {
      expect((await call(`${url}/schemes/bearer`, auth('Bearer', await access(url, ETHAN)))).text).toBe(
        '{"source":"Bearer"}',
      );
      expect(
        (await call(`${url}/schemes/bearer`, auth('JWT', await jwt(url, ETHAN)))).headers.get(
          'tollgate-error-code',
        ),
      ).toBe('unsupported_scheme');
    });
  });

  describe('requirement decorators', () => {
    it('@RequirePermissions: every permission, else 403 insufficient_permission', async () => {
      expect((await call(`${url}/requires/permissions`, auth('JWT', await jwt(url, BOB)))).status).toBe(200);
      expectRefusal(
        await call(`${url}/requires/permissions`, auth('JWT', await jwt(url, AVA))),
        403,
        'insufficient_permission',
        DETAIL_FORBIDDEN,
      );
    });

    it('@RequireRoles: any one of the roles, else 403 role_required', async () => {
      expect((await call(`${url}/requires/roles`, auth('JWT', await jwt(url, ETHAN)))).status).toBe(200);
      expectRefusal(
        await call(`${url}/requires/roles`, auth('JWT', await jwt(url, BOB))),
        403,
        'role_required',
        DETAIL_FORBIDDEN,
      );
    });

    it('two @RequireRoles on one route: both must hold', async () => {
      expectRefusal(
        await call(`${url}/requires/both-roles`, auth('JWT', await jwt(url, ETHAN))),
        403,
        'role_required',
        DETAIL_FORBIDDEN,
      );
    });

    it('@RequireEnvironment: a token bound to an environment, else 403 environment_required', async () => {
      const bound = await userToken(url, ETHAN, 'staging');
      const reply = await call(`${url}/requires/environment`, auth('Bearer', bound));
      expect(reply.text).toBe('{"environment":"staging"}');
      expectRefusal(
        await call(`${url}/requires/environment`, auth('Bearer', await userToken(url, ETHAN))),
        403,
        'environment_required',
        '{"detail":"This action needs a token with an environment."}',
      );
    });
  });

  describe('parameter decorators', () => {
    it('@Principal(), @Environment(), @Actor() for a plain token', async () => {
      const reply = await call(
        `${url}/requires/params`,
        auth('Bearer', await userToken(url, AVA, 'staging')),
      );
      expect(JSON.parse(reply.text)).toEqual({ user: AVA.username, environment: 'staging', actor: null });
    });

    it('@Actor() is the administrator behind a delegated login', async () => {
      const delegated = await postJson(`${url}/API3/authentication/authenticateUserByToken`, {
        domain: 'datastore',
        customData: 'ticket-1',
        userIdentity: ETHAN.username,
        token: await access(url, ROOT),
      });
      expect(delegated.status).toBe(200);
      const reply = await call(`${url}/requires/params`, auth('Bearer', delegated.text));
      const body = JSON.parse(reply.text) as { user: string; environment: null; actor: Actor };
      expect(body.user).toBe(ETHAN.username);
      expect(body.environment).toBeNull();
      expect(body.actor.username).toBe(ROOT.username);
      expect(typeof body.actor.userId).toBe('string');
    });
  });

  it('a TollgateError thrown by a route is rendered in errorShape', async () => {
    expectRefusal(
      await call(`${url}/requires/throws`, auth('JWT', await jwt(url, ETHAN))),
      403,
      'not_an_administrator',
      '{"detail":"Only an administrator may do this."}',
    );
  });
});

describe('TollgateGuard (default errorShape)', () => {
  let app: Running;

  beforeAll(async () => {
    const tollgate = await demoTollgate();
    @Module({
      imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES })],
      controllers: [RequirementsController],
    })
    class AppModule {}
    app = await start(AppModule);
  });
  afterAll(() => app.close());

  it('renders {"code","message"}', async () => {
    expectRefusal(
      await call(`${app.url}/requires/permissions`),
      401,
      'credentials_missing',
      '{"code":"credentials_missing","message":"Authentication credentials were not provided."}',
    );
    expectRefusal(
      await call(`${app.url}/requires/permissions`, auth('JWT', await jwt(app.url, AVA))),
      403,
      'insufficient_permission',
      '{"code":"insufficient_permission","message":"You do not have permission to perform this action."}',
    );
    expectRefusal(
      await call(`${app.url}/requires/roles`, auth('JWT', await jwt(app.url, BOB))),
      403,
      'role_required',
      '{"code":"role_required","message":"A role this action requires is missing."}',
    );
  });
});
