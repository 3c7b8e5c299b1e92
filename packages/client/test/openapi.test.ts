import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FieldType, ROUTES, type RouteSpec } from '../src/index.js';
import { startTestServer } from './helpers.js';
import { type SessionsServer, startSessionsServer } from './sessions-server.js';

// The client's route table checked against the OpenAPI document a running server serves with
// every profile, the opt-in `sessions` one included (built by the core from the same table that
// serves the routes): every route the client calls
// exists with its method, its success status and content type, every field the client sends is
// a documented body property or query parameter, and every field it reads is a documented,
// required property of the success schema with the type the client expects.

type Schema = {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly Schema[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
};
type Operation = {
  readonly parameters?: readonly { readonly name: string; readonly in: string }[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly responses: Readonly<
    Record<string, { readonly content?: Readonly<Record<string, { readonly schema: Schema }>> }>
  >;
};
type Document = {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> };
};

/** A named component schema (`{"$ref": "#/components/schemas/Name"}`) as the schema it names. */
function deref(schema: Schema): Schema {
  if (schema.$ref === undefined) return schema;
  const named = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  if (named === undefined) throw new Error(`no component ${schema.$ref}`);
  return deref(named);
}

function typesOf(schema: Schema): Set<string> {
  schema = deref(schema);
  if (schema.anyOf) return new Set(schema.anyOf.flatMap((part) => [...typesOf(part)]));
  if (schema.type === undefined) return new Set();
  return new Set(typeof schema.type === 'string' ? [schema.type] : schema.type);
}

const same = (actual: Set<string>, expected: readonly string[]) =>
  actual.size === expected.length && expected.every((type) => actual.has(type));

function satisfies(schema: Schema, type: FieldType): boolean {
  const types = typesOf(schema);
  switch (type) {
    case 'string':
      return same(types, ['string']);
    case 'number':
      return same(types, ['number']) || same(types, ['integer']);
    case 'boolean':
      return same(types, ['boolean']);
    case 'object':
      return same(types, ['object']);
    case 'string|null':
      return same(types, ['string', 'null']);
    case 'string[]':
      return same(types, ['array']) && schema.items !== undefined && same(typesOf(schema.items), ['string']);
    case 'object|null':
      return same(types, ['object', 'null']);
    case 'array':
      return same(types, ['array']);
  }
}

/** The schema at a field path of `reads`, or a reason it is not documented there. */
function schemaAt(root: Schema, path: string): Schema | string {
  let schema = deref(root);
  for (const segment of path.split('.')) {
    const many = segment.endsWith('[]');
    const key = many ? segment.slice(0, -2) : segment;
    if (key.length > 0) {
      const child = schema.properties?.[key];
      if (!child) return `no property ${key}`;
      if (!schema.required?.includes(key)) return `${key} is not required`;
      schema = deref(child);
    }
    if (many) {
      if (!same(typesOf(schema), ['array']) || !schema.items) return `${key || 'the body'} is not an array`;
      schema = deref(schema.items);
    }
  }
  return schema;
}

let server: SessionsServer;
let doc: Document;

beforeAll(async () => {
  server = await startSessionsServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as Document;
});
afterAll(() => server.close());

const routes = Object.entries(ROUTES) as [string, RouteSpec][];

describe('the client route table against /openapi.json', () => {
  it('covers every route the client calls: 26 of them, over the five profiles', () => {
    expect(routes).toHaveLength(26);
    expect(new Set(routes.map(([, route]) => route.profile))).toEqual(
      new Set(['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt', 'sessions']),
    );
  });

  it('covers every route of the sessions profile', () => {
    const served = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter(() => path.startsWith('/api/v2/sessions/') || path.startsWith('/api/v2/admin/'))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const called = routes
      .filter(([, route]) => route.profile === 'sessions')
      .map(([, route]) => `${route.method} ${route.path}`);
    expect(served.length).toBeGreaterThan(0);
    expect([...called].sort()).toEqual([...served].sort());
  });

  it.each(routes)('%s: the method, path, success status and content type are documented', (_name, route) => {
    const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation, `${route.method} ${route.path}`).toBeDefined();
    const success = operation!.responses[String(route.status)];
    expect(success, `${route.method} ${route.path} → ${route.status}`).toBeDefined();
    if (route.status === 204) {
      expect(success!.content).toBeUndefined();
      return;
    }
    const contentType = route.contentType ?? 'application/json';
    expect(Object.keys(success!.content ?? {})).toEqual([contentType]);
  });

  it.each(routes)('%s: every field the client reads is a required property with its type', (_name, route) => {
    if (route.status === 204 || route.contentType === 'text/plain') {
      expect(route.reads).toEqual({});
      return;
    }
    const operation = doc.paths[route.path]![route.method.toLowerCase()]!;
    const schema = operation.responses[String(route.status)]!.content!['application/json']!.schema;
    for (const [path, type] of Object.entries(route.reads)) {
      const found = schemaAt(schema, path);
      expect(typeof found === 'string' ? found : 'documented', `${route.path} ${path}`).toBe('documented');
      expect(satisfies(found as Schema, type), `${route.path} ${path} is ${type}`).toBe(true);
    }
  });

  it.each(routes)('%s: every field the client sends is documented', (_name, route) => {
    const operation = doc.paths[route.path]![route.method.toLowerCase()]!;
    const bodyFields = route.sends?.body ?? [];
    const declared = operation.requestBody?.content['application/json']?.schema;
    const bodySchema = declared && deref(declared);
    if (bodyFields.length > 0) expect(bodySchema, `${route.path} takes a JSON body`).toBeDefined();
    for (const field of bodyFields) {
      expect(Object.keys(bodySchema?.properties ?? {}), `${route.path} body`).toContain(field);
    }
    if (bodyFields.length === 0) expect(operation.requestBody).toBeUndefined();
    const queryParameters = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(queryParameters.sort(), `${route.path} query`).toEqual([...(route.sends?.query ?? [])].sort());
    const pathParameters = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
    expect(pathParameters, `${route.path} path`).toEqual(
      [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
    );
  });

  it('documents the demo routes the tests call through session.fetch (on the example)', async () => {
    const example = await startTestServer();
    try {
      const demo = (await (await fetch(`${example.url}/openapi.json`)).json()) as Document;
      expect(demo.paths['/api/v2/scans/download']?.get?.responses['200']).toBeDefined();
      expect(demo.paths['/api/v2/brands/']?.post?.responses['201']).toBeDefined();
    } finally {
      await example.close();
    }
  });
});
