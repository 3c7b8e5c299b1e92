import { ERROR_CATALOGUE, type TollgateError, type TollgateErrorCode } from '../errors.js';

// Messages a client is shown as they were written; for the others the catalogue's
// message, so no internal detail ("unknown kid", "bad signature") reaches a caller.
const DETAILED = new Set<TollgateErrorCode>(['malformed_request', 'invalid_permission', 'invalid_expiry']);

export function publicMessage(error: TollgateError): string {
  return DETAILED.has(error.code) ? error.message : ERROR_CATALOGUE[error.code].message;
}

/** Whole seconds, at least 1, as `Retry-After` takes them. */
export function retryAfterSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}
