import { app, type InvocationContext, type Timer } from '@azure/functions';

import { complianceReportOf, getRuntime } from '../lib/appRuntime';
import { createLogger, errorFields } from '../lib/logger';
import {
  type ComplianceReportDeps,
  type ComplianceReportOptions,
  runComplianceReport,
} from '../lib/report/runComplianceReport';

/**
 * Timer trigger (schedule from AUTOPROTECT_REPORT_SCHEDULE): writes the compliance report. Can be run on demand
 * through the host's admin endpoint (POST /admin/functions/reportPendingBackups) or with runComplianceReport.
 */
export function createReportPendingBackupsHandler(
  getDeps: (context: InvocationContext) => { deps: ComplianceReportDeps; options: ComplianceReportOptions },
) {
  return async function reportPendingBackups(
    timer: Timer | null | undefined,
    context: InvocationContext,
  ): Promise<void> {
    const logger = createLogger(context);
    if (timer?.isPastDue) logger.warn('reportPendingBackups is running late', { isPastDue: true });
    try {
      const { deps, options } = getDeps(context);
      const report = await runComplianceReport(deps, options);
      logger.info('reportPendingBackups finished', {
        outcome: 'written',
        totals: report.totals,
        blobs: report.blobs.filter((path) => path.includes('latest')),
      });
    } catch (error) {
      logger.error('reportPendingBackups failed', { outcome: 'failed', error: errorFields(error) });
      throw error;
    }
  };
}

app.timer('reportPendingBackups', {
  schedule: '%AUTOPROTECT_REPORT_SCHEDULE%',
  runOnStartup: false,
  handler: createReportPendingBackupsHandler((context) => complianceReportOf(getRuntime(), context)),
});
