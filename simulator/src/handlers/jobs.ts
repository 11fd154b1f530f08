import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { type ArmRequest, type ArmResponse, ok, param } from '../http';
import { jobStatus, jobView } from '../jobViews';
import { filterValue, parseFilter, parseJobFilterDate, sameText } from '../odataFilter';
import { pageOf } from '../paging';
import { requireVault } from './scope';

const JOB_FILTER_KEYS = ['status', 'backupManagementType', 'operation', 'jobId', 'startTime', 'endTime'] as const;

/** GET {V}/backupJobs/{job}. */
export function getJob(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const jobName = param(req, 'jobName');
  const job = ctx.store.jobs.get(jobName.toLowerCase());
  if (!job || job.vaultKey !== scope.vaultKey) throw armErrors.jobNotFound(jobName);
  return ok(jobView(scope.vault, job, req.now));
}

/**
 * GET {V}/backupJobs, newest first. `startTime eq` / `endTime eq` bound the job's start time to a window, as the
 * service and the CLI use them; the other keys compare case-insensitively.
 */
export function listJobs(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const filter = parseFilter(req, JOB_FILTER_KEYS);
  const from = filterValue(filter, 'startTime');
  const to = filterValue(filter, 'endTime');
  const fromMs = from === undefined ? -Infinity : parseJobFilterDate(from);
  const toMs = to === undefined ? Infinity : parseJobFilterDate(to);
  const jobs = ctx.store
    .jobsOf(scope.vaultKey)
    .filter((job) => sameText(filterValue(filter, 'status'), jobStatus(job, req.now)))
    .filter((job) => sameText(filterValue(filter, 'operation'), job.operation))
    .filter(() => sameText(filterValue(filter, 'backupManagementType'), 'AzureIaasVM'))
    .filter((job) => sameText(filterValue(filter, 'jobId'), job.id))
    .filter((job) => job.startTime >= fromMs && job.startTime <= toMs)
    .sort((a, b) => b.startTime - a.startTime || a.id.localeCompare(b.id));
  return ok(pageOf(req, jobs, (job) => jobView(scope.vault, job, req.now)));
}
