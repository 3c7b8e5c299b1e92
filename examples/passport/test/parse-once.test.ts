/**
 * Passport runs the four Tollgate strategies on one request, one after the other, each asking the
 * core about the same `Authorization` header: the header is parsed in full at most once a request,
 * whatever it holds (the issue: an 8 KB header of spaces cost four parses here). The core's parser
 * is wrapped to count its calls; everything else is the real example over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractClient, ETHAN } from '@tollgate/contract-tests';
import { createScryptPasswordHasher } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';

const parses = vi.hoisted(() => ({ count: 0 }));

vi.mock('../../../packages/core/src/credentials/authorization.ts', async (importOriginal) => {
  const original =
    await importOriginal<typeof import('../../../packages/core/src/credentials/authorization.js')>();
  return {
    ...original,
    parseAuthorizationHeader: (...args: Parameters<typeof original.parseAuthorizationHeader>) => {
      parses.count++;
      return original.parseAuthorizationHeader(...args);
    },
  };
});

let server: RunningServer;
let dir: string;
let client: ContractClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-passport-parse-'));
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
  });
  client = new ContractClient(() => server.url);
}, 30_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Full parses of the Authorization header while serving one request. */
async function parsesFor(authorization: string): Promise<{ status: number; parses: number }> {
  const before = parses.count;
  const reply = await client.raw({
    method: 'GET',
    path: '/api/v2/scans/download',
    headers: { authorization },
  });
  return { status: reply.status, parses: parses.count - before };
}

describe('passport: four strategies, one parse of the Authorization header', () => {
  it('8 KB of inner whitespace and a stray token: refused, parsed once', async () => {
    const result = await parsesFor(`JWT ${' '.repeat(8100)}x y`);
    expect(result).toEqual({ status: 401, parses: 1 });
  });

  it('another scheme: refused, parsed once', async () => {
    expect(await parsesFor('Basic dXNlcjpwYXNz')).toEqual({ status: 401, parses: 1 });
  });

  it('a valid JWT behind several spaces: accepted, parsed once', async () => {
    const jwt = await client.jwt(ETHAN);
    expect(await parsesFor(`JWT    ${jwt}`)).toEqual({ status: 200, parses: 1 });
  });
});
