import type { CreatedUat, Me, UatSummary } from '@tollgate/client';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError, needsSignIn } from './api.js';
import type { PanelProps } from './app.js';
import { endOfDayUtc, expiryBounds, formatInstant, isDay } from './dates.js';

function status(token: UatSummary, now: number): 'active' | 'revoked' | 'expired' {
  if (token.revoked_at !== null) return 'revoked';
  return Date.parse(token.expires_at) <= now ? 'expired' : 'active';
}

/** The caller's UATs: the list, a form to create one, its value shown once, revocation. */
export function Tokens({ portal, session, me, announce, onEnded }: PanelProps & { readonly me: Me }) {
  const [tokens, setTokens] = useState<readonly UatSummary[] | null>(null);
  const [listError, setListError] = useState('');
  const [created, setCreated] = useState<CreatedUat | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);

  const fail = (error: unknown, show: (message: string) => void) => {
    if (needsSignIn(error)) onEnded(error);
    else show(describeError(error));
  };

  const load = async () => {
    try {
      setTokens(await portal.listTokens(session));
      setListError('');
    } catch (error) {
      fail(error, setListError);
    }
  };

  useEffect(() => {
    void load();
  }, [session]);

  useEffect(() => confirmButton.current?.focus(), [confirming]);

  const revoke = async (token: UatSummary) => {
    try {
      await portal.revokeToken(session, token.id);
      setConfirming(null);
      announce(`Token “${token.name}” revoked: it no longer works.`);
      await load();
      heading.current?.focus();
    } catch (error) {
      setConfirming(null);
      fail(error, setListError);
    }
  };

  const now = Date.now();
  return (
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title" tabIndex={-1} ref={heading}>
        Your tokens
      </h2>
      <p class="muted">
        A user authorization token (UAT) acts for you with only the permissions you give it:{' '}
        <code>Authorization: UAT &lt;value&gt;</code>.
      </p>
      {created ? (
        <CreatedToken
          token={created}
          onDone={() => {
            setCreated(null);
            heading.current?.focus();
          }}
        />
      ) : (
        <CreateToken
          portal={portal}
          session={session}
          me={me}
          onCreated={async (token) => {
            setCreated(token);
            announce(`Token “${token.name}” created. Copy its value now: it is shown only once.`);
            await load();
          }}
          onError={(error, show) => fail(error, show)}
        />
      )}
      <p class="error" role="alert">
        {listError}
      </p>
      <div class="table-wrap">
        <table>
          <caption id="tokens-caption">
            {tokens === null
              ? 'Loading your tokens…'
              : `${tokens.length} token${tokens.length === 1 ? '' : 's'}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Permissions</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(tokens ?? []).map((token) => {
              const state = status(token, now);
              return (
                <tr key={token.id} data-token-id={token.id}>
                  <th scope="row">{token.name}</th>
                  <td>
                    <code>{token.prefix}</code>
                  </td>
                  <td>{token.permissions.join(', ')}</td>
                  <td>{formatInstant(token.expires_at)}</td>
                  <td>{token.last_used_at === null ? 'never' : formatInstant(token.last_used_at)}</td>
                  <td>
                    <span class={`status status-${state}`}>{state}</span>
                  </td>
                  <td class="actions">
                    {state !== 'active' ? null : confirming === token.id ? (
                      <>
                        <button
                          type="button"
                          class="danger"
                          ref={confirmButton}
                          onClick={() => void revoke(token)}
                        >
                          Confirm: revoke {token.name}
                        </button>{' '}
                        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setConfirming(token.id)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <button type="button" class="secondary" onClick={() => void load()}>
        Reload the list
      </button>
    </section>
  );
}

interface CreateTokenProps extends Pick<PanelProps, 'portal' | 'session'> {
  readonly me: Me;
  readonly onCreated: (token: CreatedUat) => Promise<void>;
  readonly onError: (error: unknown, show: (message: string) => void) => void;
}

function CreateToken({ portal, session, me, onCreated, onError }: CreateTokenProps) {
  const bounds = useMemo(() => expiryBounds(Date.now()), []);
  const [name, setName] = useState('');
  const [day, setDay] = useState(bounds.suggested);
  const [permissions, setPermissions] = useState<readonly string[]>([]);
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);

  const toggle = (permission: string, on: boolean) =>
    setPermissions((current) =>
      on ? [...current, permission] : current.filter((held) => held !== permission),
    );

  const submit = async (event: Event) => {
    event.preventDefault();
    if (pending) return;
    if (name.trim().length === 0) return setError('Give the token a name.');
    if (!isDay(day) || day < bounds.min || day > bounds.max) {
      return setError(`Choose a date between ${bounds.min} and ${bounds.max}.`);
    }
    if (permissions.length === 0) return setError('Choose at least one permission.');
    setPending(true);
    setError('');
    try {
      const created = await portal.createToken(session, {
        name: name.trim(),
        expiresAt: endOfDayUtc(day),
        // In the order of the list, whatever the order they were ticked in.
        permissions: me.permissions.filter((held) => permissions.includes(held)),
      });
      setPending(false);
      await onCreated(created);
    } catch (caught) {
      setPending(false);
      onError(caught, setError);
    }
  };

  return (
    <form class="create" onSubmit={submit} aria-describedby="create-error" aria-busy={pending} noValidate>
      <h3>Create a token</h3>
      <div class="field">
        <label for="token-name">Name</label>
        <input
          id="token-name"
          name="name"
          maxLength={200}
          required
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="token-expiry">Valid until</label>
        <input
          id="token-expiry"
          name="expires"
          type="date"
          required
          min={bounds.min}
          max={bounds.max}
          value={day}
          aria-describedby="token-expiry-hint"
          onInput={(event) => setDay(event.currentTarget.value)}
        />
        <p class="hint" id="token-expiry-hint">
          The token works until the end of that day, 23:59:59 UTC (at most a year from today).
        </p>
      </div>
      <fieldset>
        <legend>Permissions</legend>
        {me.permissions.length === 0 && <p>You hold no permission to give.</p>}
        {me.permissions.map((permission) => (
          <label class="choice" key={permission}>
            <input
              type="checkbox"
              name="permissions"
              value={permission}
              checked={permissions.includes(permission)}
              onChange={(event) => toggle(permission, event.currentTarget.checked)}
            />
            <code>{permission}</code>
          </label>
        ))}
        <p class="hint">Only the permissions you hold are offered.</p>
      </fieldset>
      <button type="submit" aria-disabled={pending}>
        {pending ? 'Creating…' : 'Create token'}
      </button>
      <p class="error" id="create-error" role="alert">
        {error}
      </p>
    </form>
  );
}

function CreatedToken({ token, onDone }: { readonly token: CreatedUat; readonly onDone: () => void }) {
  const [copyStatus, setCopyStatus] = useState('');
  const value = useRef<HTMLInputElement>(null);

  useEffect(() => value.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopyStatus('Copied to the clipboard.');
    } catch {
      value.current?.select();
      setCopyStatus('Could not copy: the value is selected, press Ctrl+C (⌘C on a Mac).');
    }
  };

  return (
    <section class="created" aria-labelledby="created-title">
      <h3 id="created-title">Token “{token.name}” created</h3>
      <p>
        <strong>Copy the value now: it is shown only once.</strong> Valid until{' '}
        {formatInstant(token.expires_at)}, for {token.permissions.join(', ')}.
      </p>
      <div class="field">
        <label for="created-value">Token value</label>
        <div class="copy-row">
          <input
            id="created-value"
            ref={value}
            readOnly
            value={token.token}
            spellcheck={false}
            autocomplete="off"
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" onClick={() => void copy()}>
            Copy
          </button>
        </div>
      </div>
      <p class="notice" role="status" aria-live="polite">
        {copyStatus}
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        Done: I have saved it
      </button>
    </section>
  );
}
