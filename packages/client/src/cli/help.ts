import { AUDIT_EVENT_TYPES } from '../types.js';

// Every text the CLI prints for help. A command's first paragraph (its `Usage:` lines) is also
// printed with a usage error of that command.

export const USAGE = `Usage: tollgate login|whoami|env|uat|sessions|admin|users|keys|logout|help [options]
       tollgate <command> --help
       tollgate --version | -v

Commands:
  login --url URL --scheme jwt|pair|user [--username U] [--environment E]
                          sign in; the password comes from TOLLGATE_PASSWORD or a prompt
  whoami [--json]         who the saved session is
  env list [--json]       the environments you may use (scheme user)
  env use <id>            switch the session to an environment (scheme user)
  uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]
                          create a user authorization token (shown once), valid through that day (UTC)
  uat list [--json]       your user authorization tokens
  uat revoke <id>         revoke one; it stops working at once
  sessions list [--json]  your sessions; * marks this one
  sessions revoke <id>|current | revoke-others | revoke-all
                          end one of your sessions, every other one, or all of them
  admin sessions|revoke-sessions|uats|revoke-uat|disable|enable|audit …
                          what an administrator does to users (with an administrator's session)
  users create|set-password|disable|enable|log-out-everywhere|audit … [--sqlite FILE|--postgres URL]
                          manage users directly in the database: no server, no session
  keys generate|rotate|list …
                          signing keys: a new one for an env var, or rotate those of a file or the database
  logout                  forget the session (a token pair is also revoked on the server)
  help [command]          this text, or a command's help (as does: tollgate <command> --help)

Options:
  -h, --help              help (after a command: that command's)
  -v, --version           the version of tollgate (@tollgate/client)

Environment:
  TOLLGATE_CONFIG_DIR     where the session file is kept (default ~/.config/tollgate), mode 0600
  TOLLGATE_PASSWORD       the password for login and users create|set-password (never an argument)
  TOLLGATE_USERNAME       the username for login, instead of --username
  TOLLGATE_URL            the server for login, instead of --url
  TOLLGATE_DB             the database of users commands: a SQLite file or a postgres:// URL
  DATABASE_URL            the PostgreSQL database of users commands, when TOLLGATE_DB is not set
  TOLLGATE_DB_SCHEMA      the PostgreSQL schema of users commands (default public)

The sessions and admin commands need a server that serves the opt-in 'sessions' profile.

Exit codes: 0 done; 1 refused by the server or the database (the code is printed), or either
unreachable; 2 usage error (bad arguments, no session, a command the session's scheme cannot do).
`;

const JSON_OPTION = '  --json                  print JSON\n';

// Every command that uses the saved session (all but login, which makes it, users and help).
const SESSION_ENVIRONMENT = `
Environment:
  TOLLGATE_CONFIG_DIR     where the saved session is (default ~/.config/tollgate)
`;
const HELP_OPTION = '  -h, --help              this text\n';

const DATABASE_OPTIONS = `Database (the one your app uses; one of):
  --sqlite FILE           the SQLite file of the embedded default (it must exist)
  --postgres URL          a PostgreSQL connection string: postgres://user@host:5432/db
  --schema S              the PostgreSQL schema (default TOLLGATE_DB_SCHEMA, else public)
Without --sqlite or --postgres: TOLLGATE_DB (a SQLite file, or a postgres:// URL), else
DATABASE_URL. Needs @tollgate/store-sqlite (on Node 20 also better-sqlite3), or
@tollgate/store-postgres and pg, installed beside @tollgate/client.
`;

const REVOCATION_OPTION = `  --max-token-lifetime SECONDS
                          the longest access, user or delegated token lifetime your app sets:
                          the revocation is kept that long (default 86400, a day)
`;

const PROPAGATION = `Every credential the user holds (its sessions, their tokens, its UATs) is revoked in the database
at once. Running app instances learn of it from the store's revocation log within their sync
interval (1 s by default, createTollgate's revocations.syncIntervalMs); an instance may accept a
token it has already verified until then.`;

const AUDIT_FILTERS = `  --username U            events about this user
  --actor ID              events this actor caused (an administrator's id; cli for this CLI)
  --type T                events of this type: ${AUDIT_EVENT_TYPES.slice(0, 3).join(', ')},
                          ${AUDIT_EVENT_TYPES.slice(3, 7).join(', ')},
                          ${AUDIT_EVENT_TYPES.slice(7, 10).join(', ')},
                          ${AUDIT_EVENT_TYPES.slice(10, 13).join(', ')},
                          ${AUDIT_EVENT_TYPES.slice(13).join(', ')}
  --since ISO             from this instant on (an ISO 8601 date or date-time)
  --until ISO             before this instant
  --limit N               at most N events, newest first (1 to 1000; default 100)
`;

// The key commands read no saved session: only where the keys are.
const KEY_ENVIRONMENT = `
Environment:
  TOLLGATE_DB             the app's database when no store option is given: a SQLite file or a postgres:// URL
  DATABASE_URL            its PostgreSQL database, when TOLLGATE_DB is not set
  TOLLGATE_DB_SCHEMA      the PostgreSQL schema (default public)
`;

const KEY_STORE_OPTIONS = `Where the keys are (one of):
  --file F                a key file (openKeySet({ store: fileKeyStore(F) })), mode 0600
  --sqlite FILE           the SQLite file of the app (its signing_keys table; the file must exist)
  --postgres URL          a PostgreSQL connection string: postgres://user@host:5432/db
  --schema S              the PostgreSQL schema (default TOLLGATE_DB_SCHEMA, else public)
Without one: TOLLGATE_DB (a SQLite file, or a postgres:// URL), else DATABASE_URL. The database
needs @tollgate/store-sqlite (on Node 20 also better-sqlite3), or @tollgate/store-postgres and pg,
installed beside @tollgate/client.
`;

/** Each command's help. */
export const HELP = {
  login: `Usage: tollgate login --url URL --scheme jwt|pair|user [--username U] [--environment E]

Sign in and save the session in $TOLLGATE_CONFIG_DIR/session.json (default ~/.config/tollgate).
The password comes from TOLLGATE_PASSWORD, a prompt without echo, or the first line of standard
input when that is not a terminal. It is never an argument.

Options:
  --url URL               the server (default TOLLGATE_URL)
  --scheme jwt|pair|user  jwt: JWT login (scheme D), no refresh
                          pair: token pair (scheme C), refreshed automatically
                          user: user token (scheme A), refreshed automatically, with environments
  --username U            default TOLLGATE_USERNAME, else a prompt on a terminal
  --environment E         the environment to sign in to (--scheme user only)
${HELP_OPTION}
Environment:
  TOLLGATE_URL            the server, when --url is not given
  TOLLGATE_USERNAME       the username, when --username is not given
  TOLLGATE_PASSWORD       the password (else a prompt, or standard input)
  TOLLGATE_CONFIG_DIR     where the session is saved (default ~/.config/tollgate)
`,
  logout: `Usage: tollgate logout

Forget the saved session. A token pair is also revoked on the server.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  whoami: `Usage: tollgate whoami [--json]

Who the saved session is: the user, the server, how it signed in, customer, roles, permissions,
environment and when the token expires.

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  env: `Usage: tollgate env list [--json]
       tollgate env use <id>

The environments of a user token session (tollgate login --scheme user).

Commands:
  env list [--json]       the environments you may use; * marks the session's
  env use <id>            switch the session to an environment

Run 'tollgate env <command> --help' for a command's options.
${SESSION_ENVIRONMENT}`,
  'env list': `Usage: tollgate env list [--json]

The environments you may use (scheme user); * marks the session's.

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'env use': `Usage: tollgate env use <id>

Switch the session to the environment <id> (scheme user). The server refuses an environment
the user may not use.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  uat: `Usage: tollgate uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]
       tollgate uat list [--json]
       tollgate uat revoke <id>

User authorization tokens (UATs): tokens for scripts, sent as "Authorization: UAT <token>".

Commands:
  uat create              create one; its value is printed once
  uat list                yours, with their status (active, revoked, expired)
  uat revoke <id>         revoke one; it stops working at once

Run 'tollgate uat <command> --help' for a command's options.
${SESSION_ENVIRONMENT}`,
  'uat create': `Usage: tollgate uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]

Create a user authorization token. Its value is printed once, last; keep it secret.

Options:
  --name N                a name to tell it by
  --expires YYYY-MM-DD    valid through that day: it expires at 23:59:59 UTC
  --permission P          a permission it carries (repeat for more; at least one)
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'uat list': `Usage: tollgate uat list [--json]

Your user authorization tokens: id, name, prefix, expiry, status and permissions (never the value).

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'uat revoke': `Usage: tollgate uat revoke <id>

Revoke the user authorization token <id>; it stops working at once. Revoking one twice is
not an error.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  sessions: `Usage: tollgate sessions list [--json]
       tollgate sessions revoke <id>|current
       tollgate sessions revoke-others
       tollgate sessions revoke-all

Your sessions on the server: each login (JWT, token pair, user token) and each delegated login
is one, until it expires or is ended. Needs the server's 'sessions' profile and a session saved
by 'tollgate login' (any scheme).

Commands:
  sessions list           your live sessions, newest first; * marks this one
  sessions revoke <id>    end one session; every token of it is refused at once
  sessions revoke-others  end every session but this one
  sessions revoke-all     end every session, this one included (then you are signed out)

Run 'tollgate sessions <command> --help' for a command's options.
${SESSION_ENVIRONMENT}`,
  'sessions list': `Usage: tollgate sessions list [--json]

Your live sessions, newest first: id, kind, when it was created, last used and expires, and where
from (IP address, user agent). * marks the session of this CLI; an administrator acting for you
(a delegated login, an issued user token) is named.

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'sessions revoke': `Usage: tollgate sessions revoke <id>|current

End one of your sessions: every token of it is refused at once. 'current' ends the session of
this CLI, and forgets it here (you are signed out).

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'sessions revoke-others': `Usage: tollgate sessions revoke-others

End every one of your sessions but the one of this CLI ("sign out everywhere else").

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'sessions revoke-all': `Usage: tollgate sessions revoke-all

End every one of your sessions, the one of this CLI included, which is then forgotten here.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  admin: `Usage: tollgate admin sessions <username> [--json]
       tollgate admin revoke-sessions <username> [--session <id>]
       tollgate admin uats <username> [--json]
       tollgate admin revoke-uat <username> <id>
       tollgate admin disable|enable <username>
       tollgate admin audit [--username U] [--actor ID] [--type T] [--since ISO] [--until ISO] [--limit N] [--json]

What an administrator does to the customer users within its reach (an enterprise administrator:
all of them; a domain administrator: those of its domain), over HTTP with the administrator's
session saved by 'tollgate login --scheme pair' or '--scheme jwt'. Needs the server's 'sessions'
profile. An unknown user and one out of reach are both refused as unknown_user.

Commands:
  admin sessions          a user's live sessions
  admin revoke-sessions   end every session of a user, or one (--session)
  admin uats              a user's user authorization tokens (never their values)
  admin revoke-uat        revoke one of a user's UATs
  admin disable           disable a user: no more logins, every credential revoked
  admin enable            enable a disabled user again
  admin audit             the audit trail, newest first

Run 'tollgate admin <command> --help' for a command's options.
${SESSION_ENVIRONMENT}`,
  'admin sessions': `Usage: tollgate admin sessions <username> [--json]

A user's live sessions, newest first: id, kind, when created, last used and expires, where from.

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin revoke-sessions': `Usage: tollgate admin revoke-sessions <username> [--session <id>]

End every live session of a user (or only the one --session names): every token of it is
refused at once. The user's UATs stay valid ('admin revoke-uat', 'admin disable').

Options:
  --session ID            end only this session
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin uats': `Usage: tollgate admin uats <username> [--json]

A user's user authorization tokens, newest first: id, name, prefix, expiry, status, permissions
(never the value).

Options:
${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin revoke-uat': `Usage: tollgate admin revoke-uat <username> <id>

Revoke one of a user's user authorization tokens; it stops working at once.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin disable': `Usage: tollgate admin disable <username>

Disable a user: its logins are refused, and every credential it holds (sessions, their tokens,
UATs) is revoked on every instance.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin enable': `Usage: tollgate admin enable <username>

Enable a disabled user: it may log in again. Its earlier credentials stay revoked.

Options:
${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  'admin audit': `Usage: tollgate admin audit [--username U] [--actor ID] [--type T] [--since ISO] [--until ISO] [--limit N] [--json]

The audit trail the server keeps (logins, issued and refreshed tokens, revocations, delegations,
UATs, user changes, rate limits), newest first; never a password or a token value. A domain
administrator names a user of its domain with --username. The server must keep an audit log it
can query (openSqliteStore(...).audit, openPostgresStore(...).audit); otherwise: not_supported.

Options:
${AUDIT_FILTERS}${JSON_OPTION}${HELP_OPTION}${SESSION_ENVIRONMENT}`,
  users: `Usage: tollgate users create --username U --email E --kind customer|administrator --organisation ID [options]
       tollgate users set-password <username>
       tollgate users disable|enable <username>
       tollgate users log-out-everywhere <username>
       tollgate users audit [--username U] [--actor ID] [--type T] [--since ISO] [--until ISO] [--limit N] [--json]

The operator's user lifecycle, for the embedded default: straight on the database your app uses
(SQLite or PostgreSQL), no server and no session needed, no SQL to write. Each change is recorded
in the store's audit log with the actor 'cli'. Passwords come from TOLLGATE_PASSWORD, a prompt
without echo, or the first line of standard input; never an argument.

Commands:
  users create            create a user
  users set-password      set a user's password; every credential it holds is revoked
  users disable           disable a user; every credential it holds is revoked
  users enable            enable a disabled user (its earlier credentials stay revoked)
  users log-out-everywhere
                          revoke every credential the user holds
  users audit             the audit log of the database, newest first

${DATABASE_OPTIONS}
Revocations reach running app instances from the store's revocation log within their sync
interval (1 s by default).

Run 'tollgate users <command> --help' for a command's options.
`,
  'users create': `Usage: tollgate users create --username U --email E --kind customer|administrator --organisation ID [options]

Create a user in the database. Its password comes from TOLLGATE_PASSWORD, a prompt without echo
(asked twice), or the first line of standard input: 8 to 1024 characters.

Options:
  --username U            the login name (case-insensitive, unique)
  --email E               its e-mail address
  --kind K                customer or administrator
  --organisation ID       the id of the organisation it belongs to (it must exist)
  --role R                a role (repeat for more), e.g. company_admin
  --permission P          a permission (repeat for more)
  --environment E         an environment it may use (repeat for more)
${HELP_OPTION}
${DATABASE_OPTIONS}`,
  'users set-password': `Usage: tollgate users set-password <username>

Set a user's password (from TOLLGATE_PASSWORD, a prompt without echo asked twice, or the first
line of standard input: 8 to 1024 characters).

${PROPAGATION}

Options:
${REVOCATION_OPTION}${HELP_OPTION}
${DATABASE_OPTIONS}`,
  'users disable': `Usage: tollgate users disable <username>

Disable a user: its logins are refused from now on.

${PROPAGATION}

Options:
${REVOCATION_OPTION}${HELP_OPTION}
${DATABASE_OPTIONS}`,
  'users enable': `Usage: tollgate users enable <username>

Enable a disabled user: it may log in again. Its earlier credentials stay revoked.

Options:
${HELP_OPTION}
${DATABASE_OPTIONS}`,
  'users log-out-everywhere': `Usage: tollgate users log-out-everywhere <username>

Log a user out everywhere; it may log in again.

${PROPAGATION}

Options:
${REVOCATION_OPTION}${HELP_OPTION}
${DATABASE_OPTIONS}`,
  'users audit': `Usage: tollgate users audit [--username U] [--actor ID] [--type T] [--since ISO] [--until ISO] [--limit N] [--json]

The audit log kept in the database (what every app instance on it recorded, and this CLI's changes),
newest first; never a password or a token value.

Options:
${AUDIT_FILTERS}${JSON_OPTION}${HELP_OPTION}
${DATABASE_OPTIONS}`,
  keys: `Usage: tollgate keys generate [--alg ES256|EdDSA|HS256] [--format jwk|pem] [--kid KID]
       tollgate keys rotate [--file F | --sqlite FILE | --postgres URL [--schema S]] [options]
       tollgate keys list [--file F | --sqlite FILE | --postgres URL [--schema S]] [--json]

The keys your app signs tokens with. Keep them across restarts, or every token is refused after one:
an environment variable (keySetFromEnv), a key file or the database (openKeySet) of @tollgate/core.

Commands:
  keys generate           a new private key on standard output, for TOLLGATE_SIGNING_KEY or a file
  keys rotate             add a key that signs after --publish-for; the old ones verify --overlap longer
  keys list               the keys, their status and times (never their private parts)

Run 'tollgate keys <command> --help' for a command's options.
${KEY_ENVIRONMENT}`,
  'keys generate': `Usage: tollgate keys generate [--alg ES256|EdDSA|HS256] [--format jwk|pem] [--kid KID]

Prints a new private key on standard output (nothing else, nowhere else), for an environment variable
(keySetFromEnv reads TOLLGATE_SIGNING_KEY) or a secrets manager:
  TOLLGATE_SIGNING_KEY="$(tollgate keys generate)"

Options:
  --alg ES256|EdDSA|HS256 the algorithm (default ES256; HS256 is a shared secret, never published)
  --format jwk|pem        a private JWK on one line with kid and alg (default), or a PKCS#8 PEM
                          (no kid: the app names the key by its RFC 7638 thumbprint)
  --kid KID               the key id (default a random UUID; jwk only)
${HELP_OPTION}
Environment: none read (the key goes to standard output only).
`,
  'keys rotate': `Usage: tollgate keys rotate [--file F | --sqlite FILE | --postgres URL [--schema S]] [options]

Adds a new key. It is published at once (in the JWKS, and verifying on every instance from its next
reload) and signs from --publish-for seconds later; the keys it replaces keep verifying for --overlap
seconds after that, then are dropped (and removed from the store by the next rotation). Into an empty
store the key signs at once.

Options:
  --alg ES256|EdDSA|HS256 the new key's algorithm (default ES256)
  --publish-for SECONDS   how long the key is published before it signs (default 3600): more than the
                          app's reloadIntervalMs (60 s by default) and the JWKS caches of other verifiers
  --overlap SECONDS       how long the replaced keys still verify (default 86400): at least the longest
                          lifetime of an access, user or delegated token of your app
${HELP_OPTION}
${KEY_STORE_OPTIONS}${KEY_ENVIRONMENT}`,
  'keys list': `Usage: tollgate keys list [--file F | --sqlite FILE | --postgres URL [--schema S]] [--json]

The stored keys: kid, algorithm, status (current signs; next is published and signs later; previous
still verifies; expired no longer does), when each was created, signs from and verifies until.
Never a private part.

Options:
${JSON_OPTION}${HELP_OPTION}
${KEY_STORE_OPTIONS}${KEY_ENVIRONMENT}`,
  help: USAGE,
} as const;

export type HelpTopic = keyof typeof HELP;
