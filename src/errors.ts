/** Exit codes of SPEC §5. */
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

/** Shows a value from the data inside a message: quoted, control characters escaped, long values cut. */
export function showValue(value: string, max = 60): string {
  let shown = value.length > max ? value.slice(0, max) + '…' : value;
  // eslint-disable-next-line no-control-regex
  shown = shown.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]/g, (ch) =>
    ch === '"' ? '\\"' : ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t'
      : '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return `"${shown}"`;
}
