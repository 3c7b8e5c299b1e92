import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  DefaultErrorSchema,
  DetailErrorSchema,
  EnvelopeErrorSchema,
  type ErrorShape,
  FieldErrorsSchema,
  type HttpRequest,
  type HttpResponse,
  type RouteDefinition,
} from '../helpers/internals.js';
import { chunks, httpDemo } from './fixtures.js';

// The OpenAPI document against the routes it describes: every operation says who may call it, every
// error answer a route gives is documented with its shape's named schema and its headers, and the
// answers the document promises are the ones the handler really gives.

type Ref = { readonly $ref: string };
type Answer = {
  readonly description: string;
  readonly headers?: Readonly<Record<string, Ref | { readonly description: string }>>;
  readonly content?: Readonly<Record<string, { readonly schema: Ref | Record<string, unknown> }>>;
};
type Operation = {
  readonly operationId: string;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly responses: Readonly<Record<string, Answer>>;
};
type Document = {
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, unknown>>;
    readonly headers: Readonly<Record<string, unknown>>;
    readonly securitySchemes: Readonly<Record<string, Record<string, unknown>>>;
  };
};

const ALL = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt', 'sessions'] as const;
const demo = await httpDemo({ profiles: ALL });
const doc = demo.http.openapi() as unknown as Document;
const operationOf = (route: RouteDefinition) => doc.paths[route.path]![route.method.toLowerCase()]!;

/** The named schema a shape's error answers refer to (its 400 may differ). */
const ERROR_COMPONENT: Readonly<Record<ErrorShape, string>> = {
  default: 'Error',
  envelope: 'EnvelopeError',
  detail: 'DetailError',
};
const ERROR_BODY: Readonly<Record<ErrorShape, z.ZodType>> = {
  default: DefaultErrorSchema,
  envelope: EnvelopeErrorSchema,
  detail: DetailErrorSchema,
};
const refOf = (answer: Answer | undefined) =>
  (answer?.content?.['application/json']?.schema as Ref | undefined)?.$ref;

/** An actual refusal against what the document says of that status on that route. */
function expectDocumented(route: RouteDefinition, response: HttpResponse): void {
  const answer = operationOf(route).responses[String(response.status)];
  expect(answer, `${route.method} ${route.path} documents ${response.status}`).toBeDefined();
  const documented = Object.keys(answer!.headers ?? {}).map((name) => name.toLowerCase());
  for (const header of ['tollgate-error-code', 'www-authenticate', 'retry-after', 'cache-control']) {
    if (response.headers[header] !== undefined)
      expect(documented, `${route.path} ${header}`).toContain(header);
  }
  // A route that answers people (the auto-login landing) refuses with an HTML page.
  if (response.headers['content-type']?.startsWith('text/html')) {
    expect(Object.keys(answer!.content ?? {}), `${route.path} ${response.status}`).toEqual(['text/html']);
    return;
  }
  expect(refOf(answer), `${route.path} ${response.status}`).toBeDefined();
  const body = JSON.parse(response.body ?? 'null') as unknown;
  const schema =
    response.status === 400 && route.shape === 'detail'
      ? FieldErrorsSchema.or(DetailErrorSchema)
      : ERROR_BODY[route.shape];
  expect(schema.safeParse(body).success, `${route.path} ${response.status} body ${response.body}`).toBe(true);
}

async function serve(request: HttpRequest): Promise<HttpResponse> {
  const response = await demo.http.handle(request);
  if (response === null) throw new Error(`${request.method} ${request.url} is not served`);
  return response;
}

/** A concrete URL of a route (path parameters filled in). */
const urlOf = (route: RouteDefinition) => route.path.replace(/\{\w+\}/g, 'x');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 served from the relative server `/` unless told, or from the servers given', async () => {
    expect(doc).toMatchObject({ openapi: '3.1.0', servers: [{ url: '/' }] });
    const other = demo.http.openapi({
      servers: [{ url: 'https://api.example.com/v2', description: 'production' }],
    });
    expect(other.servers).toEqual([{ url: 'https://api.example.com/v2', description: 'production' }]);
  });

  it('each call is a fresh copy of the document for its info', () => {
    const info = { title: 'T', servers: [{ url: '/api' }] };
    const first = demo.http.openapi(info) as { paths: Record<string, unknown>; servers: unknown };
    delete first.paths['/api/v2/me/'];
    const second = demo.http.openapi(info) as typeof first;
    expect(second.paths).toHaveProperty(['/api/v2/me/']);
    expect(second.servers).toEqual([{ url: '/api' }]);
    expect(demo.http.openapi({ title: 'T' }).servers).toEqual([{ url: '/' }]);
  });

  it('every operation says who may call it: the route’s sources as alternatives, `[]` for a public one', () => {
    for (const route of demo.http.routes) {
      const expected = (route.security ?? []).filter((s) => s !== 'path').map((s) => ({ [s]: [] }));
      expect(operationOf(route).security, route.operationId).toEqual(expected);
      for (const requirement of expected) {
        expect(doc.components.securitySchemes).toHaveProperty(Object.keys(requirement)[0]!);
      }
    }
  });

  it('the security schemes say what is sent: Bearer, JWT and UAT as HTTP schemes, the session cookie by name', async () => {
    expect(doc.components.securitySchemes).toMatchObject({
      Bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      JWT: { type: 'http', scheme: 'JWT' },
      UAT: { type: 'http', scheme: 'UAT' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'tollgate_session' },
    });
  });

  it('every JSON error answer refers to its shape’s named schema and documents Tollgate-Error-Code', () => {
    for (const route of demo.http.routes) {
      for (const [status, answer] of Object.entries(operationOf(route).responses)) {
        if (Number(status) < 400 || !answer.content?.['application/json']) continue;
        const expected =
          status === '400' && route.shape === 'detail' ? 'DetailBadRequest' : ERROR_COMPONENT[route.shape];
        expect(refOf(answer), `${route.operationId} ${status}`).toBe(`#/components/schemas/${expected}`);
        expect(answer.headers, `${route.operationId} ${status}`).toHaveProperty('Tollgate-Error-Code');
      }
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Error', 'EnvelopeError', 'DetailError', 'DetailBadRequest', 'FieldErrors']),
    );
  });

  it('each kind of route lists what it can answer: 401 with a challenge, 413 and 415 for a body, 429 and 503 with Retry-After for a login', () => {
    for (const route of demo.http.routes) {
      const responses = operationOf(route).responses;
      expect(responses, route.operationId).toHaveProperty('400');
      expect(responses, route.operationId).toHaveProperty('503');
      expect(responses['503']!.headers).toHaveProperty('Retry-After');
      if (route.security) {
        expect(responses['401']!.headers, route.operationId).toHaveProperty('WWW-Authenticate');
      }
      if (route.body) {
        expect(Object.keys(responses), route.operationId).toEqual(expect.arrayContaining(['413', '415']));
      }
      if (route.login) {
        expect(responses['429']!.headers, route.operationId).toHaveProperty('Retry-After');
        expect(responses['503']!.description, route.operationId).toContain('login_overloaded');
      }
      for (const [status, answer] of Object.entries(responses)) {
        if (route.carriesTokens) {
          expect(answer.headers, `${route.operationId} ${status}`).toMatchObject({
            'Cache-Control': { $ref: '#/components/headers/CacheControl' },
          });
        }
      }
    }
    const logins = demo.http.routes.filter((route) => route.login).map((route) => route.operationId);
    expect(logins.sort()).toEqual([
      'createJwt',
      'createTokenPair',
      'createUserToken',
      'createUserTokenFromBody',
    ]);
  });

  it('the cookie-setting answers document Set-Cookie', () => {
    const setsCookie = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) =>
        Object.entries(operation.responses)
          .filter(([, answer]) => answer.headers?.['Set-Cookie'])
          .map(([status]) => `${operation.operationId} ${status}`),
      ),
    );
    expect(setsCookie.sort()).toEqual([
      'authenticateUserByToken 200',
      'autoLogin 303',
      'revokeAllSessions 200',
      'revokeSession 204',
    ]);
  });
});

describe('the answers the document promises are the ones given', () => {
  it('every route with credentials, called without: a documented 401 in its shape, with its headers', async () => {
    for (const route of demo.http.routes.filter((r) => r.security)) {
      const response = await serve({ method: route.method, url: urlOf(route), headers: {} });
      expect(response.status, route.operationId).toBe(401);
      expectDocumented(route, response);
    }
  });

  it('every public route, with bad input (a repeated query parameter, no body): a documented 400 in its shape', async () => {
    for (const route of demo.http.routes.filter((r) => !r.security)) {
      const response = await serve({
        method: route.method,
        url: `${urlOf(route)}?token=a&token=b&username=a&username=b`,
        headers: {},
      });
      expect(response.status, route.operationId).toBe(400);
      expectDocumented(route, response);
    }
  });

  it('every public route with a body: 415 for another media type, 413 for a larger body, both documented', async () => {
    for (const route of demo.http.routes.filter((r) => r.body && !r.security)) {
      const text = await serve({
        method: route.method,
        url: urlOf(route),
        headers: { 'content-type': 'text/plain', 'content-length': '2' },
        body: chunks('hi'),
      });
      expect(text.status, route.operationId).toBe(415);
      expectDocumented(route, text);
      const large = await serve({
        method: route.method,
        url: urlOf(route),
        headers: { 'content-type': 'application/json', 'content-length': String(1 << 20) },
        body: chunks('{}'),
      });
      expect(large.status, route.operationId).toBe(413);
      expectDocumented(route, large);
    }
  });
});
