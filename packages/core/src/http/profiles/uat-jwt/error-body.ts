import type { TollgateError } from '../../../errors.js';
import { publicMessage, retryAfterSeconds } from '../../messages.js';

const DRF_FORBIDDEN = 'You do not have permission to perform this action.';

/** `{"detail"}` or fields: the UAT/JWT API's shapes, which are Django REST framework's. */
export function detailErrorBody(error: TollgateError): unknown {
  if (error.fields) return error.fields;
  if (error.code === 'invalid_permission') return { permissions: [error.message] };
  if (error.code === 'invalid_expiry') return { expires_at: [error.message] };
  if (error.code === 'insufficient_permission' || error.code === 'role_required') {
    return { detail: DRF_FORBIDDEN };
  }
  // Django REST framework's own throttling message.
  if (error.code === 'rate_limited' && error.retryAfterSeconds !== undefined) {
    return {
      detail: `Request was throttled. Expected available in ${retryAfterSeconds(error.retryAfterSeconds)} seconds.`,
    };
  }
  // Django REST framework's ServiceUnavailable.
  if (error.code === 'login_overloaded')
    return { detail: 'Service temporarily unavailable, try again later.' };
  return { detail: publicMessage(error) };
}
