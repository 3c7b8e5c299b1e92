import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderValue, HttpRequest, HttpResponse } from './types.js';

/**
 * `req.headers`, except that a repeated `Authorization` header (which Node keeps only the
 * first of) comes back as the array of its values, so it is refused rather than half-read.
 * Allocates nothing in the usual case.
 */
export function nodeHeaders(req: {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}): Readonly<Record<string, HeaderValue>> {
  if (req.headers.authorization === undefined) return req.headers;
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') values.push(raw[i + 1]!);
  }
  return values.length > 1 ? { ...req.headers, authorization: values } : req.headers;
}

/**
 * The part of a Node request a cache hit reads (`TollgateHttp.guardCached`): method, URL and
 * headers, without the body or the client address, so adapters can try the cache before paying for
 * the whole translation (a framework's client-IP getter parses the proxy chain).
 */
export function nodeRequestHead(
  req: Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'rawHeaders'>,
  url: string = req.url ?? '/',
): HttpRequest {
  return { method: req.method ?? 'GET', url, headers: nodeHeaders(req) };
}

/** A Node request as the core's `HttpRequest`; a body parsed by the app is passed as parsed. */
export function fromNodeRequest(
  req: IncomingMessage,
  options: {
    readonly url?: string;
    readonly parsedBody?: unknown;
    readonly clientIp?: string | undefined;
  } = {},
): HttpRequest {
  return {
    method: req.method ?? 'GET',
    url: options.url ?? req.url ?? '/',
    headers: nodeHeaders(req),
    body: options.parsedBody !== undefined ? { parsed: options.parsedBody } : req,
    clientIp: options.clientIp ?? req.socket?.remoteAddress,
  };
}

/** Writes a core `HttpResponse` to a Node response. */
export function writeNodeResponse(res: ServerResponse, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.end(response.body ?? undefined);
}
