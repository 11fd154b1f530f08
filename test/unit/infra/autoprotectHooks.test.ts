import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import {
  type ArmResponse,
  type HookDeps,
  HookError,
  POLL_SECONDS,
  roleName,
  runHook,
} from '../../../infra/hooks/autoprotect-hooks';

/**
 * The azd hooks against a fake Azure Resource Manager (no network): what exists decides what the next provision
 * wires, whatever an earlier run left in the azd environment.
 */
const APP_SUB = 'aaaaaaaa-0000-4000-8000-000000000001';
const WATCHED = ['bbbbbbbb-0000-4000-8000-000000000002', 'cccccccc-0000-4000-8000-000000000003'];
const ENV_NAME = 'autoprotect-prod';
const APP_ID = `/subscriptions/${APP_SUB}/resourceGroups/rg-${ENV_NAME}/providers/Microsoft.Web/sites/func-autoprotect-x`;
const HOST_KEY = 'key-that-must-never-be-printed';

/** What exists in the fake Azure; tests change it between polls. */
interface FakeAzure {
  registered: Set<string>;
  appExists: boolean;
  functionExists: boolean;
  keyExists: boolean;
  roleDefinitions: Set<string>;
  /** Calls that answer with an error status. */
  failures: Map<RegExp, ArmResponse>;
}

function fakeAzure(overrides: Partial<FakeAzure> = {}): FakeAzure {
  return {
    registered: new Set([APP_SUB, ...WATCHED]),
    appExists: false,
    functionExists: false,
    keyExists: false,
    roleDefinitions: new Set(),
    failures: new Map(),
    ...overrides,
  };
}

function fakeArm(azure: FakeAzure, requests: string[]): HookDeps['arm'] {
  const answer = (method: string, path: string): ArmResponse => {
    requests.push(`${method} ${path}`);
    for (const [pattern, response] of azure.failures) if (pattern.test(path)) return response;
    const url = new URL(`https://arm.invalid${path}`);
    const registration = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.EventGrid(\/register)?$/.exec(url.pathname);
    if (registration) {
      const id = registration[1] ?? '';
      if (registration[2] !== undefined) {
        azure.registered.add(id);
        return { status: 200, body: { registrationState: 'Registering' } };
      }
      return { status: 200, body: { registrationState: azure.registered.has(id) ? 'Registered' : 'NotRegistered' } };
    }
    const sites = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites$/.exec(
      url.pathname,
    );
    if (sites) {
      if (!azure.appExists || sites[1] !== `rg-${ENV_NAME}`) {
        return { status: 404, body: { error: { code: 'ResourceGroupNotFound' } } };
      }
      return { status: 200, body: { value: [{ id: APP_ID, tags: { 'azd-service-name': 'api' } }] } };
    }
    if (url.pathname === `${APP_ID}/functions/enqueueProtection`) {
      return azure.functionExists ? { status: 200, body: {} } : { status: 404, body: { error: { code: 'NotFound' } } };
    }
    if (url.pathname === `${APP_ID}/host/default/listkeys`) {
      return {
        status: 200,
        body: { masterKey: HOST_KEY, systemKeys: azure.keyExists ? { eventgrid_extension: HOST_KEY } : {} },
      };
    }
    const role = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Authorization\/roleDefinitions$/.exec(url.pathname);
    if (role) {
      const id = role[1] ?? '';
      expect(url.searchParams.get('$filter')).toBe(`roleName eq '${roleName(id)}'`);
      return { status: 200, body: { value: azure.roleDefinitions.has(id) ? [{ id: 'role' }] : [] } };
    }
    throw new Error(`unexpected ARM call ${method} ${path}`);
  };
  return { get: async (path) => answer('GET', path), post: async (path) => answer('POST', path) };
}

interface Harness {
  deps: HookDeps;
  env: Record<string, string | undefined>;
  azdCalls: Array<{ args: string[]; extraEnv?: Record<string, string> }>;
  logs: string[];
  requests: string[];
  sleeps: number[];
}

function harness(azure: FakeAzure, env: Record<string, string | undefined> = {}, onSleep?: () => void): Harness {
  const state: Harness = {
    env: {
      AZURE_ENV_NAME: ENV_NAME,
      AZURE_SUBSCRIPTION_ID: APP_SUB,
      AUTOPROTECT_SUBSCRIPTION_IDS: WATCHED.join(','),
      AUTOPROTECT_HOOK_WAIT_SECONDS: '120',
      ...env,
    },
    azdCalls: [],
    logs: [],
    requests: [],
    sleeps: [],
    deps: undefined as unknown as HookDeps,
  };
  let clock = 0;
  state.deps = {
    env: state.env,
    arm: fakeArm(azure, state.requests),
    azd: (args, extraEnv) => {
      state.azdCalls.push(extraEnv === undefined ? { args } : { args, extraEnv });
      if (args[0] === 'env' && args[1] === 'set') state.env[args[2] ?? ''] = args[3];
    },
    sleep: async (ms) => {
      state.sleeps.push(ms);
      clock += ms;
      onSleep?.();
    },
    now: () => clock,
    log: (line) => state.logs.push(line),
  };
  return state;
}

describe('preprovision', () => {
  it('after `azd down`, overwrites what the last run left in the environment: nothing is wired before the function exists', async () => {
    const run = harness(fakeAzure(), {
      AUTOPROTECT_FUNCTION_READY: 'true',
      AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: WATCHED.join(','),
      AUTOPROTECT_WIRE_EVENTS: 'true',
    });

    await runHook('preprovision', run.deps);

    expect(run.azdCalls).toEqual([
      { args: ['env', 'set', 'AUTOPROTECT_FUNCTION_READY', 'false'] },
      { args: ['env', 'set', 'AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS', ''] },
    ]);
  });

  it('in a fresh environment after a failed first attempt, reuses the role definitions it left but waits for this function', async () => {
    // The first attempt (another azd environment) created the definitions and failed before its code ran.
    const run = harness(fakeAzure({ roleDefinitions: new Set(WATCHED) }), { AZURE_ENV_NAME: 'autoprotect-retry' });

    await runHook('preprovision', run.deps);

    expect(run.env.AUTOPROTECT_FUNCTION_READY).toBe('false');
    expect(run.env.AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS).toBe(WATCHED.join(','));
    expect(run.requests).toContain(
      `GET /subscriptions/${APP_SUB}/resourceGroups/rg-autoprotect-retry/providers/Microsoft.Web/sites?api-version=2024-04-01`,
    );
  });

  it('runs before azd has asked for the app subscription: nothing of the app can exist yet', async () => {
    const azure = fakeAzure({ registered: new Set() });
    const run = harness(azure, { AZURE_SUBSCRIPTION_ID: undefined });

    await runHook('preprovision', run.deps);

    expect(run.env.AUTOPROTECT_FUNCTION_READY).toBe('false');
    expect(azure.registered).toEqual(new Set(WATCHED));
    expect(run.requests.some((request) => request.includes('Microsoft.Web/sites'))).toBe(false);
  });

  it('reports the function ready only when it exists and its host has the eventgrid_extension key', async () => {
    const azure = fakeAzure({ appExists: true, functionExists: true, roleDefinitions: new Set([WATCHED[0] ?? '']) });
    const withoutKey = harness(azure);
    await runHook('preprovision', withoutKey.deps);
    expect(withoutKey.env.AUTOPROTECT_FUNCTION_READY).toBe('false');

    azure.keyExists = true;
    const ready = harness(azure);
    await runHook('preprovision', ready.deps);
    expect(ready.env.AUTOPROTECT_FUNCTION_READY).toBe('true');
    expect(ready.env.AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS).toBe(WATCHED[0]);
    expect(ready.logs.join('\n')).not.toContain(HOST_KEY);
  });

  it('registers Microsoft.EventGrid in the app subscription and each watched one, and waits for it', async () => {
    const azure = fakeAzure({ registered: new Set([WATCHED[0] ?? '']) });
    const run = harness(azure);

    await runHook('preprovision', run.deps);

    const registrations = run.requests.filter((request) => request.includes('/register'));
    expect(registrations).toEqual([
      `POST /subscriptions/${APP_SUB}/providers/Microsoft.EventGrid/register?api-version=2021-04-01`,
      `POST /subscriptions/${WATCHED[1]}/providers/Microsoft.EventGrid/register?api-version=2021-04-01`,
    ]);
    expect(azure.registered).toEqual(new Set([APP_SUB, ...WATCHED]));
  });

  it('fails with the ARM error code, and no secret, when Azure refuses', async () => {
    const azure = fakeAzure({ registered: new Set() });
    azure.failures.set(/\/register/, { status: 403, body: { error: { code: 'AuthorizationFailed' } } });
    const run = harness(azure);

    await expect(runHook('preprovision', run.deps)).rejects.toThrow(
      new HookError(`registering Microsoft.EventGrid in ${APP_SUB.toLowerCase()} failed: AuthorizationFailed`),
    );
    expect(run.azdCalls).toEqual([]);
  });
});

describe('postdeploy', () => {
  it('after the first code deployment, waits (bounded) for the function, its key and the roles, then provisions once more', async () => {
    const azure = fakeAzure({ appExists: true, roleDefinitions: new Set(WATCHED) });
    let polls = 0;
    const run = harness(
      azure,
      { AUTOPROTECT_FUNCTION_READY: 'false', AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: '' },
      () => {
        polls += 1;
        if (polls === 2) azure.functionExists = true;
        if (polls === 3) azure.keyExists = true;
      },
    );

    await runHook('postdeploy', run.deps);

    expect(run.sleeps).toEqual([POLL_SECONDS * 1000, POLL_SECONDS * 1000, POLL_SECONDS * 1000]);
    expect(run.azdCalls).toEqual([{ args: ['provision', '--no-prompt'], extraEnv: { AUTOPROTECT_HOOK_DEPTH: '1' } }]);
  });

  it('gives up after AUTOPROTECT_HOOK_WAIT_SECONDS with a message that says what to do, and provisions nothing', async () => {
    const run = harness(fakeAzure({ appExists: true, roleDefinitions: new Set(WATCHED) }), {
      AUTOPROTECT_FUNCTION_READY: 'false',
    });

    await expect(runHook('postdeploy', run.deps)).rejects.toThrow(/gave up after 120 s .*run `azd provision`/);
    expect(run.sleeps).toHaveLength(120 / POLL_SECONDS);
    expect(run.azdCalls).toEqual([]);
  });

  it('does nothing when this deployment already provisioned events and roles everywhere', async () => {
    const run = harness(fakeAzure(), {
      AUTOPROTECT_FUNCTION_READY: 'true',
      AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: WATCHED.join(','),
    });

    await runHook('postdeploy', run.deps);

    expect(run.azdCalls).toEqual([]);
    expect(run.requests).toEqual([]);
  });
});

describe('postprovision', () => {
  it('with the function ready, gives a newly watched subscription its role and events in a second pass', async () => {
    const azure = fakeAzure({
      appExists: true,
      functionExists: true,
      keyExists: true,
      roleDefinitions: new Set([WATCHED[0] ?? '']),
    });
    const run = harness(
      azure,
      { AUTOPROTECT_FUNCTION_READY: 'true', AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: WATCHED[0] },
      () => azure.roleDefinitions.add(WATCHED[1] ?? ''),
    );

    await runHook('postprovision', run.deps);

    expect(run.sleeps).toHaveLength(1);
    expect(run.azdCalls).toEqual([{ args: ['provision', '--no-prompt'], extraEnv: { AUTOPROTECT_HOOK_DEPTH: '1' } }]);
  });

  it('leaves the first pass of a fresh install to postdeploy', async () => {
    const run = harness(fakeAzure(), { AUTOPROTECT_FUNCTION_READY: 'false', AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: '' });

    await runHook('postprovision', run.deps);

    expect(run.azdCalls).toEqual([]);
  });

  it('stops instead of nesting provisions without end', async () => {
    const run = harness(fakeAzure(), {
      AUTOPROTECT_FUNCTION_READY: 'true',
      AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS: '',
      AUTOPROTECT_HOOK_DEPTH: '2',
    });

    await expect(runHook('postprovision', run.deps)).rejects.toThrow(/run `azd provision` again/);
    expect(run.azdCalls).toEqual([]);
  });
});

describe('the hook script', () => {
  it('refuses an unknown hook with one line and exit code 1, before calling azd or Azure', () => {
    const result = spawnSync(
      process.execPath,
      [join(__dirname, '../../../infra/hooks/autoprotect-hooks.js'), 'predeploy'],
      {
        encoding: 'utf8',
        env: { PATH: '' },
      },
    );

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "autoprotect: unknown hook 'predeploy' (expected preprovision, postprovision, postdeploy)\n",
    );
  });
});
