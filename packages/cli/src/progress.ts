/** Where progress goes: a stream that may be a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Reports a running count. On a terminal it rewrites one line in place (at most 10 times a second); elsewhere
 * (a log file, a job runner) it prints a plain line at most once a second.
 */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #started = performance.now();
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(stream: ProgressStream, label: string) {
    this.#stream = stream;
    this.#label = label;
  }

  /** Seconds since the start. */
  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Rows per second so far. */
  rate(count: number): number {
    const s = this.seconds;
    return s > 0 ? count / s : 0;
  }

  /** Reports the count so far. */
  update(count: number): void {
    const now = performance.now();
    const tty = this.#stream.isTTY === true;
    if (now - this.#lastDraw < (tty ? 100 : 1000)) return;
    this.#lastDraw = now;
    const line = `${this.#label} ${fmt(count)} so far (${fmt(this.rate(count))} rows/s)`;
    if (tty) {
      this.#stream.write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  /** Clears the in-place line, if one was drawn. */
  end(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

/** Formats a number for people: `12,345`. */
export const formatCount = fmt;
