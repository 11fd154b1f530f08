import type { ReportStore } from '../../../src/lib/report/reportStore';
import type { ReportSummary } from '../../../src/lib/report/reportTypes';
import type { SummaryPublisher } from '../../../src/lib/report/summaryPublisher';

export class MemoryReportStore implements ReportStore {
  readonly files = new Map<string, { content: string; contentType: string }>();
  /** Paths in the order they were written. */
  readonly writes: string[] = [];
  /** A put for which this returns true fails (storage gone), writing nothing. */
  failPut: (path: string) => boolean = () => false;

  async put(path: string, content: string, contentType: string): Promise<void> {
    if (this.failPut(path))
      throw Object.assign(new Error(`write of ${path} failed: socket hang up`), { code: 'ECONNRESET' });
    this.files.set(path, { content, contentType });
    this.writes.push(path);
  }

  async *list(prefix: string): AsyncIterable<string> {
    for (const name of [...this.files.keys()].sort()) if (name.startsWith(prefix)) yield name;
  }

  async get(path: string): Promise<string | undefined> {
    return this.files.get(path)?.content;
  }

  text(path: string): string {
    const file = this.files.get(path);
    if (!file) throw new Error(`no report file ${path}; have ${[...this.files.keys()].join(', ')}`);
    return file.content;
  }
}

export class RecordingPublisher implements SummaryPublisher {
  readonly published: ReportSummary[] = [];
  failWith: Error | undefined;

  async publish(summary: ReportSummary): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(summary);
  }
}
