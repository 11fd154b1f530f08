import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { attributeCpu, readCpuProfile } from '../../../bench/cpuProfile';
import { tempDir } from '../../helpers/tempDir';

const DIST = '/app/dist';

/** A profile of 6 samples 1 ms apart from t = 1000 µs: app, app, idle, SDK, GC, runner. */
function profile() {
  const frame = (functionName: string, url: string) => ({ functionName, url });
  return {
    nodes: [
      { id: 1, callFrame: frame('classifyEvent', 'file:///app/dist/src/lib/events/classifyEvent.js') },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('sendMessage', '/app/node_modules/@azure/storage-queue/dist/index.js') },
      { id: 4, callFrame: frame('(garbage collector)', '') },
      { id: 5, callFrame: frame('invoke', '/app/dist/tools/local-runner/invoke.js') },
      { id: 6, callFrame: frame('log', 'file:///app/dist/src/lib/logger.js') },
    ],
    startTime: 1000,
    endTime: 8000,
    samples: [1, 6, 2, 3, 4, 5, 1],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

describe('attributeCpu', () => {
  it('sums self time by where the sampled function lives, leaving idle out', () => {
    const cpu = attributeCpu(profile(), DIST, 1000, 6500);
    expect(cpu.windowed).toBe(true);
    expect(cpu.byGroup).toEqual({ app: 2, 'Azure SDK': 1, gc: 1, 'local runner': 1 });
    expect(cpu.appMs).toBe(2);
    expect(cpu.totalMs).toBe(5);
    expect(cpu.appFiles).toEqual([
      { file: 'lib/events/classifyEvent.js', ms: 1 },
      { file: 'lib/logger.js', ms: 1 },
    ]);
  });

  it('counts only the samples inside the window', () => {
    expect(attributeCpu(profile(), DIST, 3500, 6500).byGroup).toEqual({ 'Azure SDK': 1, gc: 1, 'local runner': 1 });
  });

  it('falls back to the whole profile when the window is not inside it (another clock)', () => {
    const cpu = attributeCpu(profile(), DIST, 50_000, 60_000);
    expect(cpu.windowed).toBe(false);
    expect(cpu.appMs).toBe(2);
  });
});

describe('readCpuProfile', () => {
  it('reads the one .cpuprofile of a folder and refuses a folder with none', () => {
    const dir = tempDir('bench-prof-');
    expect(() => readCpuProfile(dir)).toThrow('expected one .cpuprofile');
    writeFileSync(join(dir, 'CPU.1.cpuprofile'), JSON.stringify(profile()));
    expect(readCpuProfile(dir).samples).toHaveLength(7);
  });
});
