import type { OutputStream } from '../io';

export interface Progress {
  /** One more item done; `detail` names it (shown on a TTY). */
  tick(detail?: string): void;
  /** Writes the final state (and ends the bar's line on a TTY). */
  done(): void;
}

export interface ProgressOptions {
  /** Without a TTY, at most one line per this many ms (plus the final one). Default 2000. */
  intervalMs?: number;
  nowMs?: () => number;
  width?: number;
}

/**
 * A progress bar redrawn in place on a TTY (`label [#####.....] 5/10 vm-name`); elsewhere (pipes, CI logs) it
 * degrades to a plain `label: 5/10` line at most every `intervalMs`, and always one at the end.
 */
export function createProgress(
  stream: OutputStream,
  label: string,
  total: number,
  options: ProgressOptions = {},
): Progress {
  const nowMs = options.nowMs ?? Date.now;
  const intervalMs = options.intervalMs ?? 2000;
  const width = options.width ?? 30;
  let count = 0;
  let lastLineMs = nowMs();
  let finished = false;

  const bar = (detail: string) => {
    const filled = total === 0 ? width : Math.round((count / total) * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}${detail ? ` ${detail}` : ''}`;
  };

  return {
    tick(detail = '') {
      count = Math.min(total, count + 1);
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${bar(detail)}`);
        return;
      }
      if (nowMs() - lastLineMs >= intervalMs && count < total) {
        lastLineMs = nowMs();
        stream.write(`${label}: ${count}/${total}\n`);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      stream.write(stream.isTTY ? `\r\x1b[2K${bar('')}\n` : `${label}: ${count}/${total}\n`);
    },
  };
}
