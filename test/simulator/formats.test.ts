import { armTime, isoDuration } from '../../simulator/src/http';
import { DEFAULT_THROTTLING } from '../../simulator/src/index';
import { parseItemPath, parseVmId } from '../../simulator/src/names';
import { parseJobFilterDate } from '../../simulator/src/odataFilter';
import { SubscriptionThrottle } from '../../simulator/src/throttling';

describe('simulator formats and parsers', () => {
  it('parses job filter dates in the service format (12-hour clock, AM/PM, UTC) and ISO', () => {
    expect(parseJobFilterDate('2016-01-01 12:00:00 AM')).toBe(Date.UTC(2016, 0, 1, 0, 0, 0));
    expect(parseJobFilterDate('2017-11-29 12:30:00 PM')).toBe(Date.UTC(2017, 10, 29, 12, 30, 0));
    expect(parseJobFilterDate('2017-11-29 01:05:09 pm')).toBe(Date.UTC(2017, 10, 29, 13, 5, 9));
    expect(parseJobFilterDate('2020-02-03T04:05:06Z')).toBe(Date.UTC(2020, 1, 3, 4, 5, 6));
    expect(() => parseJobFilterDate('yesterday')).toThrow(/yyyy-MM-dd hh:mm:ss tt/);
  });

  it('formats durations and times like the service (PT1H11M13.0108008S, 7-digit fractions)', () => {
    expect(isoDuration(3_600_000 + 11 * 60_000 + 13_010)).toBe('PT1H11M13.01S');
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(40_947)).toBe('PT40.947S');
    expect(armTime(Date.UTC(2023, 3, 18, 19, 2, 22, 823))).toBe('2023-04-18T19:02:22.8230000Z');
  });

  it('parses container/item names case-insensitively and refuses mismatched or foreign names', () => {
    expect(parseItemPath('IaasVMContainer;iaasvmcontainerv2;RG;Vm1', 'vm;iaasvmcontainerv2;rg;vm1')).toEqual({
      resourceGroup: 'rg',
      vmName: 'vm1',
    });
    expect(parseItemPath('iaasvmcontainer;iaasvmcontainerv2;rg;vm1', 'vm;iaasvmcontainerv2;rg;vm2')).toBeUndefined();
    expect(parseItemPath('SQLAGWorkLoadContainer;x;y', 'SQLDataBase;a;b')).toBeUndefined();
    expect(parseVmId('/Subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm')).toEqual({
      subscriptionId: 's',
      resourceGroup: 'rg',
      name: 'vm',
    });
    expect(parseVmId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d')).toBeUndefined();
  });

  it('refills token buckets continuously and keeps subscriptions apart', () => {
    const throttle = new SubscriptionThrottle({ ...DEFAULT_THROTTLING, writes: { size: 2, refillPerSecond: 10 } });
    expect(throttle.take('a', 'write', 0)).toEqual({ allowed: true, remaining: 1 });
    expect(throttle.take('a', 'write', 0)).toEqual({ allowed: true, remaining: 0 });
    expect(throttle.take('a', 'write', 0)).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    expect(throttle.take('b', 'write', 0).allowed).toBe(true);
    expect(throttle.take('a', 'write', 100)).toEqual({ allowed: true, remaining: 0 });
    expect(throttle.take('a', 'read', 100)).toEqual({ allowed: true, remaining: 249 });
  });
});
