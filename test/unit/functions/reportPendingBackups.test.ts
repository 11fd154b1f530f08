import { createReportPendingBackupsHandler } from '../../../src/functions/reportPendingBackups';
import { reportHarness } from '../../helpers/factories/report';

describe('reportPendingBackups', () => {
  it('writes the report and logs the totals, warning when the timer is past due', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, h.vm('vm-stuck'));
    const handler = createReportPendingBackupsHandler(() => ({ deps: h.deps, options: h.options }));
    await handler(
      { isPastDue: true, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
      h.context,
    );
    expect(h.store.files.has('reports-test/latest.html')).toBe(true);
    expect(h.logs).toHaveLogged({
      level: 'info',
      message: 'reportPendingBackups finished',
      outcome: 'written',
      totals: { stale: 1 },
      functionName: 'reportPendingBackups',
    });
    expect(h.logs).toHaveLogged({ level: 'warn', isPastDue: true });
  });

  it('fails the invocation (and logs it) when the report cannot be written', async () => {
    const h = reportHarness();
    h.store.put = async () => {
      throw new Error('blob storage down');
    };
    const handler = createReportPendingBackupsHandler(() => ({ deps: h.deps, options: h.options }));
    await expect(handler(null, h.context)).rejects.toThrow('blob storage down');
    expect(h.logs).toHaveLogged({
      level: 'error',
      outcome: 'failed',
      error: { message: 'blob storage down' },
    });
  });
});
