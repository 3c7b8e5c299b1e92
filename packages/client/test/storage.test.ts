import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalStorage,
  createMemoryStorage,
  createTollgateClient,
  type Me,
  type SessionState,
  TokenPairSession,
  UserTokenSession,
  type WebStorageLike,
} from '../src/index.js';
import { createFileStorage } from '../src/node.js';
import { ETHAN, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-client-storage-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The Web Storage API over a Map: what `window.localStorage` is, for Node. */
function webStorage(): WebStorageLike & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('storages', () => {
  it('memory storage is the default, and resume finds nothing without a login', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    expect(await client.resume()).toBeNull();
    await client.tokenPair.login(ETHAN);
    expect(await client.resume()).toBeInstanceOf(TokenPairSession);
  });

  it('localStorage: JSON under one key, resumed by another client (another tab)', async () => {
    const backing = webStorage();
    const storage = createLocalStorage({ storage: backing, key: 'app.session' });
    const tab1 = createTollgateClient({ baseUrl: server.url, storage });
    const session = await tab1.userTokens.login({ ...ETHAN, environment: 'staging' });
    expect(JSON.parse(backing.items.get('app.session') ?? 'null')).toEqual(session.state);
    const tab2 = createTollgateClient({
      baseUrl: server.url,
      storage: createLocalStorage({ storage: backing, key: 'app.session' }),
    });
    const resumed = await tab2.resume();
    expect(resumed).toBeInstanceOf(UserTokenSession);
    expect((resumed as UserTokenSession).environment).toBe('staging');
    expect((await (resumed as UserTokenSession).currentEnvironment()).environment).toBe('staging');
    await resumed?.logout();
    expect(backing.items.has('app.session')).toBe(false);
  });

  it('localStorage: garbage is no session; no localStorage at all is a clear error', async () => {
    const backing = webStorage();
    backing.setItem('tollgate.session', '{not json');
    const client = createTollgateClient({
      baseUrl: server.url,
      storage: createLocalStorage({ storage: backing }),
    });
    expect(await client.resume()).toBeNull();
    backing.setItem('tollgate.session', JSON.stringify({ scheme: 'pair', token: 'x' }));
    expect(await client.resume()).toBeNull();
    expect(() => createLocalStorage().get()).toThrow(/no localStorage/);
  });

  it('file storage: mode 0600 in a 0700 directory, atomic replace, resumed by a new client, cleared', async () => {
    const file = join(dir, 'nested', 'session.json');
    const storage = createFileStorage(file);
    expect(await storage.get()).toBeNull();
    const client = createTollgateClient({ baseUrl: server.url, storage });
    const session = await client.tokenPair.login(ETHAN);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(session.state);
    await session.refresh();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(session.state);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const later = createTollgateClient({ baseUrl: server.url, storage: createFileStorage(file) });
    const resumed = await later.resume();
    expect((await resumed!.json<Me>('/api/v2/me/')).email).toBe(ETHAN.username);
    await resumed!.logout();
    expect(() => statSync(file)).toThrow();
    expect(await storage.get()).toBeNull();
  });

  it('file storage: 0600 over a file that was not, concurrent writes leave one whole file and no temporary', async () => {
    const file = join(dir, 'shared', 'session.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{}', { mode: 0o644 });
    chmodSync(file, 0o644);
    const storage = createFileStorage<{ n: number; pad: string }>(file);
    const values = Array.from({ length: 20 }, (_, n) => ({ n, pad: 'x'.repeat(10_000) }));
    await Promise.all(values.map((value) => storage.set(value)));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = await storage.get();
    expect(values).toContainEqual(stored);
    expect(readdirSync(dirname(file))).toEqual(['session.json']);
  });

  it('file storage: an unreadable file is no session', async () => {
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, '{"half":');
    expect(await createFileStorage<SessionState>(file).get()).toBeNull();
  });

  it('a custom async storage works the same', async () => {
    const inner = createMemoryStorage();
    const writes: string[] = [];
    const client = createTollgateClient({
      baseUrl: server.url,
      storage: {
        get: async () => inner.get(),
        set: async (value) => {
          writes.push(value.scheme);
          inner.set(value);
        },
        clear: async () => inner.clear(),
      },
    });
    const session = await client.tokenPair.login(ETHAN);
    await session.refresh();
    expect(writes).toEqual(['pair', 'pair']);
  });
});

describe('the main entry is browser-safe', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

  /** Every source file the main entry reaches through relative imports. */
  function reachable(entry: string): Map<string, string> {
    const seen = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      const text = readFileSync(file, 'utf8');
      seen.set(file, text);
      for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      }
    };
    visit(entry);
    return seen;
  }

  it('imports no Node built-in and uses no Node global', () => {
    const files = reachable(join(src, 'index.ts'));
    expect(files.size).toBeGreaterThanOrEqual(8);
    for (const [file, text] of files) {
      expect(text, file).not.toMatch(/from\s+'node:|require\(|\bBuffer\b|\bprocess\.|\b__dirname\b/);
      expect(relative(src, file)).not.toMatch(/^(file-storage|node|cli)(\.ts|\/)/);
    }
  });
});
