// The error answers each kind of route gets in the OpenAPI document: error-shape schemas, shared headers.
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CATALOGUE } from '../../errors.js';
import type { CredentialSource } from '../../types.js';
import { EnvelopeErrorSchema } from '../profiles/token-pair/error-body.js';
import { DetailErrorSchema, FieldErrorsSchema } from '../profiles/uat-jwt/error-body.js';
import { DefaultErrorSchema } from '../render.js';
import type { ErrorShape, HttpMethod, ResponseDoc } from '../types.js';

/** The 400 of the UAT/JWT API: messages per field, or `{"detail"}` (e.g. two credentials at once). */
const DetailBadRequest = z
  .union([FieldErrorsSchema, DetailErrorSchema])
  .meta({ id: 'DetailBadRequest', description: 'Messages per field, or a `detail`.' });

/** Each error shape's body, a named component; a new shape must say how its errors look. */
const ERROR_SCHEMAS: Readonly<
  Record<ErrorShape, { readonly error: z.ZodType; readonly badRequest: z.ZodType }>
> = {
  default: { error: DefaultErrorSchema, badRequest: DefaultErrorSchema },
  envelope: { error: EnvelopeErrorSchema, badRequest: EnvelopeErrorSchema },
  detail: { error: DetailErrorSchema, badRequest: DetailBadRequest },
};

export const HEADERS = {
  TollgateErrorCode: {
    name: 'Tollgate-Error-Code',
    object: {
      description: "The catalogue code of the refusal, whatever the body's shape.",
      schema: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
    },
  },
  WWWAuthenticate: {
    name: 'WWW-Authenticate',
    object: {
      description:
        'One challenge per scheme the route accepts, with the realm and, unless no credentials were sent, `error="invalid_token"` (RFC 9110 §11.6.1, RFC 6750 §3).',
      schema: { type: 'string' },
    },
  },
  RetryAfter: {
    name: 'Retry-After',
    object: {
      description: 'Seconds until a retry may succeed (on 429, and on 503 `login_overloaded`).',
      schema: { type: 'integer', minimum: 1 },
    },
  },
  CacheControl: {
    name: 'Cache-Control',
    object: {
      description: 'The answer carries a token: never stored.',
      schema: { type: 'string', const: 'no-store' },
    },
  },
  Pragma: {
    name: 'Pragma',
    object: { description: 'For HTTP/1.0 caches.', schema: { type: 'string', const: 'no-cache' } },
  },
} as const;
type HeaderKey = keyof typeof HEADERS;
const headerRef = (key: HeaderKey) => ({ $ref: `#/components/headers/${key}` });

export const JSON_TYPE = 'application/json';
const STATE_CHANGING: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One answer being put together: what the route declares, and what its kind adds. */
interface Answer {
  description: string;
  readonly content: Map<string, z.ZodType>;
  readonly headers: Map<string, { $ref: string } | { description: string; schema: { type: 'string' } }>;
}

/** The parts of a route the document is built from: a profile route's, or an app route's. */
export interface Documented {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly shape: ErrorShape;
  readonly carriesTokens: boolean;
  readonly security: readonly CredentialSource[] | undefined;
  readonly query?: z.ZodObject;
  readonly strictQuery: boolean;
  readonly body?: z.ZodType;
  readonly login: boolean;
  /** Its refusals are its own pages (`errorPage`): a declared answer is all it gives for that status. */
  readonly errorPages: boolean;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
}

/** The answers of a route: its own, and those every route like it gives, each with its headers. */
export function answersOf(route: Documented): Map<number, Answer> {
  const errors = ERROR_SCHEMAS[route.shape];
  const errorSchema = (status: number) => (status === 400 ? errors.badRequest : errors.error);
  const answers = new Map<number, Answer>();
  for (const [key, doc] of Object.entries(route.responses)) {
    const status = Number(key);
    const content = new Map<string, z.ZodType>();
    const type = doc.contentType ?? (doc.schema || status >= 400 ? JSON_TYPE : undefined);
    if (type === JSON_TYPE && status >= 400) content.set(type, errorSchema(status));
    else if (type !== undefined) content.set(type, doc.schema ?? z.string());
    const headers: Answer['headers'] = new Map();
    for (const [name, description] of Object.entries(doc.headers ?? {})) {
      headers.set(name, { description, schema: { type: 'string' } });
    }
    answers.set(status, { description: doc.description, content, headers });
  }
  // Refused before the route's handler runs: a JSON error, also beside a declared page (unless the
  // route renders those refusals as its pages too).
  const early = (status: number, description: string) => {
    const answer = answers.get(status);
    if (answer !== undefined && route.errorPages) return;
    if (answer === undefined) {
      answers.set(status, {
        description,
        content: new Map([[JSON_TYPE, errorSchema(status)]]),
        headers: new Map(),
      });
    } else if (!answer.content.has(JSON_TYPE)) {
      answer.content.set(JSON_TYPE, errorSchema(status));
      answer.description += ` Or: ${description}`;
    }
  };
  // Refused by the operation: unless the route answers it its own way.
  const late = (status: number, description: string) => {
    if (!answers.has(status)) {
      answers.set(status, {
        description,
        content: new Map([[JSON_TYPE, errorSchema(status)]]),
        headers: new Map(),
      });
    }
  };

  // Bad input: a field, a (repeated) query parameter, a path segment that is not percent-encoding;
  // the guard refuses two credentials at once.
  if (route.security || route.body || route.query || route.strictQuery || route.path.includes('{')) {
    early(400, 'Malformed request: a missing or invalid field or parameter, or more than one credential.');
  }
  if (route.security) {
    early(401, 'No credentials, or credentials that are not valid here.');
    if (route.security.includes('cookie') && STATE_CHANGING.has(route.method)) {
      early(403, 'A cookie-authenticated request from an origin that is not allowed.');
    }
  }
  if (route.body) {
    early(413, 'The request body is larger than allowed.');
    early(415, 'The request body is not `application/json`.');
  }
  if (route.login) {
    late(
      429,
      'Too many failed logins for this user or from this address; retry after `Retry-After` seconds.',
    );
    late(
      503,
      'Too many password checks under way (`login_overloaded`, with `Retry-After`), or the token store cannot be reached (`store_unavailable`).',
    );
  }
  late(503, 'The token store cannot be reached (`store_unavailable`); try again shortly.');

  for (const [status, answer] of answers) {
    const json = answer.content.has(JSON_TYPE);
    if (status >= 400 && json)
      answer.headers.set(HEADERS.TollgateErrorCode.name, headerRef('TollgateErrorCode'));
    if (status === 401 && json)
      answer.headers.set(HEADERS.WWWAuthenticate.name, headerRef('WWWAuthenticate'));
    if (status === 429 || status === 503)
      answer.headers.set(HEADERS.RetryAfter.name, headerRef('RetryAfter'));
    if (route.carriesTokens) {
      answer.headers.set(HEADERS.CacheControl.name, headerRef('CacheControl'));
      answer.headers.set(HEADERS.Pragma.name, headerRef('Pragma'));
    }
  }
  return new Map([...answers].sort(([a], [b]) => a - b));
}

export function responseConfig(answer: Answer): ResponseConfig {
  return {
    description: answer.description,
    ...(answer.headers.size > 0 ? { headers: Object.fromEntries(answer.headers) } : {}),
    ...(answer.content.size > 0
      ? { content: Object.fromEntries([...answer.content].map(([type, schema]) => [type, { schema }])) }
      : {}),
  };
}
