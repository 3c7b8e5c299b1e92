/** One JSON line of an app's log (pino-http's `request completed` lines carry `req` and `res`). */
export interface LogEntry {
  readonly line: string;
  readonly req?: { readonly method?: string; readonly url?: string };
  readonly res?: { readonly statusCode?: number };
}

/**
 * An app's real log, kept in memory: give `stream` to the app's pino logger (the examples'
 * `logDestination`), then read what it wrote. Waiting is on writes, never on a timer.
 */
export interface RequestLog {
  /** A pino destination. */
  readonly stream: { write(chunk: string): boolean };
  /** Every line so far. */
  readonly entries: readonly LogEntry[];
  /** The first entry from index `from` on that passes `test`, once it is written. */
  waitFor(from: number, test: (entry: LogEntry) => boolean): Promise<LogEntry>;
}

function parse(line: string): LogEntry {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? { ...(value as object), line } : { line };
  } catch {
    return { line };
  }
}

export function createRequestLog(): RequestLog {
  const entries: LogEntry[] = [];
  let waiters: { from: number; test: (entry: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];
  let partial = '';
  const find = (from: number, test: (entry: LogEntry) => boolean) => entries.slice(from).find(test);
  return {
    stream: {
      write(chunk: string) {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.length > 0) entries.push(parse(line));
        waiters = waiters.filter((waiter) => {
          const found = find(waiter.from, waiter.test);
          if (found) waiter.resolve(found);
          return found === undefined;
        });
        return true;
      },
    },
    entries,
    waitFor(from, test) {
      const found = find(from, test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ from, test, resolve }));
    },
  };
}

/**
 * `text` and every way a reader of the log might decode it (percent-decoding, `+` as a space,
 * repeatedly): a secret must appear in none of them.
 */
export function decodings(text: string): string[] {
  const decode = (s: string, plusIsSpace: boolean) =>
    new URLSearchParams(`x=${(plusIsSpace ? s : s.replaceAll('+', '%2B')).replaceAll('&', '%26')}`).get(
      'x',
    ) ?? s;
  const out = new Set([text]);
  for (const plusIsSpace of [false, true]) {
    let current = text;
    for (let i = 0; i < 4; i++) {
      const next = decode(current, plusIsSpace);
      if (next === current) break;
      out.add(next);
      current = next;
    }
  }
  return [...out];
}

/** The secrets of `secrets` that `text` shows in any decoded form. */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  const forms = decodings(text);
  // JSON escapes a `\` or `"` of the URL: read the line's strings as they were.
  const unescaped = forms.map((form) => form.replaceAll('\\\\', '\\').replaceAll('\\"', '"'));
  return secrets.filter((secret) => [...forms, ...unescaped].some((form) => form.includes(secret)));
}
