import { createHash } from 'node:crypto';

/**
 * The database a Tollgate service keeps its tokens in: what tells two services on one Redis apart.
 * Every instance of one service must give the same; two services on different databases (or
 * schemas) give different ones.
 */
export interface DatabaseIdentity {
  /**
   * The database server. Best an identifier the server reports itself, the same however it is
   * reached: `identity.server` of `@tollgate/store-postgres` (PostgreSQL's system identifier), which
   * DNS aliases, proxies, poolers and failover to a replica do not change. Else `host:port`, spelled
   * the same by every instance. Compared case-insensitively.
   */
  readonly server: string;
  /** The database's name. */
  readonly database: string;
  /** The schema holding Tollgate's tables. Default `public`. */
  readonly schema?: string;
}

/** The longest namespace accepted: room for a prefix of your own and a derived one, with Tollgate's suffixes. */
export const MAX_NAMESPACE_LENGTH = 100;

// Segments of letters, digits, `_`, `.`, `-`, joined by single colons: no glob characters (`*?[]\`,
// which would break ACL patterns and SCAN MATCH), no spaces, no hash-tag braces, no empty segment.
const NAMESPACE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/;

/** The namespace, or a TypeError saying what is wrong with it. */
export function validateNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string' || namespace.length === 0)
    throw new TypeError('namespace must be a non-empty string');
  if (namespace.length > MAX_NAMESPACE_LENGTH)
    throw new TypeError(`namespace must be at most ${MAX_NAMESPACE_LENGTH} characters`);
  if (!NAMESPACE.test(namespace)) {
    throw new TypeError(
      `namespace must be segments of letters, digits, '_', '.' or '-' joined by single ':' (got ${JSON.stringify(namespace)})`,
    );
  }
  return namespace;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/**
 * The namespace of the Tollgate service on this database: `tollgate:` and 16 hex digits of a SHA-256
 * of the identity (so no host or database name shows in key or channel names). The same identity
 * always gives the same namespace, on every instance and across restarts; another server, database
 * or schema gives another one. Throws a TypeError for an identity with an empty or missing field.
 */
export function redisNamespaceFor(identity: DatabaseIdentity): string {
  if (typeof identity !== 'object' || identity === null)
    throw new TypeError('the database identity must be an object');
  const server = nonEmpty('identity.server', identity.server).toLowerCase();
  const database = nonEmpty('identity.database', identity.database);
  const schema = identity.schema === undefined ? 'public' : nonEmpty('identity.schema', identity.schema);
  const digest = createHash('sha256')
    .update(JSON.stringify(['tollgate-redis-namespace/1', server, database, schema]))
    .digest('hex');
  return `tollgate:${digest.slice(0, 16)}`;
}
