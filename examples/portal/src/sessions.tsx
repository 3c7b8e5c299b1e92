import { isTollgateClientError, type SessionKind, type SessionSummary } from '@tollgate/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, needsSignIn } from './api.js';
import type { PanelProps } from './app.js';
import { formatInstant, formatInstantSeconds } from './dates.js';

const KIND: Readonly<Record<SessionKind, string>> = {
  jwt_login: 'Email and password',
  user_token: 'User token',
  token_pair: 'Access token',
  delegated: 'Administrator’s sign-in',
};

/** "User token, started 2026-06-30 12:04:05 UTC": what names a session to a person. */
const sessionName = (entry: SessionSummary) =>
  `${KIND[entry.kind]}, started ${formatInstantSeconds(entry.created_at)}`;

/** The user's live sessions (every sign-in is one): where, since when, and a way to end each. */
export function Sessions({ portal, session, announce, onEnded, endThisSession }: PanelProps) {
  const [sessions, setSessions] = useState<readonly SessionSummary[] | null>(null);
  const [error, setError] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const fail = (caught: unknown) => {
    if (needsSignIn(caught)) onEnded(caught);
    else setError(describeError(caught));
  };

  const load = async () => {
    try {
      setSessions(await portal.listSessions(session));
      setError('');
    } catch (caught) {
      fail(caught);
    }
  };

  useEffect(() => {
    void load();
  }, [session]);

  /** Runs one action at a time; on success the list is reloaded and the heading takes the focus. */
  const act = async (key: string, action: () => Promise<string>) => {
    if (pending !== null) return;
    setPending(key);
    setError('');
    try {
      announce(await action());
      await load();
      heading.current?.focus();
    } catch (caught) {
      if (isTollgateClientError(caught) && caught.code === 'not_found') {
        setError('That session had already ended.');
        await load();
      } else {
        fail(caught);
      }
    } finally {
      setPending(null);
    }
  };

  const end = (entry: SessionSummary) =>
    act(entry.id, async () => {
      await portal.endSession(session, entry.id);
      return `Session ended: ${sessionName(entry)}. It is signed out on its next request.`;
    });

  const endOthers = () =>
    act('others', async () => {
      const ended = await portal.endOtherSessions(session);
      return ended === 0
        ? 'There was no other session to end.'
        : `${ended} other session${ended === 1 ? '' : 's'} ended.`;
    });

  const endCurrent = async () => {
    if (pending !== null) return;
    setPending('current');
    setError('');
    try {
      await endThisSession(); // signs out: this panel goes away
    } catch (caught) {
      setPending(null);
      setError(`This session could not be ended. ${describeError(caught)}`);
    }
  };

  const others = (sessions ?? []).filter((entry) => !entry.current).length;
  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title" tabIndex={-1} ref={heading}>
        Your sessions
      </h2>
      <p class="muted">
        Every sign-in is a session: with a password, a user token, or a link an administrator sent. End any
        you do not recognise; it is refused from its next request.
      </p>
      <p class="error" role="alert">
        {error}
      </p>
      <div class="table-wrap">
        <table>
          <caption id="sessions-caption">
            {sessions === null
              ? 'Loading your sessions…'
              : `${sessions.length} session${sessions.length === 1 ? '' : 's'}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Signed in with</th>
              <th scope="col">Started</th>
              <th scope="col">Last used</th>
              <th scope="col">Browser or app</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(sessions ?? []).map((entry) => (
              <tr
                key={entry.id}
                data-session-id={entry.id}
                class={entry.current ? 'current-row' : undefined}
                aria-current={entry.current ? 'true' : undefined}
              >
                <th scope="row">
                  {KIND[entry.kind]}
                  {entry.actor && (
                    <>
                      {' '}
                      <span class="muted">by {entry.actor.username}</span>
                    </>
                  )}
                  {entry.current && (
                    <>
                      {' '}
                      <span class="tag">this session</span>
                    </>
                  )}
                </th>
                <td>{formatInstant(entry.created_at)}</td>
                <td>{formatInstant(entry.last_used_at)}</td>
                <td class="agent">
                  {entry.user_agent ?? 'unknown'}
                  {entry.client_ip !== null && <span class="muted"> ({entry.client_ip})</span>}
                </td>
                <td class="actions">
                  <button
                    type="button"
                    class="secondary"
                    aria-label={
                      entry.current
                        ? `End this session (${sessionName(entry)}) and sign out`
                        : `End session: ${sessionName(entry)}`
                    }
                    aria-disabled={pending !== null}
                    onClick={() => void (entry.current ? endCurrent() : end(entry))}
                  >
                    {pending === entry.id || (entry.current && pending === 'current') ? 'Ending…' : 'End'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="button-row">
        <button
          type="button"
          class="danger"
          aria-disabled={pending !== null}
          aria-describedby="sessions-others-hint"
          onClick={() => void endOthers()}
        >
          {pending === 'others' ? 'Ending…' : 'End all other sessions'}
        </button>
        <button type="button" class="secondary" onClick={() => void load()}>
          Reload the sessions
        </button>
      </div>
      <p class="hint" id="sessions-others-hint">
        {sessions === null
          ? ''
          : others === 0
            ? 'This is your only session.'
            : `Signs out the ${others} other session${others === 1 ? '' : 's'}; this one stays.`}
      </p>
    </section>
  );
}
