import { z } from 'zod';
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

/** The `{"detail"}` body's schema, a named component of the OpenAPI document. */
export const DetailErrorSchema = z
  .object({ detail: z.string() })
  .meta({ id: 'DetailError', description: "The UAT/JWT API's refusal (Django REST framework's)." });

/** Messages per field (`non_field_errors` for the whole request), as Django REST framework writes them. */
export const FieldErrorsSchema = z.record(z.string(), z.array(z.string())).meta({
  id: 'FieldErrors',
  description: 'Messages per request field (`non_field_errors`: the request as a whole).',
});
