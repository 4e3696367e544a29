/** An error the CLI reports as its message alone (no stack) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: 0 success, 1 runtime failure, 2 usage or config error, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
