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

/** What an adapter's framework has already worked out about a request, read only when needed. */
export interface NodeRequestReader<S> {
  /** Path and query as received (Express `req.originalUrl`, Koa `ctx.originalUrl`). */
  url(source: S): string;
  /** The client IP the framework trusts (Express `req.ip`, Koa `ctx.ip`: they honour proxy settings). */
  clientIp(source: S): string | undefined;
  /** What a body parser the app mounted earlier produced, or undefined (the core reads the stream). */
  parsedBody(source: S): unknown;
}

const PLAIN_NODE: NodeRequestReader<IncomingMessage> = {
  url: (req) => req.url ?? '/',
  clientIp: (req) => req.socket?.remoteAddress,
  parsedBody: () => undefined,
};

/**
 * A Node request as the core's `HttpRequest`, translated once and lazily: each part (headers, URL,
 * client IP, body) is read only when the core asks for it, so a cache hit reads the headers alone.
 */
class NodeHttpRequest<S> implements HttpRequest {
  readonly #raw: IncomingMessage;
  readonly #source: S;
  readonly #reader: NodeRequestReader<S>;
  #headers: Readonly<Record<string, HeaderValue>> | undefined;

  constructor(raw: IncomingMessage, source: S, reader: NodeRequestReader<S>) {
    this.#raw = raw;
    this.#source = source;
    this.#reader = reader;
  }

  get method(): string {
    return this.#raw.method ?? 'GET';
  }

  get url(): string {
    return this.#reader.url(this.#source);
  }

  get headers(): Readonly<Record<string, HeaderValue>> {
    this.#headers ??= nodeHeaders(this.#raw);
    return this.#headers;
  }

  get clientIp(): string | undefined {
    return this.#reader.clientIp(this.#source) ?? this.#raw.socket?.remoteAddress;
  }

  get body(): AsyncIterable<Uint8Array> | { readonly parsed: unknown } {
    const parsed = this.#reader.parsedBody(this.#source);
    return parsed !== undefined ? { parsed } : this.#raw;
  }
}

/** Translates a plain Node request (`node:http`): URL as received, the socket's peer as client IP. */
export function fromNodeRequest(req: IncomingMessage): HttpRequest;
/** Translates a framework's request: `source` is what `reader` reads (Express's `req`, Koa's `ctx`). */
export function fromNodeRequest<S>(
  req: IncomingMessage,
  source: S,
  reader: NodeRequestReader<S>,
): HttpRequest;
export function fromNodeRequest<S>(
  req: IncomingMessage,
  source?: S,
  reader?: NodeRequestReader<S>,
): HttpRequest {
  return reader === undefined
    ? new NodeHttpRequest(req, req, PLAIN_NODE)
    : new NodeHttpRequest(req, source as S, reader);
}

/** Writes a core `HttpResponse` to a Node response. */
export function writeNodeResponse(res: ServerResponse, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.end(response.body ?? undefined);
}
