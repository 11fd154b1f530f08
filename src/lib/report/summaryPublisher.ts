import type { EventGridPublisherClient } from '@azure/eventgrid';

import type { ReportSummary } from './reportTypes';

export const SUMMARY_EVENT_TYPE = 'Autoprotect.ComplianceReport.Generated';

export interface SummaryPublisher {
  publish(summary: ReportSummary): Promise<void>;
}

/** Publishes the summary to a custom Event Grid topic (Event Grid schema). */
export function createEventGridSummaryPublisher(client: EventGridPublisherClient<'EventGrid'>): SummaryPublisher {
  return {
    async publish(summary) {
      await client.send([
        {
          eventType: SUMMARY_EVENT_TYPE,
          subject: `autoprotect/reports/${summary.generatedAt}`,
          dataVersion: '1.0',
          eventTime: new Date(summary.generatedAt),
          data: summary,
        },
      ]);
    },
  };
}
