/**
 * Every refusal shape: each catalogue code rendered in `default`, `envelope` and `detail`, with its
 * status, code header, challenge, Retry-After, Allow; messages that never leak internal detail; and
 * `renderError` defaulting to the handler's `errorShape`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  ERROR_CATALOGUE,
  type ErrorShape,
  TollgateError,
  type TollgateErrorCode,
} from '../helpers/internals.js';
import { bodyOf, DOCUMENTED_PROFILES, type HttpDemo, httpDemo, JSON_TYPE } from './fixtures.js';

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo();
});

const CODES = Object.keys(ERROR_CATALOGUE) as TollgateErrorCode[];
const SHAPES: readonly ErrorShape[] = ['default', 'envelope', 'detail'];

/** The token-pair API's codes (docs/http-profiles.md); AUTH_1000 with the catalogue message otherwise. */
const ENVELOPE: Partial<Record<TollgateErrorCode, readonly [string, string]>> = {
  invalid_credentials: ['AUTH_1001', 'Invalid credentials'],
  malformed_request: ['AUTH_1002', 'Malformed request'],
  unsupported_media_type: ['AUTH_1002', 'Malformed request'],
  invalid_token: ['AUTH_1003', 'Invalid or expired refresh token'],
  token_expired: ['AUTH_1003', 'Invalid or expired refresh token'],
  wrong_token_kind: ['AUTH_1003', 'Invalid or expired refresh token'],
  token_revoked: ['AUTH_1004', 'Refresh token revoked'],
  session_expired: ['AUTH_1004', 'Refresh token revoked'],
  refresh_token_reused: ['AUTH_1005', 'Refresh token reused; the session has been revoked'],
  payload_too_large: ['AUTH_1006', 'Request body too large'],
  rate_limited: ['AUTH_1029', 'Too many attempts'],
  store_unavailable: ['AUTH_1503', 'Service temporarily unavailable'],
  login_overloaded: ['AUTH_1503', 'Service temporarily unavailable'],
};
const DRF_FORBIDDEN = 'You do not have permission to perform this action.';

function expectedBody(code: TollgateErrorCode, shape: ErrorShape): unknown {
  const { message } = ERROR_CATALOGUE[code];
  if (shape === 'default') return { code, message };
  if (shape === 'envelope') {
    const [errorCode, errorMessage] = ENVELOPE[code] ?? ['AUTH_1000', message];
    return { errorCode, errorMessage, content: '', pageable: '' };
  }
  if (code === 'insufficient_permission' || code === 'role_required') return { detail: DRF_FORBIDDEN };
  if (code === 'invalid_permission') return { permissions: [message] };
  if (code === 'invalid_expiry') return { expires_at: [message] };
  // Django REST framework's ServiceUnavailable.
  if (code === 'login_overloaded') return { detail: 'Service temporarily unavailable, try again later.' };
  return { detail: message };
}

describe('every code in every shape', () => {
  for (const shape of SHAPES) {
    it(`${shape}: status, code header, content type and body of each catalogue code`, () => {
      for (const code of CODES) {
        const response = d.http.renderError(new TollgateError(code), shape);
        expect(response.status, code).toBe(ERROR_CATALOGUE[code].status);
        expect(response.headers['content-type']).toBe(JSON_TYPE);
        expect(response.headers['tollgate-error-code']).toBe(code);
        expect(bodyOf(response), `${shape} ${code}`).toEqual(expectedBody(code, shape));
      }
    });
  }
});

describe('headers of particular refusals', () => {
  it('401: a bare challenge for missing credentials, an error challenge for every other 401', () => {
    for (const code of CODES.filter((c) => ERROR_CATALOGUE[c].status === 401)) {
      const challenge = d.http.renderError(new TollgateError(code)).headers['www-authenticate'];
      expect(challenge, code).toBe(
        code === 'credentials_missing'
          ? 'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"'
          : ['JWT', 'UAT', 'Bearer']
              .map(
                (scheme) =>
                  `${scheme} realm="tollgate", error="invalid_token", error_description="${ERROR_CATALOGUE[code].message}"`,
              )
              .join(', '),
      );
    }
    for (const code of CODES.filter((c) => ERROR_CATALOGUE[c].status !== 401)) {
      expect(d.http.renderError(new TollgateError(code)).headers['www-authenticate'], code).toBeUndefined();
    }
  });

  it('the realm option, quotes in it made harmless', async () => {
    const http = createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES, realm: 'my "api"\\' });
    expect(http.renderError(new TollgateError('credentials_missing')).headers['www-authenticate']).toBe(
      `JWT realm="my 'api''", UAT realm="my 'api''", Bearer realm="my 'api''"`,
    );
  });

  it('429: Retry-After in whole seconds, at least 1; the detail shape says it as DRF does', () => {
    for (const [seconds, header] of [
      [30, '30'],
      [0.2, '1'],
      [1.5, '2'],
      [0, '1'],
    ] as const) {
      const error = new TollgateError('rate_limited', { retryAfterSeconds: seconds });
      expect(d.http.renderError(error).headers['retry-after']).toBe(header);
      expect(bodyOf(d.http.renderError(error, 'detail'))).toEqual({
        detail: `Request was throttled. Expected available in ${header} seconds.`,
      });
    }
    expect(d.http.renderError(new TollgateError('rate_limited')).headers['retry-after']).toBeUndefined();
  });

  it('405: Allow from the methods given', () => {
    const response = d.http.renderError(new TollgateError('method_not_allowed'), 'default', ['GET', 'POST']);
    expect(response.headers.allow).toBe('GET, POST');
    expect(d.http.renderError(new TollgateError('method_not_allowed')).headers.allow).toBeUndefined();
  });

  it('413: Connection: close (the rest of the body is not read)', () => {
    expect(d.http.renderError(new TollgateError('payload_too_large')).headers.connection).toBe('close');
  });
});

describe('messages', () => {
  it('shows a detailed message only where it is meant for the client', () => {
    const detailed = new TollgateError('malformed_request', {
      message: 'The request body is not valid JSON.',
    });
    expect(bodyOf(d.http.renderError(detailed))).toEqual({
      code: 'malformed_request',
      message: 'The request body is not valid JSON.',
    });
    const internal = new TollgateError('invalid_token', { message: 'unknown kid abc' });
    expect(d.http.renderError(internal).body).not.toContain('kid');
    expect(d.http.renderError(internal, 'detail').body).not.toContain('kid');
    expect(d.http.renderError(internal).headers['www-authenticate']).not.toContain('kid');
  });

  it('field errors: beside the message in default, as the body in detail, the envelope’s code in envelope', () => {
    const error = new TollgateError('malformed_request', {
      message: 'The request query is invalid.',
      fields: { page: ['Expected number.'] },
    });
    expect(bodyOf(d.http.renderError(error, 'default'))).toEqual({
      code: 'malformed_request',
      message: 'The request query is invalid.',
      fields: { page: ['Expected number.'] },
    });
    expect(bodyOf(d.http.renderError(error, 'detail'))).toEqual({ page: ['Expected number.'] });
    expect(bodyOf(d.http.renderError(error, 'envelope'))).toMatchObject({ errorCode: 'AUTH_1002' });
  });
});

describe('errors that are not refusals', () => {
  it('anything but a TollgateError is a 500 internal_error, never its message or stack; reported', () => {
    const reported: unknown[] = [];
    const http = createHttpHandler(d.tg, {
      profiles: DOCUMENTED_PROFILES,
      onUnexpectedError: (error) => reported.push(error),
    });
    const thrown = [new Error('db password is hunter2'), 'a string', null, { stack: 'at x' }];
    for (const value of thrown) {
      for (const shape of SHAPES) {
        const response = http.renderError(value, shape);
        expect(response.status).toBe(500);
        expect(response.headers['tollgate-error-code']).toBe('internal_error');
        expect(bodyOf(response)).toEqual(expectedBody('internal_error', shape));
      }
    }
    expect(reported).toEqual(thrown.flatMap((value) => [value, value, value]));
    // A refusal is not reported.
    http.renderError(new TollgateError('not_found'));
    expect(reported).toHaveLength(thrown.length * 3);
  });
});

describe('errorShape, resolved once', () => {
  for (const shape of SHAPES) {
    it(`renderError, check and guard default to errorShape ${shape}; an explicit shape wins`, async () => {
      const http = createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES, errorShape: shape });
      expect(http.options.errorShape).toBe(shape);
      const missing = expectedBody('credentials_missing', shape);
      expect(bodyOf(http.renderError(new TollgateError('credentials_missing')))).toEqual(missing);
      expect(bodyOf(http.check(null, {})!)).toEqual(missing);
      const guarded = await http.guard({ method: 'GET', url: '/', headers: {} });
      expect(guarded.ok).toBe(false);
      if (!guarded.ok) expect(bodyOf(guarded.response)).toEqual(missing);
      const other = shape === 'detail' ? 'default' : 'detail';
      expect(bodyOf(http.renderError(new TollgateError('credentials_missing'), other))).toEqual(
        expectedBody('credentials_missing', other),
      );
      expect(bodyOf(http.check(undefined, {}, other)!)).toEqual(expectedBody('credentials_missing', other));
      const ruled = await http.guard({ method: 'GET', url: '/', headers: {} }, { shape: other });
      if (!ruled.ok) expect(bodyOf(ruled.response)).toEqual(expectedBody('credentials_missing', other));
    });
  }

  it('the default is `default`; the profiles’ routes keep their own shape whatever errorShape says', async () => {
    expect(createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES }).options.errorShape).toBe('default');
    const http = createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES, errorShape: 'envelope' });
    const me = await http.handle({ method: 'GET', url: '/api/v2/me/', headers: {} });
    expect(bodyOf(me!)).toEqual({ detail: ERROR_CATALOGUE.credentials_missing.message });
    const user = await http.handle({ method: 'GET', url: '/Environment/current', headers: {} });
    expect(bodyOf(user!)).toEqual({
      code: 'credentials_missing',
      message: ERROR_CATALOGUE.credentials_missing.message,
    });
  });
});
