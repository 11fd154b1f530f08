import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';

import { createEventGridSummaryPublisher, SUMMARY_EVENT_TYPE } from '../../../../src/lib/report/summaryPublisher';
import { complianceReport } from '../../../helpers/factories/report';
import { ScriptedHttpClient } from '../../../helpers/fakes/scriptedHttpClient';

describe('createEventGridSummaryPublisher', () => {
  it('sends one Event Grid event carrying the summary', async () => {
    const http = new ScriptedHttpClient().on('POST', (url) => url.pathname === '/api/events', { status: 200 });
    const client = new EventGridPublisherClient(
      'https://127.0.0.1:9/api/events',
      'EventGrid',
      new AzureKeyCredential('not-a-secret'),
      { httpClient: http, retryOptions: { maxRetries: 0 } },
    );
    const summary = {
      generatedAt: '2026-03-02T12:00:00.000Z',
      totals: {
        vaults: 2,
        protectedItems: 5,
        itemsByState: { Protected: 5 },
        stale: 0,
        failed: 1,
        firstBackupFailed: 0,
        pending: 0,
        skipped: 0,
        unprotected: 0,
        watchedVms: 6,
      },
      headline: complianceReport().headline,
      timeToRestorePoint: complianceReport().timeToRestorePoint,
      problems: 0,
      reenqueued: 0,
      latest: ['latest.html'],
    };
    await createEventGridSummaryPublisher(client).publish(summary);
    expect(http.requests).toHaveLength(1);
    expect(http.requests[0]?.body).toEqual([
      expect.objectContaining({
        eventType: SUMMARY_EVENT_TYPE,
        subject: 'autoprotect/reports/2026-03-02T12:00:00.000Z',
        dataVersion: '1.0',
        data: summary,
      }),
    ]);
  });

  it('fails when the topic refuses the event', async () => {
    const http = new ScriptedHttpClient().on('POST', () => true, {
      status: 401,
      body: { error: { code: 'Unauthorized', message: 'no' } },
    });
    const client = new EventGridPublisherClient(
      'https://127.0.0.1:9/api/events',
      'EventGrid',
      new AzureKeyCredential('x'),
      { httpClient: http, retryOptions: { maxRetries: 0 } },
    );
    await expect(
      createEventGridSummaryPublisher(client).publish({
        generatedAt: '2026-03-02T12:00:00.000Z',
        totals: {
          vaults: 0,
          protectedItems: 0,
          itemsByState: {},
          stale: 0,
          failed: 0,
          firstBackupFailed: 0,
          pending: 0,
          skipped: 0,
          unprotected: 0,
          watchedVms: 0,
        },
        headline: complianceReport().headline,
        timeToRestorePoint: complianceReport().timeToRestorePoint,
        problems: 0,
        reenqueued: 0,
        latest: [],
      }),
    ).rejects.toThrow();
  });
});
