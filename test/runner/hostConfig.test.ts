import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHostOptions, parseTimeSpan } from '../../tools/local-runner/hostJson';
import {
  loadAppSettings,
  resolveQueueName,
  resolveSettingTokens,
  resolveStorageConnection,
} from '../../tools/local-runner/settings';
import { parseSchedule } from '../../tools/local-runner/triggers/ncrontab';
import { tempDir } from '../helpers/tempDir';

describe('local runner configuration', () => {
  describe('app settings', () => {
    it('layers the environment, then local.settings.json Values, then explicit settings', () => {
      const dir = tempDir('runner-settings-');
      writeFileSync(
        join(dir, 'local.settings.json'),
        JSON.stringify({ IsEncrypted: false, Values: { A: 'file', B: 'file', N: 5 } }),
      );
      const settings = loadAppSettings(dir, { B: 'explicit' }, { A: 'env', C: 'env' });
      expect(settings).toMatchObject({ A: 'file', B: 'explicit', C: 'env', N: '5' });
    });

    it('does not read local.settings.json when told not to (the local stack decides every setting itself)', () => {
      const dir = tempDir('runner-settings-');
      writeFileSync(join(dir, 'local.settings.json'), JSON.stringify({ Values: { A: 'file', F: 'file' } }));
      const settings = loadAppSettings(dir, { B: 'explicit' }, { A: 'env' }, { readLocalSettings: false });
      expect(settings).toEqual({ A: 'env', B: 'explicit' });
    });

    it('resolves %SETTING% tokens and names the missing setting', () => {
      expect(resolveSettingTokens('%Q%-x', { Q: 'work' })).toBe('work-x');
      expect(() => resolveSettingTokens('%MISSING%', {})).toThrow("app setting 'MISSING' is missing");
    });

    it('resolves connection names as AzureWebJobs<name>, then <name>; empty means AzureWebJobsStorage', () => {
      expect(resolveStorageConnection('Data', { AzureWebJobsData: 'prefixed', Data: 'plain' })).toBe('prefixed');
      expect(resolveStorageConnection('Data', { Data: 'plain' })).toBe('plain');
      expect(resolveStorageConnection('Data', { 'ConnectionStrings:Data': 'cs' })).toBe('cs');
      expect(resolveStorageConnection('', { AzureWebJobsStorage: 'default' })).toBe('default');
      expect(resolveStorageConnection(undefined, { AzureWebJobsStorage: 'default' })).toBe('default');
      expect(() => resolveStorageConnection('Data', {})).toThrow(
        "Storage account connection string 'AzureWebJobsData' does not exist",
      );
    });

    it('lower-cases and validates queue names', () => {
      expect(resolveQueueName('%Q%', { Q: 'Protect-Requests' })).toBe('protect-requests');
      expect(() => resolveQueueName('a--b', {})).toThrow('Invalid queue name');
      expect(() => resolveQueueName('ab', {})).toThrow('Invalid queue name');
    });
  });

  describe('host.json extensions.queues', () => {
    it('applies the host defaults', () => {
      expect(parseHostOptions({ version: '2.0' }).queues).toEqual({
        batchSize: 16,
        newBatchThreshold: 8,
        maxPollingIntervalMs: 60_000,
        visibilityTimeoutMs: 0,
        maxDequeueCount: 5,
        messageEncoding: 'base64',
      });
    });

    it('reads TimeSpan strings and enforces the 100 ms polling floor', () => {
      const { queues } = parseHostOptions({
        extensions: {
          queues: { maxPollingInterval: '00:00:00.050', visibilityTimeout: '00:00:30', messageEncoding: 'None' },
        },
      });
      expect(queues).toMatchObject({ maxPollingIntervalMs: 100, visibilityTimeoutMs: 30_000, messageEncoding: 'none' });
      expect(parseTimeSpan('1.02:03:04.5')).toBe(((24 + 2) * 60 + 3) * 60_000 + 4_500);
      expect(() => parseHostOptions({ extensions: { queues: { batchSize: 64 } } })).toThrow('batchSize must be 1-32');
      expect(() => parseHostOptions({ extensions: { queues: { messageEncoding: 'utf16' } } })).toThrow(
        'messageEncoding',
      );
    });
  });

  describe('NCRONTAB schedules', () => {
    const at = (iso: string) => new Date(iso);

    it('reads six fields with seconds first', () => {
      expect(parseSchedule('30 5 * * * *').next(at('2026-01-01T10:00:00Z')).toISOString()).toBe(
        '2026-01-01T10:05:30.000Z',
      );
      expect(parseSchedule('0 0 6 * * *').next(at('2026-01-01T06:00:00Z')).toISOString()).toBe(
        '2026-01-02T06:00:00.000Z',
      );
    });

    it('reads five fields at minute level and day-of-week names', () => {
      expect(parseSchedule('*/5 * * * *').next(at('2026-01-01T10:01:10Z')).toISOString()).toBe(
        '2026-01-01T10:05:00.000Z',
      );
      expect(parseSchedule('0 0 9 * * Mon').next(at('2026-01-01T00:00:00Z')).toISOString()).toBe(
        '2026-01-05T09:00:00.000Z',
      );
    });

    it('accepts an hh:mm:ss interval and flags schedules that fire more than once a minute', () => {
      expect(parseSchedule('00:00:30').next(at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:00:30.000Z');
      expect(parseSchedule('*/10 * * * * *').firesMoreThanOncePerMinute).toBe(true);
      expect(parseSchedule('0 */1 * * * *').firesMoreThanOncePerMinute).toBe(false);
    });

    it('rejects anything else with the host message', () => {
      for (const bad of ['@daily', '* * * *', '* * * * * * *', '61 * * * * *']) {
        expect(() => parseSchedule(bad)).toThrow(
          `The schedule expression '${bad}' was not recognized as a valid cron expression or timespan string.`,
        );
      }
    });
  });
});
