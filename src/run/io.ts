/**
 * What the run layer reports through: progress while it works and the reload
 * at the end. The CLI gives the implementations (a terminal status line, or
 * plain lines in CI and pipes); tests give their own.
 */
import type { CertReport } from '../model/report.js';

export interface Progress {
  start(name: string, index: number, total: number): void;
  line(name: string, text: string): void;
  done(name: string, summary: string): void;
  note(text: string): void;
  close(): void;
}

export interface ReloadReport {
  attempted: boolean;
  ok: boolean;
  message: string;
  /** --no-reload: something else reloads nginx. */
  skipped?: boolean;
}

/** What a run came to: the end-of-run summary (its --json form is documented in the README). */
export interface RunSummary {
  ok: boolean;
  certificates: CertReport[];
  reload: ReloadReport;
}
