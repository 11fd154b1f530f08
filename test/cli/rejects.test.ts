import { TableClient } from '@azure/data-tables';

import { enqueueProtectionForEvent } from '../../src/lib/enqueue/enqueueProtectionForEvent';
import { createLogger } from '../../src/lib/logger';
import { TableRejectStore } from '../../src/lib/rejects/tableRejectStore';
import { eventGridVmWrite, WATCHED_SUBSCRIPTION } from '../helpers/factories/events';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import { runCaptured, writeSettingsFile } from './cliHarness';

const VAULT = `/subscriptions/${WATCHED_SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;
const SILENT = {
  functionName: 'test',
  invocationId: 'test',
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('autoprotect rejects list', () => {
  const table = uniqueName('clirejects');
  let settings: string;
  let tableClient: TableClient;

  beforeAll(async () => {
    settings = writeSettingsFile({
      AzureWebJobsStorage: testStorageConnectionString(),
      AUTOPROTECT_SUBSCRIPTION_IDS: WATCHED_SUBSCRIPTION,
      AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: VAULT }]),
      AUTOPROTECT_REJECTS_TABLE: table,
    });
    tableClient = TableClient.fromConnectionString(testStorageConnectionString(), table, {
      allowInsecureConnection: true,
    });
    // What the app does with the VM-write event of a name it refuses: the enqueue function records the reject.
    const rejects = new TableRejectStore(tableClient);
    const result = await enqueueProtectionForEvent(
      eventGridVmWrite({ resourceGroup: 'rg-app', name: 'Bad_Name!', id: 'evt-bad-name' }),
      { watchedSubscriptionIds: [WATCHED_SUBSCRIPTION], rejects, logger: createLogger(SILENT) },
    );
    expect(result).toMatchObject({ outcome: 'rejected', code: 'invalid-vm-resource-id' });
    await rejects.record({
      kind: 'message',
      code: 'invalid-message',
      reason: 'Protection request is not JSON',
      raw: 'not json',
      context: { queue: 'protection-requests' },
    });
  });

  afterAll(async () => {
    await tableClient.deleteTable().catch(() => undefined);
  });

  it('shows what the app rejected and why, one row per reject, with a count', async () => {
    const run = await runCaptured(['rejects', 'list', '--settings', settings]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RECORDED AT\s+KIND\s+CODE\s+SUBJECT\s+REASON$/);
    expect(lines.find((line) => line.includes(' event '))).toMatch(
      /^\S+Z\s+event\s+invalid-vm-resource-id\s+rg-app\/Bad_Name!\s+VM write for a resource that is not exactly a VM: VM name 'Bad_Name!' is not a/,
    );
    expect(lines.find((line) => line.includes(' message '))).toMatch(
      /^\S+Z\s+message\s+invalid-message\s+queue protection-requests\s+Protection request is not JSON$/,
    );
    expect(lines.at(-1)).toBe('2 rejected (1 event, 1 message)');
  });

  it('--json prints the records with the raw payload; --kind filters', async () => {
    const json = await runCaptured(['rejects', 'list', '--settings', settings, '--json', '--kind', 'event']);

    expect(json.code).toBe(0);
    const records = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'event',
      code: 'invalid-vm-resource-id',
      context: { eventId: 'evt-bad-name', subject: expect.stringMatching(/\/virtualMachines\/Bad_Name!$/) },
      truncated: false,
    });
    expect(JSON.parse(records[0]?.raw as string)).toMatchObject({ id: 'evt-bad-name' });
  });

  it('says so when nothing was rejected, and refuses an unknown --kind with exit 2', async () => {
    const empty = writeSettingsFile({
      AzureWebJobsStorage: testStorageConnectionString(),
      AUTOPROTECT_SUBSCRIPTION_IDS: WATCHED_SUBSCRIPTION,
      AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: VAULT }]),
      AUTOPROTECT_REJECTS_TABLE: uniqueName('cliemptyrejects'),
    });

    const none = await runCaptured(['rejects', 'list', '--settings', empty]);
    const badKind = await runCaptured(['rejects', 'list', '--settings', empty, '--kind', 'vm']);

    expect(none).toEqual({ code: 0, stdout: 'No rejected events or messages.\n', stderr: '' });
    expect(badKind).toMatchObject({
      code: 2,
      stderr: "autoprotect: --kind must be event or message, got 'vm' (see autoprotect --help)\n",
    });
  });
});
