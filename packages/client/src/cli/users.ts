import type { AuditEvent } from '../types.js';
import { AUDIT_OPTIONS, auditFilters, printAudit } from './audit.js';
import {
  type Context,
  noPositionals,
  onePositional,
  parse,
  plural,
  Refused,
  subcommand,
  UsageError,
} from './common.js';
import type { HelpTopic } from './help.js';
import {
  databaseTarget,
  type OperatorLifecycle,
  openOperatorStore,
  operatorLifecycle,
  type Revocation,
} from './operator.js';

// `tollgate users …`: the operator's user lifecycle straight on the database (see operator.ts).

const DATABASE_OPTIONS = {
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  schema: { type: 'string' },
} as const;
const REVOKING_OPTIONS = { ...DATABASE_OPTIONS, 'max-token-lifetime': { type: 'string' } } as const;

const COMMANDS = ['create', 'set-password', 'disable', 'enable', 'log-out-everywhere', 'audit'] as const;

/**
 * What core's `CreateUserInput` accepts (zod's `z.email()` rule), checked in linear steps: a local
 * part of letters, digits and `_'+-.` that neither starts nor ends with a dot nor holds two in a row
 * (nor ends with `'`), one `@`, and a domain of labels ending in a top-level name of 2+ letters.
 */
const LOCAL_PART = /^[A-Za-z0-9_'+.-]+$/;
const DOMAIN = /^(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
function isEmail(value: string): boolean {
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const local = value.slice(0, at);
  return (
    LOCAL_PART.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.endsWith("'") &&
    !local.includes('..') &&
    DOMAIN.test(value.slice(at + 1))
  );
}
const DAY_SECONDS = 86_400;

function checkLength(option: string, value: string, min: number, max: number, topic: HelpTopic): string {
  if (value.length < min || value.length > max) {
    throw new UsageError(`${option} wants ${min} to ${max} characters`, topic);
  }
  return value;
}

function nameList(option: string, values: readonly string[] | undefined, topic: HelpTopic): string[] {
  const list = [...new Set(values ?? [])];
  for (const value of list) checkLength(option, value, 1, 128, topic);
  if (list.length > 1000) throw new UsageError(`at most 1000 of ${option}`, topic);
  return list;
}

/** The new password: TOLLGATE_PASSWORD, else a prompt (twice on a terminal), else standard input. */
async function newPassword(context: Context, topic: HelpTopic): Promise<string> {
  const { io } = context;
  let password = io.env.TOLLGATE_PASSWORD;
  if (password === undefined) {
    password = await io.readSecret('New password: ');
    if (io.stdin.isTTY && password !== '' && (await io.readSecret('Repeat it: ')) !== password) {
      throw new UsageError('the two passwords differ; nothing was changed', topic);
    }
  }
  if (!password) throw new UsageError('no password: set TOLLGATE_PASSWORD or answer the prompt', topic);
  if (password.length < 8 || password.length > 1024) {
    throw new UsageError('the password wants 8 to 1024 characters', topic);
  }
  return password;
}

function revocationTtlMs(value: string | undefined, topic: HelpTopic): number {
  if (value === undefined) return DAY_SECONDS * 1000;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--max-token-lifetime wants a number of seconds, not ${value}`, topic);
  }
  return Number(value) * 1000;
}

/** Opens the database, runs `work` on its lifecycle, and closes it whatever happens. */
async function withLifecycle<T>(
  context: Context,
  target: Parameters<typeof openOperatorStore>[0],
  topic: HelpTopic,
  options: { readonly revocationTtlMs: number; readonly hashes: boolean },
  work: (lifecycle: OperatorLifecycle) => Promise<T>,
): Promise<T> {
  const store = await openOperatorStore(target, topic, { hashes: options.hashes });
  try {
    return await work(
      operatorLifecycle(store, { topic, revocationTtlMs: options.revocationTtlMs, warn: context.io.stderr }),
    );
  } finally {
    await store.close();
  }
}

const PROPAGATION =
  'Running app instances refuse them from their next revocation sync (within 1 s by default).';

function describeRevocation(revoked: Revocation): string {
  return `${plural(revoked.sessions, 'session')} and ${plural(revoked.uats, 'UAT')} revoked`;
}

/** The stored event as the HTTP API shows it (snake_case, ISO instants). */
const eventBody = (event: {
  id: string;
  type: string;
  at: number;
  userId: string | null;
  actorId: string | null;
  sessionId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  details: unknown;
}): AuditEvent => ({
  id: event.id,
  type: event.type,
  at: new Date(event.at).toISOString(),
  user_id: event.userId,
  actor_id: event.actorId,
  session_id: event.sessionId,
  client_ip: event.clientIp,
  user_agent: event.userAgent,
  details: (event.details ?? {}) as Record<string, unknown>,
});

export async function usersCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('users', COMMANDS, name);
  const { out, io } = context;
  switch (sub) {
    case 'create': {
      const topic = 'users create';
      const { values, positionals } = parse(
        rest,
        {
          ...DATABASE_OPTIONS,
          username: { type: 'string' },
          email: { type: 'string' },
          kind: { type: 'string' },
          organisation: { type: 'string' },
          role: { type: 'string', multiple: true },
          permission: { type: 'string', multiple: true },
          environment: { type: 'string', multiple: true },
        },
        topic,
      );
      noPositionals(positionals, topic);
      const target = databaseTarget(values, io.env, topic);
      for (const option of ['username', 'email', 'kind', 'organisation'] as const) {
        if (values[option] === undefined) throw new UsageError(`users create needs --${option}`, topic);
      }
      const username = checkLength('--username', values.username!, 1, 320, topic);
      const email = values.email!;
      if (email.length > 320 || !isEmail(email))
        throw new UsageError(`not an e-mail address: ${email}`, topic);
      const kind = values.kind!;
      if (kind !== 'customer' && kind !== 'administrator') {
        throw new UsageError(`--kind wants customer or administrator, not ${kind}`, topic);
      }
      const organisationId = checkLength('--organisation', values.organisation!, 1, 128, topic);
      const roles = nameList('--role', values.role, topic);
      const permissions = nameList('--permission', values.permission, topic);
      const environments = nameList('--environment', values.environment, topic);
      const password = await newPassword(context, topic);
      const store = await openOperatorStore(target, topic, { hashes: true });
      try {
        // The catalogues are checked here (the directory would store any name): a typo is a usage error.
        const known = new Set(await store.users.listPermissions());
        const unknownPermission = permissions.find((permission) => !known.has(permission));
        if (unknownPermission !== undefined) {
          throw new UsageError(
            `no such permission: ${unknownPermission} (the catalogue: ${[...known].join(', ') || 'empty'})`,
            topic,
          );
        }
        const envIds = new Set((await store.users.listEnvironments()).map((environment) => environment.id));
        const unknownEnvironment = environments.find((environment) => !envIds.has(environment));
        if (unknownEnvironment !== undefined) {
          throw new UsageError(
            `no such environment: ${unknownEnvironment} (the catalogue: ${[...envIds].join(', ') || 'empty'})`,
            topic,
          );
        }
        const lifecycle = operatorLifecycle(store, { topic, revocationTtlMs: 0, warn: io.stderr });
        const user = await lifecycle.create({
          username,
          email,
          password,
          kind,
          organisationId,
          roles,
          permissions,
          environments,
        });
        out(`Created ${user.kind} ${user.username} (id ${user.id}) in organisation ${user.customerId}.`);
        if (user.roles.length > 0) out(`  roles         ${user.roles.join(', ')}`);
        if (user.permissions.length > 0) out(`  permissions   ${user.permissions.join(', ')}`);
        if (user.environments.length > 0) out(`  environments  ${user.environments.join(', ')}`);
      } finally {
        await store.close();
      }
      return 0;
    }
    case 'set-password':
    case 'disable':
    case 'log-out-everywhere': {
      const topic = `users ${sub}` as const;
      const { values, positionals } = parse(rest, REVOKING_OPTIONS, topic);
      const username = checkLength(
        'the username',
        onePositional(positionals, topic, 'a username'),
        1,
        320,
        topic,
      );
      const target = databaseTarget(values, io.env, topic);
      const ttl = revocationTtlMs(values['max-token-lifetime'], topic);
      const password = sub === 'set-password' ? await newPassword(context, topic) : '';
      const options = { revocationTtlMs: ttl, hashes: sub === 'set-password' };
      await withLifecycle(context, target, topic, options, async (lifecycle) => {
        if (sub === 'set-password') {
          const revoked = await lifecycle.setPassword(username, password);
          out(`Set the password of ${username}; ${describeRevocation(revoked)}.`);
        } else if (sub === 'disable') {
          const revoked = await lifecycle.disable(username);
          out(
            `${revoked.wasDisabled ? 'Disabled (already)' : 'Disabled'} ${username}; ${describeRevocation(revoked)}.`,
          );
        } else {
          const revoked = await lifecycle.logOutEverywhere(username);
          out(`Logged ${username} out everywhere; ${describeRevocation(revoked)}.`);
        }
        out(PROPAGATION);
      });
      return 0;
    }
    case 'enable': {
      const topic = 'users enable';
      const { values, positionals } = parse(rest, DATABASE_OPTIONS, topic);
      const username = checkLength(
        'the username',
        onePositional(positionals, topic, 'a username'),
        1,
        320,
        topic,
      );
      const target = databaseTarget(values, io.env, topic);
      await withLifecycle(
        context,
        target,
        topic,
        { revocationTtlMs: 0, hashes: false },
        async (lifecycle) => {
          const { wasDisabled } = await lifecycle.enable(username);
          out(
            wasDisabled
              ? `Enabled ${username}; it may log in again (its earlier credentials stay revoked).`
              : `${username} was not disabled; nothing to do.`,
          );
        },
      );
      return 0;
    }
    case 'audit': {
      const topic = 'users audit';
      const { values, positionals } = parse(rest, { ...DATABASE_OPTIONS, ...AUDIT_OPTIONS }, topic);
      noPositionals(positionals, topic);
      const target = databaseTarget(values, io.env, topic);
      const { username, since, until, ...filters } = auditFilters(values, topic);
      const store = await openOperatorStore(target, topic, { hashes: false });
      try {
        let userId: string | undefined;
        if (username !== undefined) {
          const user = await store.users.findUserByUsername(username);
          if (!user) throw new Refused(`no such user: ${username}`, 'unknown_user');
          userId = user.id;
        }
        const lifecycle = operatorLifecycle(store, { topic, revocationTtlMs: 0, warn: io.stderr });
        const events = await lifecycle.audit({
          ...filters,
          ...(userId === undefined ? {} : { userId }),
          ...(since === undefined ? {} : { since: since.getTime() }),
          ...(until === undefined ? {} : { until: until.getTime() }),
        });
        printAudit(out, events.map(eventBody), values.json);
      } finally {
        await store.close();
      }
      return 0;
    }
  }
}
