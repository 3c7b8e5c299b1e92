import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One HTTP response, read to the end. */
export class Reply {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly headers: Headers,
    readonly text: string,
  ) {}

  /** The body parsed as JSON (throws when it is not JSON). */
  json(): unknown {
    return JSON.parse(this.text) as unknown;
  }

  /** A one-line description for assertion messages. */
  toString(): string {
    const body = this.text.length > 600 ? `${this.text.slice(0, 600)}…` : this.text;
    return `${this.method} ${this.path} → ${this.status} ${body}`;
  }
}

export interface FetchOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised with JSON.stringify and sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as is; give a content type in `headers` (fetch defaults strings to text/plain). */
  readonly body?: string | Uint8Array;
}

/** A request through Node's global fetch: what a client of the API does. */
export async function fetchReply(base: string, path: string, options: FetchOptions = {}): Promise<Reply> {
  const method =
    options.method ?? (options.json !== undefined || options.body !== undefined ? 'POST' : 'GET');
  const headers = new Headers(options.headers);
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const init: RequestInit = { method, headers, redirect: 'manual' };
  if (body !== undefined) init.body = body;
  const response = await fetch(new URL(path, base), init);
  const text = await response.text();
  return new Reply(method, path, response.status, response.headers, text);
}

/** Header name → value; an array value sends the header once per element. */
export type RawHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface RawOptions {
  readonly method: string;
  /** Sent verbatim as the request target. */
  readonly path: string;
  /** An array value sends the header once per element. */
  readonly headers?: RawHeaders;
  readonly body?: string | Buffer;
  /** Written one after the other without a Content-Length (chunked transfer coding). */
  readonly chunks?: readonly Buffer[];
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/**
 * A request through `node:http` on a fresh connection, for what fetch cannot express: repeated headers,
 * raw bytes in header values, chunked bodies, arbitrary request targets.
 */
export function rawReply(base: string, options: RawOptions): Promise<Reply> {
  const url = new URL(base);
  return new Promise<Reply>((resolve, reject) => {
    let answered = false;
    const request = httpRequest({
      host: url.hostname,
      port: url.port,
      method: options.method,
      path: options.path,
      agent: false,
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) request.setHeader(name, value);
    request.on('response', (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        answered = true;
        const text = Buffer.concat(parts).toString('utf8');
        resolve(
          new Reply(
            options.method,
            options.path,
            response.statusCode ?? 0,
            toHeaders(response.headers),
            text,
          ),
        );
      });
      response.on('error', (error) => {
        if (!answered) reject(error);
      });
    });
    // A server may answer (413) and close before it has read the whole body: only an error that
    // comes before any answer fails the request.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) request.write(chunk);
    } else if (options.body !== undefined) {
      request.write(options.body);
    }
    request.end();
  });
}
