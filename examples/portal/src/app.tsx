import type { Me } from '@tollgate/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  describeError,
  isUserTokenSession,
  needsSignIn,
  type Portal,
  type PortalSession,
  resumeFailure,
  type SignInMethod,
} from './api.js';
import { Environments } from './environments.js';
import { Sessions } from './sessions.js';
import { Tokens } from './tokens.js';

/** What every panel gets: the portal, the session, and ways to report back to the page. */
export interface PanelProps {
  readonly portal: Portal;
  readonly session: PortalSession;
  /** A polite announcement in the page's status line (read by screen readers). */
  readonly announce: (message: string) => void;
  /** The session is over (expired, revoked): back to the sign-in form with this error. */
  readonly onEnded: (error: unknown) => void;
  /** Ends this session on the server and signs out (throws, and stays, when it cannot). */
  readonly endThisSession: () => Promise<void>;
}

type State =
  | { readonly phase: 'starting' }
  | { readonly phase: 'signed-out'; readonly message: string }
  | { readonly phase: 'signed-in'; readonly session: PortalSession; readonly me: Me };

export function App({ portal }: { readonly portal: Portal }) {
  const [state, setState] = useState<State>({ phase: 'starting' });
  const [notice, setNotice] = useState('');

  const signOutLocally = async (session: PortalSession, error: unknown, message = describeError(error)) => {
    await portal.forget(session).catch(() => undefined);
    setNotice('');
    setState({ phase: 'signed-out', message });
  };

  const enter = async (session: PortalSession) => {
    const me = await portal.me(session);
    setState({ phase: 'signed-in', session, me });
  };

  useEffect(() => {
    // A reload keeps the tab's session (sessionStorage); a new tab starts signed out, unless the
    // server's session cookie (an administrator's sign-in link) signs it in.
    portal.resume().then(
      async (session) => {
        try {
          await enter(session);
        } catch (error) {
          await signOutLocally(session, error, resumeFailure(error));
        }
      },
      () => setState({ phase: 'signed-out', message: '' }),
    );
  }, [portal]);

  const endThisSession = async () => {
    if (state.phase !== 'signed-in') return;
    await portal.endThisSession(state.session);
    setNotice(
      state.me.actor
        ? `The session ${state.me.actor.username} opened has ended. You are signed out.`
        : 'You are signed out.',
    );
    setState({ phase: 'signed-out', message: '' });
  };

  const reloadMe = async () => {
    if (state.phase !== 'signed-in') return;
    try {
      setState({ ...state, me: await portal.me(state.session) });
    } catch (error) {
      if (needsSignIn(error)) await signOutLocally(state.session, error);
    }
  };

  return (
    <>
      <header class="masthead">
        <p class="brand">Tollgate</p>
        {state.phase === 'signed-in' && (
          <SessionBanner me={state.me} session={state.session} onEnd={endThisSession} />
        )}
      </header>
      <main class="page" id="main">
        <h1>Self-service</h1>
        <p class="notice" role="status" aria-live="polite">
          {notice}
        </p>
        {state.phase === 'starting' && <p class="muted">Loading…</p>}
        {state.phase === 'signed-out' && (
          <SignIn
            initialError={state.message}
            onSignIn={async (method, email, password) => {
              const session = await portal.signIn(method, email, password);
              try {
                await enter(session);
                setNotice('');
              } catch (error) {
                await portal.endThisSession(session).catch(() => undefined);
                throw error;
              }
            }}
          />
        )}
        {state.phase === 'signed-in' && (
          <SignedIn
            portal={portal}
            session={state.session}
            me={state.me}
            announce={setNotice}
            onEnded={(error) => signOutLocally(state.session, error)}
            endThisSession={endThisSession}
            onEnvironmentChanged={reloadMe}
          />
        )}
      </main>
    </>
  );
}

function SessionBanner({
  me,
  session,
  onEnd,
}: {
  readonly me: Me;
  readonly session: PortalSession;
  readonly onEnd: () => Promise<void>;
}) {
  const text = useRef<HTMLParagraphElement>(null);
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);
  // Focus lands here after signing in, so a screen reader says who is signed in.
  useEffect(() => text.current?.focus(), []);
  const end = async () => {
    if (pending) return;
    setPending(true);
    setError('');
    try {
      await onEnd();
    } catch (caught) {
      setError(`The session could not be ended. ${describeError(caught)}`);
      setPending(false);
    }
  };
  // An administrator's session (above all one in the cookie a sign-in link set) is ended, not
  // merely left: every way out ends the session on the server.
  const label = me.actor || session.scheme === 'cookie' ? 'End this session' : 'Sign out';
  return (
    <section class={me.actor ? 'banner banner-delegated' : 'banner'} aria-label="Session">
      <p class="banner-text" id="signed-in-as" tabIndex={-1} ref={text}>
        Signed in as <strong>{me.email}</strong>
        {me.actor && (
          <>
            {' '}
            by <strong>{me.actor.username}</strong>
          </>
        )}
      </p>
      <button type="button" class="secondary" onClick={() => void end()} aria-disabled={pending}>
        {pending ? 'Ending…' : label}
      </button>
      <p class="banner-error" role="alert">
        {error}
      </p>
    </section>
  );
}

function SignIn({
  initialError,
  onSignIn,
}: {
  readonly initialError: string;
  readonly onSignIn: (method: SignInMethod, email: string, password: string) => Promise<void>;
}) {
  const [method, setMethod] = useState<SignInMethod>('jwt');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  const emailInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  useEffect(() => emailInput.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError('');
    try {
      await onSignIn(method, email.trim(), password);
    } catch (caught) {
      setError(describeError(caught));
      setPending(false);
      passwordInput.current?.select();
    }
  };

  return (
    <section class="card" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form onSubmit={submit} aria-describedby="sign-in-error" aria-busy={pending}>
        <fieldset>
          <legend>Sign in with</legend>
          <label class="choice">
            <input
              type="radio"
              name="method"
              value="jwt"
              checked={method === 'jwt'}
              onChange={() => setMethod('jwt')}
            />
            Email and password <span class="muted">(manage your tokens)</span>
          </label>
          <label class="choice">
            <input
              type="radio"
              name="method"
              value="user"
              checked={method === 'user'}
              onChange={() => setMethod('user')}
            />
            User token <span class="muted">(choose your environment)</span>
          </label>
        </fieldset>
        <div class="field">
          <label for="email">Email</label>
          <input
            id="email"
            ref={emailInput}
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            ref={passwordInput}
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </div>
        <button type="submit" aria-disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="error" id="sign-in-error" role="alert">
          {error}
        </p>
      </form>
    </section>
  );
}

interface SignedInProps extends PanelProps {
  readonly me: Me;
  readonly onEnvironmentChanged: () => void;
}

function SignedIn(props: SignedInProps) {
  const { me, session } = props;
  const canManageTokens = me.roles.includes('company_admin') && me.actor === null;
  return (
    <>
      <Identity me={me} scheme={session.scheme} />
      {isUserTokenSession(session) && (
        <Environments {...props} session={session} onChanged={props.onEnvironmentChanged} />
      )}
      {canManageTokens ? (
        <Tokens {...props} />
      ) : (
        <section class="card" aria-labelledby="tokens-title">
          <h2 id="tokens-title">Your tokens</h2>
          <p>
            {me.actor
              ? 'This session was opened by an administrator: it cannot create or manage tokens.'
              : 'Only company administrators can create user authorization tokens.'}
          </p>
        </section>
      )}
      <Sessions {...props} />
    </>
  );
}

const SIGNED_IN_WITH: Readonly<Record<PortalSession['scheme'], string>> = {
  jwt: 'email and password (JWT)',
  user: 'user token',
  pair: 'access token',
  delegated: 'administrator’s delegated login',
  cookie: 'administrator’s sign-in link (a session cookie)',
};

function Identity({ me, scheme }: { readonly me: Me; readonly scheme: PortalSession['scheme'] }) {
  const list = (values: readonly string[]) => (values.length === 0 ? 'none' : values.join(', '));
  return (
    <section class="card" aria-labelledby="identity-title">
      <h2 id="identity-title">Who you are</h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Organisation</dt>
        <dd>
          <code>{me.customerId}</code>
        </dd>
        <dt>Roles</dt>
        <dd>{list(me.roles)}</dd>
        <dt>Permissions</dt>
        <dd>{list(me.permissions)}</dd>
        <dt>Environment</dt>
        <dd>{me.environment ?? 'none'}</dd>
        <dt>Signed in with</dt>
        <dd>{SIGNED_IN_WITH[scheme]}</dd>
        {me.actor && (
          <>
            <dt>Acting administrator</dt>
            <dd>{me.actor.username}</dd>
          </>
        )}
        {me.customData !== null && (
          <>
            <dt>Note from the administrator</dt>
            <dd>{me.customData}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
