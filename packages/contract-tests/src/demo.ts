// The demo data of CONTRACT.md ("Demo data"), which every example seeds on first start.

// A type alias (not an interface), so an account passes as a plain record of strings.
export type Account = {
  readonly username: string;
  readonly password: string;
};

export const ORGANISATIONS = {
  datastore: { id: 'e7fcef24-5c03-41dd-9e33-995b7d6f47a7', domain: 'datastore' },
  acme: { id: '3f1b2a9c-8d4e-4c1a-9b7e-2a6d5c4b3e21', domain: 'acme' },
  operator: { id: '00000000-0000-4000-8000-000000000001' },
} as const;

export const ENVIRONMENTS = [
  { id: 'production', name: 'Production' },
  { id: 'staging', name: 'Staging' },
  { id: 'sandbox', name: 'Sandbox' },
] as const;

export const PERMISSIONS = [
  'brand_create',
  'product_create',
  'scans_download',
  'scm_bulk_edit',
  'scm_code_edit',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Customer user, Datastore Ltd, company_admin, all five permissions, production and staging. */
export const ETHAN: Account = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' };
/** Customer user, Datastore Ltd, no role, scans_download, staging. */
export const AVA: Account = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' };
/** Customer user, Acme, no role, brand_create and product_create, production. */
export const BOB: Account = { username: 'bob@acme.test', password: 'Acme!user1' };
/** Administrator, Datastore Ltd, domain_admin. */
export const DOMAIN_ADMIN: Account = { username: 'domain.admin@datastoreltd.biz', password: 'D0main!adm' };
/** Administrator, Operator, enterprise_admin. */
export const ROOT: Account = { username: 'root@tollgate.local', password: 'Adm1n!root' };

/** A username that exists nowhere in the demo data. */
export const NOBODY = 'nobody@datastoreltd.biz';

export const MESSAGES = {
  notProvided: 'Authentication credentials were not provided.',
  noPermission: 'You do not have permission to perform this action.',
  unableToLogin: 'Unable to login with provided credentials.',
  required: 'This field is required.',
  blank: 'This field may not be blank.',
} as const;

/** Scheme C's error envelope, per docs/http-profiles.md. */
export const ENVELOPE_ERRORS = {
  AUTH_1000: '',
  AUTH_1001: 'Invalid credentials',
  AUTH_1002: 'Malformed request',
  AUTH_1003: 'Invalid or expired refresh token',
  AUTH_1004: 'Refresh token revoked',
  AUTH_1005: 'Refresh token reused; the session has been revoked',
  AUTH_1006: 'Request body too large',
  AUTH_1029: 'Too many attempts',
  AUTH_1503: 'Service temporarily unavailable',
} as const;

export type EnvelopeCode = keyof typeof ENVELOPE_ERRORS;

/** Catalogue code → scheme C errorCode, per docs/http-profiles.md; any other code is AUTH_1000. */
export const ENVELOPE_CODE_OF: Readonly<Record<string, EnvelopeCode>> = {
  invalid_credentials: 'AUTH_1001',
  malformed_request: 'AUTH_1002',
  invalid_token: 'AUTH_1003',
  token_expired: 'AUTH_1003',
  wrong_token_kind: 'AUTH_1003',
  token_revoked: 'AUTH_1004',
  session_expired: 'AUTH_1004',
  refresh_token_reused: 'AUTH_1005',
  payload_too_large: 'AUTH_1006',
  rate_limited: 'AUTH_1029',
  store_unavailable: 'AUTH_1503',
};

/** The exact scheme C error body for an errorCode whose message is fixed. */
export function envelopeError(code: Exclude<EnvelopeCode, 'AUTH_1000'>): string {
  return JSON.stringify({ errorCode: code, errorMessage: ENVELOPE_ERRORS[code], content: '', pageable: '' });
}
