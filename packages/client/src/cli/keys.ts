import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { SigningKeyStore, StoredSigningKey } from '@tollgate/core';
import { type Context, noPositionals, parse, printTable, Refused, subcommand, UsageError } from './common.js';
import type { HelpTopic } from './help.js';
import { databaseTarget, openOperatorStore } from './operator.js';

// `tollgate keys …`: signing keys for an environment variable, a key file, or the store, made and
// rotated as `@tollgate/core`'s `openKeySet` / `rotateSigningKey` do (packages/core/src/tokens/
// key-sources.ts), with node:crypto alone: importing core would bundle jose and zod into the CLI.
// The file format is core's `formatStoredKeys`: { "keys": [private JWK + kid, alg, iat, nbf, exp] }.

const COMMANDS = ['generate', 'rotate', 'list'] as const;
const ALGORITHMS = ['ES256', 'EdDSA', 'HS256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const STORE_OPTIONS = {
  file: { type: 'string' },
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  schema: { type: 'string' },
} as const;
const DEFAULT_PUBLISH_FOR_SECONDS = 3600;
const DEFAULT_OVERLAP_SECONDS = 86_400;

type Jwk = Record<string, unknown> & { kty: string };

function algorithm(value: string | undefined, topic: HelpTopic): Algorithm {
  const alg = value ?? 'ES256';
  if (!(ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg wants ${ALGORITHMS.join(', ')}, not ${alg}`, topic);
  }
  return alg as Algorithm;
}

function newKey(alg: Algorithm): { jwk: Jwk; privateKey: KeyObject | null } {
  if (alg === 'HS256')
    return { jwk: { kty: 'oct', k: randomBytes(32).toString('base64url') }, privateKey: null };
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { jwk: privateKey.export({ format: 'jwk' }) as Jwk, privateKey };
}

function seconds(option: string, value: string | undefined, fallback: number, topic: HelpTopic): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,10}$/.test(value))
    throw new UsageError(`${option} wants a number of seconds, not ${value}`, topic);
  return Number(value);
}

// --- the key file ---------------------------------------------------------------------------------

interface FileEntry extends Jwk {
  kid: string;
  alg: string;
  iat?: number;
  nbf?: number;
  exp?: number;
}

function fromEntry(entry: FileEntry): StoredSigningKey {
  const { iat, nbf, exp, ...jwk } = entry;
  return {
    kid: entry.kid,
    alg: entry.alg as Algorithm,
    jwk: jwk as StoredSigningKey['jwk'],
    createdAt: (iat ?? 0) * 1000,
    activatesAt: (nbf ?? 0) * 1000,
    expiresAt: exp === undefined ? null : exp * 1000,
  };
}

function toEntry(key: StoredSigningKey): FileEntry {
  return {
    ...(key.jwk as Jwk),
    kid: key.kid,
    alg: key.alg,
    iat: Math.floor(key.createdAt / 1000),
    nbf: Math.floor(key.activatesAt / 1000),
    ...(key.expiresAt === null ? {} : { exp: Math.ceil(key.expiresAt / 1000) }),
  };
}

const isNumber = (value: unknown) => value === undefined || (typeof value === 'number' && value >= 0);

/** The keys of a file; never quotes the file (it holds private keys). */
async function readKeyFile(file: string): Promise<StoredSigningKey[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') throw new UsageError(`no such key file: ${file}`);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Refused(`${file} is not JSON`, 'invalid_signing_key');
  }
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Refused(`${file} has no "keys" list`, 'invalid_signing_key');
  return keys.map((entry: Partial<FileEntry>) => {
    if (
      typeof entry?.kid !== 'string' ||
      typeof entry.alg !== 'string' ||
      typeof entry.kty !== 'string' ||
      !isNumber(entry.iat) ||
      !isNumber(entry.nbf) ||
      !isNumber(entry.exp)
    ) {
      throw new Refused(`${file} holds an entry that is not a key with kid and alg`, 'invalid_signing_key');
    }
    return fromEntry(entry as FileEntry);
  });
}

/** Replaces the file atomically (a new file, mode 0600, renamed over it). */
async function writeKeyFile(file: string, keys: readonly StoredSigningKey[]): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ keys: keys.map(toEntry) }, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

function fileKeyStore(file: string): Pick<SigningKeyStore, 'list' | 'rotate'> {
  return {
    list: () => readKeyFile(file),
    async rotate({ key, now, retireAt }) {
      const kept = (await readKeyFile(file))
        .filter((stored) => stored.expiresAt === null || stored.expiresAt > now)
        .map((stored) => (stored.expiresAt === null ? { ...stored, expiresAt: retireAt } : stored));
      await writeKeyFile(file, [...kept, key]);
    },
  };
}

// --- statuses -------------------------------------------------------------------------------------

/** As core's `signingKeyStatuses`: the newest activated unexpired key is current. */
function statuses(keys: readonly StoredSigningKey[], now: number): Map<string, string> {
  const result = new Map<string, string>();
  let current: StoredSigningKey | undefined;
  for (const key of keys) {
    if (key.expiresAt !== null && key.expiresAt <= now) result.set(key.kid, 'expired');
    else if (key.activatesAt > now) result.set(key.kid, 'next');
    else {
      result.set(key.kid, 'previous');
      if (current === undefined || key.activatesAt > current.activatesAt) current = key;
    }
  }
  if (current !== undefined) result.set(current.kid, 'current');
  return result;
}

const iso = (ms: number | null) => (ms === null ? '-' : ms === 0 ? 'always' : new Date(ms).toISOString());

/** The key store of `--file` / `--sqlite` / `--postgres` (or TOLLGATE_DB), and how to close it. */
async function withKeyStore<T>(
  context: Context,
  values: { file?: string; sqlite?: string; postgres?: string; schema?: string },
  topic: HelpTopic,
  work: (store: Pick<SigningKeyStore, 'list' | 'rotate'>, where: string) => Promise<T>,
): Promise<T> {
  if (values.file !== undefined) {
    if (values.sqlite !== undefined || values.postgres !== undefined || values.schema !== undefined) {
      throw new UsageError('give --file or a database, not both', topic);
    }
    if (values.file === '') throw new UsageError('--file needs a path', topic);
    return work(fileKeyStore(values.file), values.file);
  }
  const target = databaseTarget(values, context.io.env, topic);
  const store = await openOperatorStore(target, topic, { hashes: false });
  try {
    const keys = store.signingKeys;
    if (keys === undefined)
      throw new Refused('this store keeps no signing keys; upgrade it', 'not_supported');
    const where =
      target.kind === 'sqlite' ? target.file : `the PostgreSQL schema ${target.schema ?? 'public'}`;
    return await work(keys, where);
  } finally {
    await store.close();
  }
}

export async function keysCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('keys', COMMANDS, name);
  const { out } = context;
  switch (sub) {
    case 'generate': {
      const topic = 'keys generate';
      const { values, positionals } = parse(
        rest,
        { alg: { type: 'string' }, format: { type: 'string' }, kid: { type: 'string' } },
        topic,
      );
      noPositionals(positionals, topic);
      const alg = algorithm(values.alg, topic);
      const format = values.format ?? 'jwk';
      if (format !== 'jwk' && format !== 'pem')
        throw new UsageError(`--format wants jwk or pem, not ${format}`, topic);
      if (format === 'pem' && values.kid !== undefined) {
        throw new UsageError(
          'a PEM holds no kid (the key is named by its thumbprint): use --format jwk',
          topic,
        );
      }
      if (values.kid !== undefined && (values.kid.length < 1 || values.kid.length > 128)) {
        throw new UsageError('--kid wants 1 to 128 characters', topic);
      }
      const key = newKey(alg);
      if (format === 'pem') {
        if (key.privateKey === null)
          throw new UsageError('an HS256 secret has no PEM form: use --format jwk', topic);
        context.io.stdout(key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
      } else {
        out(JSON.stringify({ ...key.jwk, kid: values.kid ?? randomUUID(), alg }));
      }
      return 0;
    }
    case 'rotate': {
      const topic = 'keys rotate';
      const { values, positionals } = parse(
        rest,
        {
          ...STORE_OPTIONS,
          alg: { type: 'string' },
          'publish-for': { type: 'string' },
          overlap: { type: 'string' },
        },
        topic,
      );
      noPositionals(positionals, topic);
      const alg = algorithm(values.alg, topic);
      const publishFor = seconds('--publish-for', values['publish-for'], DEFAULT_PUBLISH_FOR_SECONDS, topic);
      const overlap = seconds('--overlap', values.overlap, DEFAULT_OVERLAP_SECONDS, topic);
      await withKeyStore(context, values, topic, async (store, where) => {
        const now = Date.now();
        const empty = (await store.list()).length === 0;
        const activatesAt = now + (empty ? 0 : publishFor * 1000);
        const key: StoredSigningKey = {
          kid: randomUUID(),
          alg,
          jwk: { ...newKey(alg).jwk, alg } as StoredSigningKey['jwk'],
          createdAt: now,
          activatesAt,
          expiresAt: null,
        };
        const retireAt = activatesAt + overlap * 1000;
        await store.rotate({ key, now, retireAt });
        out(`Added ${alg} key ${key.kid} to ${where}.`);
        if (empty) out('It signs at once: there was no key.');
        else {
          out(`It is published now and signs from ${iso(activatesAt)}.`);
          out(`The keys it replaces verify until ${iso(retireAt)}, then are dropped.`);
        }
      });
      return 0;
    }
    case 'list': {
      const topic = 'keys list';
      const { values, positionals } = parse(rest, { ...STORE_OPTIONS, json: { type: 'boolean' } }, topic);
      noPositionals(positionals, topic);
      await withKeyStore(context, values, topic, async (store) => {
        const keys = await store.list();
        const status = statuses(keys, Date.now());
        // Never the private parts: kid, alg, times and status only.
        const rows = keys.map((key) => ({
          kid: key.kid,
          alg: key.alg,
          status: status.get(key.kid) ?? 'expired',
          created_at: key.createdAt === 0 ? null : new Date(key.createdAt).toISOString(),
          signs_from: key.activatesAt === 0 ? null : new Date(key.activatesAt).toISOString(),
          expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
        }));
        if (values.json) {
          out(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) {
          out('No keys.');
          return;
        }
        printTable(out, [
          ['KID', 'ALG', 'STATUS', 'CREATED', 'SIGNS FROM', 'VERIFIES UNTIL'],
          ...rows.map((row) => [
            row.kid,
            row.alg,
            row.status,
            row.created_at ?? '-',
            row.signs_from ?? '-',
            row.expires_at ?? 'no end',
          ]),
        ]);
      });
      return 0;
    }
  }
}
