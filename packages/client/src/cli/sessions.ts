import type { SessionSummary } from '../types.js';
import { shortTime } from './audit.js';
import {
  type Context,
  noPositionals,
  onePositional,
  parse,
  plural,
  printTable,
  saved,
  subcommand,
} from './common.js';

// `tollgate sessions …`: the signed-in user's own sessions, over HTTP with the saved session.

const MAX_AGENT = 48;

/** Sessions as a table (with `mark`, a first column where `*` marks the caller's own), or JSON. */
export function printSessions(
  out: (line?: string) => void,
  sessions: readonly SessionSummary[],
  options: { readonly json: boolean | undefined; readonly mark: boolean },
): void {
  const { json, mark } = options;
  if (json) {
    out(JSON.stringify(sessions, null, 2));
    return;
  }
  if (sessions.length === 0) {
    out('No live sessions.');
    return;
  }
  const agent = (value: string | null) =>
    value === null ? '—' : value.length > MAX_AGENT ? `${value.slice(0, MAX_AGENT - 1)}…` : value;
  const marker = (cell: string): string[] => (mark ? [cell] : []);
  printTable(out, [
    [...marker(' '), 'ID', 'KIND', 'CREATED', 'LAST USED', 'EXPIRES', 'IP', 'ACTOR', 'USER AGENT'],
    ...sessions.map((session) => [
      ...marker(session.current ? '*' : ' '),
      session.id,
      session.kind,
      shortTime(session.created_at),
      shortTime(session.last_used_at),
      shortTime(session.expires_at),
      session.client_ip ?? '—',
      session.actor?.username ?? '—',
      agent(session.user_agent),
    ]),
  ]);
}

export async function sessionsCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('sessions', ['list', 'revoke', 'revoke-others', 'revoke-all'], name);
  const { out } = context;
  if (sub === 'list') {
    const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'sessions list');
    noPositionals(positionals, 'sessions list');
    const { client, session } = await saved(context);
    printSessions(out, await client.sessions.list(session), { json: values.json, mark: true });
    return 0;
  }
  if (sub === 'revoke') {
    const { positionals } = parse(rest, {}, 'sessions revoke');
    const id = onePositional(positionals, 'sessions revoke', "a session id (or 'current')");
    const { client, session } = await saved(context);
    if (id === 'current') {
      await client.sessions.revokeCurrent(session);
      out('Ended this session; signed out.');
    } else {
      await client.sessions.revoke(session, id);
      out(`Ended session ${id}.`);
    }
    return 0;
  }
  const topic = sub === 'revoke-others' ? 'sessions revoke-others' : 'sessions revoke-all';
  const { positionals } = parse(rest, {}, topic);
  noPositionals(positionals, topic);
  const { client, session } = await saved(context);
  if (sub === 'revoke-others') {
    out(`Ended ${plural(await client.sessions.revokeOthers(session), 'other session')}.`);
  } else {
    out(
      `Ended ${plural(await client.sessions.revokeAll(session), 'session')}, this one included; signed out.`,
    );
  }
  return 0;
}
