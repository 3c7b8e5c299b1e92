import { z } from 'zod';
import { ERROR_CATALOGUE, type TollgateError, type TollgateErrorCode } from '../../../errors.js';

/** The token-pair API's error codes (docs/http-profiles.md). */
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
  login_overloaded: ['AUTH_1503', 'Service temporarily unavailable'],
  store_unavailable: ['AUTH_1503', 'Service temporarily unavailable'],
};

/** `{"errorCode","errorMessage","content","pageable"}`: the token-pair API's envelope. */
export function envelopeErrorBody(error: TollgateError): unknown {
  const [errorCode, errorMessage] = ENVELOPE[error.code] ?? [
    'AUTH_1000',
    ERROR_CATALOGUE[error.code].message,
  ];
  return { errorCode, errorMessage, content: '', pageable: '' };
}

/** The envelope's schema, a named component of the OpenAPI document. */
export const EnvelopeErrorSchema = z
  .object({
    errorCode: z
      .string()
      .meta({ description: '`AUTH_1001`…`AUTH_1503`, `AUTH_1000` for any other refusal.' }),
    errorMessage: z.string(),
    content: z.literal(''),
    pageable: z.literal(''),
  })
  .meta({ id: 'EnvelopeError', description: "The token-pair API's error envelope." });
