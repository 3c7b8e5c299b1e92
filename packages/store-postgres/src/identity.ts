import type { Database } from './database.js';

/**
 * Which database a store is: the same for every instance of a service, however each one reaches
 * the server. Made to name that service's keys elsewhere, e.g. `redisNamespaceFor(store.identity)`
 * of `@tollgate/store-redis`.
 */
export interface PostgresIdentity {
  /**
   * The server, as it reports itself: `system:` and PostgreSQL's system identifier (chosen by
   * initdb, kept by physical replicas), so DNS aliases, proxies, poolers and failover to a replica
   * do not change it. Where the role may not read it (`pg_control_system()` revoked, as on some
   * managed services): `address:` and the server's address and port as it sees the connection.
   */
  readonly server: string;
  /** `current_database()`. */
  readonly database: string;
  /** The store's schema. */
  readonly schema: string;
}

// Refused or unknown: the role lacks EXECUTE, or the server is not PostgreSQL proper.
const UNREADABLE = new Set(['42501', '42883', '0A000']);

export async function readIdentity(db: Pick<Database, 'run' | 'schemaName'>): Promise<PostgresIdentity> {
  const identity = (server: string, database: string): PostgresIdentity =>
    Object.freeze({ server, database, schema: db.schemaName });
  try {
    const { rows } = await db.run((session) =>
      session.query<{ database: string; system: string }>(
        'SELECT current_database() AS database, system_identifier::text AS system FROM pg_control_system()',
      ),
    );
    const row = rows[0];
    if (row?.system) return identity(`system:${row.system}`, row.database);
  } catch (error) {
    if (!UNREADABLE.has(String(Reflect.get(Object(error), 'code')))) throw error;
  }
  const { rows } = await db.run((session) =>
    session.query<{ database: string; address: string | null; port: string }>(
      "SELECT current_database() AS database, host(inet_server_addr()) AS address, current_setting('port') AS port",
    ),
  );
  const row = rows[0];
  if (!row) throw new Error('PostgreSQL did not report its identity');
  // No address: a Unix-domain socket, only ever to the server on this host.
  return identity(`address:${row.address ?? 'local'}:${row.port}`, row.database);
}
