import { TollgateError } from '../errors.js';
import type { RouteDefinition } from './types.js';

/** A route with its path split once, for matching. */
export interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly segments: readonly string[];
}

const BASE = 'http://tollgate.invalid';
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A request target as the router reads it, the URL standard's way (back slashes are slashes, dot
 * segments resolved, tabs and newlines dropped): an absolute-form target (`http://host/path`) as
 * a URL, anything else as a path, even one that starts with `//`. Null when it cannot be parsed.
 */
export function parseRequestTarget(target: string): URL | null {
  try {
    if (ABSOLUTE_FORM.test(target)) return new URL(target);
    return new URL(target.startsWith('/') || target.startsWith('\\') ? BASE + target : `${BASE}/${target}`);
  } catch {
    return null;
  }
}

/** `path` without its trailing slashes (a mount prefix), in one pass. */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

/** Path segments; empty ones (doubled or trailing slashes) are not significant. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

export function compileRoutes(routes: readonly RouteDefinition[], prefix: string): CompiledRoute[] {
  return routes.map((route) => ({ route, segments: splitPath(prefix + route.path) }));
}

/**
 * The path parameters, percent-decoded, when `actual` matches `pattern`; else null. Every literal
 * segment is compared before any parameter is decoded: a path that is not this route's is never
 * refused for a bad escape (it stays the app's), one that is gets `malformed_request`.
 */
export function matchSegments(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    if (!expected.startsWith('{') && expected !== actual[i]) return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    if (!expected.startsWith('{')) continue;
    try {
      params[expected.slice(1, -1)] = decodeURIComponent(actual[i]!);
    } catch (cause) {
      throw new TollgateError('malformed_request', {
        message: 'A path segment is not valid percent-encoding.',
        cause,
      });
    }
  }
  return params;
}

/** The first route whose path matches, with its parameters; undefined when none does. */
export function findRoute(
  compiled: readonly CompiledRoute[],
  actual: readonly string[],
): { readonly route: RouteDefinition; readonly params: Record<string, string> } | undefined {
  for (const { route, segments } of compiled) {
    let params: Record<string, string> | null;
    try {
      params = matchSegments(segments, actual);
    } catch {
      params = null;
    }
    if (params !== null) return { route, params };
  }
  return undefined;
}
