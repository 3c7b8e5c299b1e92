import { Readable } from 'node:stream';
import { parse as parseContentType } from 'content-type';
import getRawBody from 'raw-body';
import { TollgateError } from '../errors.js';
import type { HeaderValue, HttpRequest } from './types.js';

export function firstHeader(value: HeaderValue): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json` (any parameters), as `content-type` parses the header; a malformed header is not. */
function isJson(header: string | undefined): boolean {
  if (header === undefined) return false;
  try {
    return parseContentType(header).type === 'application/json';
  } catch {
    return false;
  }
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
  const stream = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
  let bytes: Buffer;
  try {
    bytes = await getRawBody(stream, {
      limit,
      length: declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null,
    });
  } catch (error) {
    throw fromRawBody(error);
  }
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
