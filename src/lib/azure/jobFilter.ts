import type { JobQuery } from './ports';

/** Job filter dates: `yyyy-MM-dd hh:mm:ss tt` (12-hour clock with AM/PM), UTC. */
export function formatJobFilterTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const hours = date.getUTCHours();
  const twelve = hours % 12 === 0 ? 12 : hours % 12;
  const meridiem = hours < 12 ? 'AM' : 'PM';
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(twelve)}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${meridiem}`;
}

/** The OData-like $filter of backupJobs.list for IaaS VM jobs in a window. */
export function buildJobFilter(query: JobQuery): string {
  const parts = [
    `startTime eq '${formatJobFilterTime(query.from)}'`,
    `endTime eq '${formatJobFilterTime(query.to)}'`,
    ...(query.operation ? [`operation eq '${query.operation}'`] : []),
    `backupManagementType eq 'AzureIaasVM'`,
  ];
  return parts.join(' and ');
}
