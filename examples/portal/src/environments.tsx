import type { CurrentEnvironment, Environment, UserTokenSession } from '@tollgate/client';
import { useEffect, useState } from 'preact/hooks';
import { describeError, needsSignIn } from './api.js';
import type { PanelProps } from './app.js';

interface EnvironmentsProps extends PanelProps {
  readonly session: UserTokenSession;
  /** The token changed environment (the page reloads `/api/v2/me/`). */
  readonly onChanged: () => void;
}

/** Scheme A: the environments this user may use, the current one, and a switch (a token refresh). */
export function Environments({ portal, session, announce, onEnded, onChanged }: EnvironmentsProps) {
  const [environments, setEnvironments] = useState<readonly Environment[] | null>(null);
  // undefined: not known yet; null: this token has no environment (a temporary token).
  const [current, setCurrent] = useState<CurrentEnvironment | null | undefined>(undefined);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);

  const fail = (caught: unknown) => {
    if (needsSignIn(caught)) onEnded(caught);
    else setError(describeError(caught));
  };

  useEffect(() => {
    Promise.all([portal.environments(session), portal.currentEnvironment(session)]).then(([list, now]) => {
      setEnvironments(list);
      setCurrent(now);
      setChoice(list.find((environment) => environment.id !== now?.environment)?.id ?? '');
    }, fail);
  }, [session]);

  const nameOf = (id: string) => environments?.find((environment) => environment.id === id)?.name ?? id;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (pending) return;
    if (choice === '') return setError('Choose an environment.');
    setPending(true);
    setError('');
    try {
      await portal.switchEnvironment(session, choice);
      const now = await portal.currentEnvironment(session);
      setCurrent(now);
      announce(`You are now working in ${nameOf(choice)}.`);
      onChanged();
    } catch (caught) {
      fail(caught);
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="card" aria-labelledby="environments-title">
      <h2 id="environments-title">Your environment</h2>
      <p class="current-environment">
        Current environment:{' '}
        {current === undefined ? (
          'loading…'
        ) : current === null ? (
          <strong id="current-environment">none yet: choose one below</strong>
        ) : (
          <strong id="current-environment" data-environment={current.environment}>
            {nameOf(current.environment)} ({current.environment})
          </strong>
        )}
      </p>
      {environments !== null && (
        <form onSubmit={submit} aria-describedby="environment-error" aria-busy={pending}>
          <fieldset>
            <legend>Switch to</legend>
            {environments.length === 0 && <p>You may use no environment.</p>}
            {environments.map((environment) => (
              <label class="choice" key={environment.id}>
                <input
                  type="radio"
                  name="environment"
                  value={environment.id}
                  checked={choice === environment.id}
                  onChange={() => setChoice(environment.id)}
                />
                {environment.name} <span class="muted">({environment.id})</span>
                {current?.environment === environment.id && <span class="tag">current</span>}
              </label>
            ))}
          </fieldset>
          <button type="submit" aria-disabled={pending}>
            {pending ? 'Switching…' : 'Switch environment'}
          </button>
        </form>
      )}
      <p class="error" id="environment-error" role="alert">
        {error}
      </p>
    </section>
  );
}
