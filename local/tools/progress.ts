/**
 * A one-line terminal progress bar for the local CLIs (`npm run drop`): redrawn in place on a TTY at most
 * every 100 ms, plain lines every 10% (and at the end) when the output is a file or a pipe. Small enough
 * not to need a dependency.
 *
 *   const bar = progressBar('upload', 3_200_000, { unit: 'bytes' });
 *   bar.update(1_000_000); ... bar.done('uploaded');
 *
 * A total of 0 (unknown) shows a spinner with the count and the elapsed time instead of a bar.
 */

export interface ProgressBar {
  update(current: number, note?: string): void;
  /** Set or change the total (e.g. once it is known). */
  setTotal(total: number): void;
  done(note?: string): void;
}

export interface ProgressOptions {
  readonly unit?: 'bytes' | 'rows';
  readonly stream?: NodeJS.WriteStream;
  /** Width of the bar in characters. @default 28 */
  readonly width?: number;
}

function amount(n: number, unit: 'bytes' | 'rows'): string {
  if (unit === 'rows') return n.toLocaleString('en-US');
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

const SPINNER = ['|', '/', '-', '\\'];

export function progressBar(label: string, total: number, opts: ProgressOptions = {}): ProgressBar {
  const stream = opts.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const width = opts.width ?? 28;
  const unit = opts.unit ?? 'rows';
  const started = Date.now();
  let max = total;
  let last = 0;
  let lastDraw = 0;
  let lastDecile = -1;
  let spin = 0;
  let finished = false;

  const line = (current: number, note: string | undefined): string => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const tail = note === undefined ? '' : `  ${note}`;
    if (max <= 0) return `${label} ${SPINNER[spin++ % SPINNER.length] ?? ''} ${amount(current, unit)}  ${secs} s${tail}`;
    const ratio = Math.min(1, current / max);
    const filled = Math.round(ratio * width);
    const rate = current / Math.max(0.001, (Date.now() - started) / 1000);
    const rateText = unit === 'bytes' ? `${amount(rate, unit)}/s` : `${Math.round(rate).toLocaleString('en-US')} rows/s`;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${amount(current, unit)} / ${amount(max, unit)}  ${rateText}  ${secs} s${tail}`;
  };

  const draw = (current: number, note: string | undefined, force: boolean): void => {
    if (tty) {
      if (!force && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      stream.write(`\r\u001b[2K${line(current, note)}`);
      return;
    }
    const decile = max > 0 ? Math.floor((Math.min(1, current / max) * 100) / 10) : -1;
    if (force || decile > lastDecile) {
      lastDecile = decile;
      stream.write(`${line(current, note)}\n`);
    }
  };

  return {
    update(current, note) {
      if (finished) return;
      last = current;
      draw(current, note, false);
    },
    setTotal(total) {
      max = total;
    },
    done(note) {
      if (finished) return;
      finished = true;
      if (max > 0) last = Math.max(last, max);
      if (tty) {
        stream.write(`\r\u001b[2K${line(last, note)}\n`);
      } else {
        stream.write(`${line(last, note)}\n`);
      }
    },
  };
}
