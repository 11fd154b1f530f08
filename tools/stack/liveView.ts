import type { VmProgress } from './demoProgress';

const ICON: Record<string, string> = {
  created: '…',
  'event-received': '→',
  'protection-enabled': '◐',
  'backup-running': '◑',
  'backup-retrying': '↻',
  protected: '✔',
  skipped: '–',
  failed: '✘',
  'backup-failed': '✘',
};

/**
 * Shows each demo VM's progress. On a terminal the table is redrawn in place; elsewhere (CI, a pipe)
 * a line is printed whenever a VM changes stage, so the log reads as a timeline.
 */
export class LiveView {
  private readonly last = new Map<string, string>();
  private drawnLines = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(rows: VmProgress[]): void {
    if (this.out.isTTY) this.redraw(rows);
    else this.printChanges(rows);
  }

  /** A one-off line about a VM (printed above the table on a terminal, in the timeline elsewhere). */
  note(vm: { name: string; location: string }, text: string): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(5);
    const line = `  [${seconds} s] ${vm.name.padEnd(12)} ${vm.location.padEnd(11)}   ${text}`;
    if (this.out.isTTY && this.drawnLines > 0) {
      this.out.write(`\x1b[${this.drawnLines}A\x1b[2K${line}\n`);
      this.drawnLines = 0;
    } else this.out.write(`${line}\n`);
  }

  private redraw(rows: VmProgress[]): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A`);
    const lines = [
      `  ${'VM'.padEnd(12)} ${'region'.padEnd(11)} progress   (${((Date.now() - this.startedAt) / 1000).toFixed(0)} s)`,
    ];
    for (const row of rows)
      lines.push(`  ${row.vm.name.padEnd(12)} ${row.vm.location.padEnd(11)} ${ICON[row.stage] ?? ' '} ${row.detail}`);
    for (const line of lines) this.out.write(`\x1b[2K${line}\n`);
    this.drawnLines = lines.length;
  }

  private printChanges(rows: VmProgress[]): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(5);
    for (const row of rows) {
      const key = `${row.stage}|${row.detail}`;
      if (this.last.get(row.vm.name) === key) continue;
      this.last.set(row.vm.name, key);
      this.out.write(
        `  [${seconds} s] ${row.vm.name.padEnd(12)} ${row.vm.location.padEnd(11)} ${ICON[row.stage] ?? ' '} ${row.detail}\n`,
      );
    }
  }
}
