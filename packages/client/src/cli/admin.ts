import { AUDIT_OPTIONS, auditFilters, printAudit, shortTime } from './audit.js';
import {
  type Context,
  noPositionals,
  onePositional,
  parse,
  plural,
  printTable,
  saved,
  subcommand,
  UsageError,
  uatStatus,
} from './common.js';
import { printSessions } from './sessions.js';

// `tollgate admin …`: what an administrator does to users, over HTTP with its saved session.

const COMMANDS = ['sessions', 'revoke-sessions', 'uats', 'revoke-uat', 'disable', 'enable', 'audit'] as const;

export async function adminCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('admin', COMMANDS, name);
  const { out } = context;
  switch (sub) {
    case 'sessions': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'admin sessions');
      const username = onePositional(positionals, 'admin sessions', 'a username');
      const { client, session } = await saved(context);
      printSessions(out, await client.admin.listSessions(session, username), {
        json: values.json,
        mark: false,
      });
      return 0;
    }
    case 'revoke-sessions': {
      const { values, positionals } = parse(rest, { session: { type: 'string' } }, 'admin revoke-sessions');
      const username = onePositional(positionals, 'admin revoke-sessions', 'a username');
      if (values.session === '') throw new UsageError('--session needs a value', 'admin revoke-sessions');
      const { client, session } = await saved(context);
      if (values.session === undefined) {
        const count = await client.admin.revokeSessions(session, username);
        out(`Ended ${plural(count, 'session')} of ${username}.`);
      } else {
        await client.admin.revokeSession(session, username, values.session);
        out(`Ended session ${values.session} of ${username}.`);
      }
      return 0;
    }
    case 'uats': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'admin uats');
      const username = onePositional(positionals, 'admin uats', 'a username');
      const { client, session } = await saved(context);
      const uats = await client.admin.listUats(session, username);
      if (values.json) {
        out(JSON.stringify(uats, null, 2));
      } else if (uats.length === 0) {
        out(`${username} has no user authorization tokens.`);
      } else {
        const now = Date.now();
        printTable(out, [
          ['ID', 'NAME', 'PREFIX', 'EXPIRES', 'LAST USED', 'STATUS', 'PERMISSIONS'],
          ...uats.map((uat) => [
            uat.id,
            uat.name,
            uat.prefix,
            shortTime(uat.expires_at),
            uat.last_used_at === null ? '—' : shortTime(uat.last_used_at),
            uatStatus(uat, now),
            uat.permissions.join(','),
          ]),
        ]);
      }
      return 0;
    }
    case 'revoke-uat': {
      const { positionals } = parse(rest, {}, 'admin revoke-uat');
      const [username, id, extra] = positionals;
      if (!username)
        throw new UsageError('admin revoke-uat needs a username and a UAT id', 'admin revoke-uat');
      if (!id) throw new UsageError('admin revoke-uat needs a UAT id after the username', 'admin revoke-uat');
      if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`, 'admin revoke-uat');
      const { client, session } = await saved(context);
      await client.admin.revokeUat(session, username, id);
      out(`Revoked UAT ${id} of ${username}.`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const topic = sub === 'disable' ? 'admin disable' : 'admin enable';
      const { positionals } = parse(rest, {}, topic);
      const username = onePositional(positionals, topic, 'a username');
      const { client, session } = await saved(context);
      if (sub === 'disable') {
        await client.admin.disableUser(session, username);
        out(`Disabled ${username}; every credential it held is revoked.`);
      } else {
        await client.admin.enableUser(session, username);
        out(`Enabled ${username}; it may log in again (its earlier credentials stay revoked).`);
      }
      return 0;
    }
    case 'audit': {
      const { values, positionals } = parse(rest, AUDIT_OPTIONS, 'admin audit');
      noPositionals(positionals, 'admin audit');
      const filters = auditFilters(values, 'admin audit');
      const { client, session } = await saved(context);
      printAudit(out, await client.admin.auditEvents(session, filters), values.json);
      return 0;
    }
  }
}
