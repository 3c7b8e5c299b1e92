// The OpenAPI security schemes: how each credential source is sent.
import type { CredentialSource } from '../../types.js';
import type { ResolvedHttpOptions } from '../types.js';

/**
 * The `Authorization` schemes. `JWT` and `UAT` are HTTP authentication schemes of their own
 * (`Authorization: JWT <token>`), so `type: http` with that scheme name: OpenAPI takes any scheme
 * name there, and Redocly, swagger-parser and openapi-typescript accept it (test/openapi in the
 * Express example checks).
 */
export function securityScheme(
  source: CredentialSource,
  options: ResolvedHttpOptions,
): Record<string, unknown> {
  switch (source) {
    case 'Bearer':
      return {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access, user or delegated token: `Authorization: Bearer <token>`.',
      };
    case 'JWT':
      return { type: 'http', scheme: 'JWT', description: 'An access token: `Authorization: JWT <token>`.' };
    case 'UAT':
      return {
        type: 'http',
        scheme: 'UAT',
        description: 'A user authorization token: `Authorization: UAT <token>`.',
      };
    case 'cookie':
      return {
        type: 'apiKey',
        in: 'cookie',
        name: options.cookieName,
        description:
          'The session cookie set by delegated login. A request that changes state must also come from an allowed origin (`Origin`).',
      };
    case 'path':
      // A token in the URL path is a path parameter of the route, documented there.
      return {};
  }
}
