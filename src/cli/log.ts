/**
 * The run's log: each line goes to the terminal (above the progress bar) and, once path_output is
 * known, to path_output/<log_file> with a timestamp and level, as ivadomed's log file. Lines logged
 * before the file is opened are kept and written when it is.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface LineSink {
  line(text: string): void;
}

export class RunLog {
  private file: string | null = null;
  private pending: string[] = [];

  constructor(private readonly terminal: LineSink, private readonly errors: LineSink = terminal) {}

  /** Starts writing to `file` (appending: a resumed run continues the same log). */
  open(file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    this.file = file;
    const lines = this.pending;
    this.pending = [];
    for (const l of lines) appendFileSync(file, l);
  }

  get path(): string | null {
    return this.file;
  }

  info(message: string): void {
    this.terminal.line(message);
    this.record('INFO', message);
  }

  warning(message: string): void {
    this.terminal.line(message.startsWith('config warning') ? message : `warning: ${message}`);
    this.record('WARNING', message);
  }

  error(message: string): void {
    this.errors.line(`error: ${message}`);
    this.record('ERROR', message);
  }

  private record(level: string, message: string): void {
    const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const text = message.split('\n').map((m) => `${stamp} | ${level.padEnd(7)} | ${m}\n`).join('');
    if (this.file) appendFileSync(this.file, text);
    else this.pending.push(text);
  }
}
