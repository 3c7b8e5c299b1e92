import { Readable } from 'node:stream';
import { parse as parseContentType } from 'content-type';
import getRawBody from 'raw-body';
import { TollgateError } from '../errors.js';
import type { HeaderValue, HttpRequest } from './types.js';

export function firstHeader(value: HeaderValue): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The media type (no parameters), as `content-type` parses the header; undefined when missing or malformed. */
function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return parseContentType(header).type;
  } catch {
    return undefined;
  }
}

/** `application/json` (any parameters); a malformed header is not. */
function isJson(header: string | undefined): boolean {
  return mediaTypeOf(header) === 'application/json';
}

/** raw-body's refusals as the catalogue's: over the limit 413; a body cut short or longer than declared 400. */
function fromRawBody(error: unknown): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new TollgateError('payload_too_large', { cause: error });
  if (type === 'request.size.invalid' || type === 'request.aborted') {
    return new TollgateError('malformed_request', {
      message: 'The request body does not match its Content-Length.',
      cause: error,
    });
  }
  return error;
}

/** The body's bytes, at most `limit` (413 past it, without reading further), checked against its declared length. */
async function readRawBody(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  declared: string | undefined,
): Promise<Buffer> {
  const stream = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
  try {
    return await getRawBody(stream, {
      limit,
      length: declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null,
    });
  } catch (error) {
    throw fromRawBody(error);
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes (OAuth's endpoints,
 * e.g. RFC 7662 introspection): its fields, or null for another media type or no body. Refuses a
 * larger body (413) and one that is not UTF-8 (400).
 */
export async function readFormBody(request: HttpRequest, limit: number): Promise<URLSearchParams | null> {
  const { body } = request;
  const declared = firstHeader(request.headers['content-length']);
  if (declared !== undefined && Number(declared) > limit) throw new TollgateError('payload_too_large');
  if (
    body === undefined ||
    mediaTypeOf(firstHeader(request.headers['content-type'])) !== 'application/x-www-form-urlencoded'
  ) {
    return null;
  }
  if ('parsed' in body) {
    // An app's own parser read it (e.g. express.urlencoded): its flat string fields, as sent.
    const parsed = body.parsed;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const fields = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') return null;
        fields.append(name, item);
      }
    }
    return fields;
  }
  let text: string;
  try {
    text = strictUtf8.decode(await readRawBody(body, limit, declared));
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw new TollgateError('malformed_request', { message: 'The request body is not UTF-8.', cause });
  }
  return new URLSearchParams(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes (`raw-body`). Refuses another media type (415,
 * `content-type` parsing the header), a larger body (413, without reading past the limit) and anything
 * that is not UTF-8 JSON (400). Returns undefined for a request without a body.
 */
export async function readJsonBody(request: HttpRequest, limit: number): Promise<unknown> {
  const { body } = request;
  const declared = firstHeader(request.headers['content-length']);
  // A declared length over the limit is refused before anything else, the media type included.
  if (declared !== undefined && Number(declared) > limit) throw new TollgateError('payload_too_large');
  const contentType = firstHeader(request.headers['content-type']);
  if (body === undefined || (contentType === undefined && (declared === undefined || declared === '0'))) {
    return undefined;
  }
  if (!isJson(contentType)) throw new TollgateError('unsupported_media_type');
  // Parsed by the app's own body parser (after the checks above: a form or text body an app
  // parser accepted is still refused, and a declared length over the limit still is too).
  if ('parsed' in body) return body.parsed;
  const bytes = await readRawBody(body, limit, declared);
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new TollgateError('malformed_request', { message: 'The request body is not UTF-8.', cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TollgateError('malformed_request', { message: 'The request body is not valid JSON.', cause });
  }
}
