/** Exit codes: 0 ok, 1 input data error, 2 usage error (flag, metric, config), 3 an --alert fired. */
export const ExitCode = { ok: 0, data: 1, usage: 2, alert: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A known, user-facing error: one line on stderr, no stack (unless --debug), and an exit code.
 * Branch on `code`, never on the message text.
 */
export class FunnelError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunnelError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Input data problem (unreadable file, missing column, --strict rejection): exit 1. */
export const dataError = (code: string, message: string, cause?: unknown) =>
  new FunnelError(code, message, ExitCode.data, { cause });

/** Usage problem (bad flag, bad config, bad date in a flag): exit 2. */
export const usageError = (code: string, message: string, cause?: unknown) =>
  new FunnelError(code, message, ExitCode.usage, { cause });

/**
 * Characters a terminal would act on or that hide or reorder text: C0 and C1 controls (ANSI escape
 * sequences start with one), DEL, the line and paragraph separators, and the format characters
 * (bidi controls such as U+202E and U+2066, zero-width spaces and joiners, the BOM, tag characters).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
/** Printable ASCII: nothing to escape (most texts). */
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * The one escaping of text from the data or from file names wherever it reaches a terminal (tables,
 * markdown, every message on stderr): tab, LF and CR as `\t`, `\n`, `\r`; other controls as `\x1b`;
 * bidi and zero-width characters as `\u{202E}`. Everything else, backslashes included, is left as is.
 */
export function escapeText(text: string): string {
  if (PLAIN.test(text)) return text;
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.codePointAt(0)!;
    return code <= 0xff ? '\\x' + code.toString(16).padStart(2, '0') : '\\u{' + code.toString(16).toUpperCase() + '}';
  });
}

/** Text of several lines (help, a stack trace) escaped line by line: its own line breaks are kept. */
export const escapeLines = (text: string): string => text.split('\n').map(escapeText).join('\n');

/** Shows a value from the data inside a message: quoted, escaped (see escapeText), long values cut. */
export function showValue(value: string, max = 60): string {
  const shown = value.length > max ? value.slice(0, max) + '…' : value;
  return `"${escapeText(shown.replace(/["\\]/g, '\\$&'))}"`;
}

/** A time for a message: a date when it is 00:00 UTC (as a date-only value is read), else the ISO date-time in UTC. */
export function showTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}
