#!/usr/bin/env node
'use strict';
/**
 * azd hooks of autoprotect (azure.yaml): `node infra/hooks/autoprotect-hooks.js
 * <preprovision|postprovision|postdeploy>`.
 *
 * Plain JavaScript without dependencies, because preprovision runs before `npm install` on a fresh clone. It asks
 * Azure Resource Manager, with azd's own sign-in (`azd auth token`), what exists now, and never trusts what an earlier
 * run left in the azd environment:
 *
 * - preprovision: registers Microsoft.EventGrid in the app's and the watched subscriptions, then sets
 *   AUTOPROTECT_FUNCTION_READY (enqueueProtection exists and its host has the eventgrid_extension system key) and
 *   AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS (watched subscriptions whose custom role definition already exists). The
 *   template wires events and assigns the custom role only from these facts, so `azd down` then `azd up`, or
 *   `azd up` after a failed first attempt, never wires events to a function that does not exist yet, and a role
 *   definition and its assignment never race in one deployment (RoleDefinitionDoesNotExist).
 * - postprovision: when the function was ready but some role definitions were new, waits until they are visible and
 *   provisions once more, so that those subscriptions get their role and their events.
 * - postdeploy: after the first code deployment, waits (bounded) until the function and its key exist and every
 *   role definition is visible, then provisions once more, which wires the events.
 *
 * Nothing secret is printed or stored: the host keys are read only to learn whether eventgrid_extension exists.
 */
const { execFileSync } = require('node:child_process');

const ARM_ENDPOINT = 'https://management.azure.com';
const FUNCTION_NAME = 'enqueueProtection';
const SITE_API = '2024-04-01';
const PROVIDER_API = '2021-04-01';
const ROLE_API = '2022-04-01';
const DEFAULT_WAIT_SECONDS = 600;
const POLL_SECONDS = 15;
/** A nested `azd provision` started by a hook runs the hooks again; this bounds the nesting. */
const MAX_DEPTH = 2;

class HookError extends Error {}

function roleName(subscriptionId) {
  return `autoprotect VM protector (${subscriptionId})`;
}

function subscriptionList(text) {
  return [
    ...new Set(
      (text ?? '')
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter((id) => id !== ''),
    ),
  ];
}

/** What exists in Azure now. */
async function readState(deps) {
  const { env, arm } = deps;
  // Unset until azd has asked for it (its `azd up` may run preprovision first): then nothing of the app exists yet.
  const appSubscription = env.AZURE_SUBSCRIPTION_ID?.trim();
  const resourceGroup = `rg-${required(env, 'AZURE_ENV_NAME')}`;
  const watched = subscriptionList(env.AUTOPROTECT_SUBSCRIPTION_IDS);
  const app = appSubscription ? await findFunctionApp(arm, appSubscription, resourceGroup) : undefined;
  const functionReady = app !== undefined && (await functionExists(arm, app)) && (await eventGridKeyExists(arm, app));
  const roleReady = [];
  for (const id of watched) if (await roleDefinitionExists(arm, id)) roleReady.push(id);
  return { app, functionReady, watched, roleReady, pending: watched.filter((id) => !roleReady.includes(id)) };
}

async function findFunctionApp(arm, subscriptionId, resourceGroup) {
  const response = await arm.get(
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites?api-version=${SITE_API}`,
  );
  if (response.status === 404) return undefined;
  expectOk(response, `listing the Function Apps of ${resourceGroup}`);
  const site = (response.body.value ?? []).find((candidate) => candidate.tags?.['azd-service-name'] === 'api');
  return site?.id;
}

async function functionExists(arm, appId) {
  const response = await arm.get(`${appId}/functions/${FUNCTION_NAME}?api-version=${SITE_API}`);
  if (response.status === 404) return false;
  expectOk(response, `reading the function ${FUNCTION_NAME}`);
  return true;
}

/** The key exists once the host started with the Event Grid extension; only its presence leaves this function. */
async function eventGridKeyExists(arm, appId) {
  const response = await arm.post(`${appId}/host/default/listkeys?api-version=${SITE_API}`);
  if (response.status === 404 || response.status === 400) return false;
  expectOk(response, 'reading whether the eventgrid_extension system key exists');
  const key = response.body.systemKeys?.eventgrid_extension;
  return typeof key === 'string' && key.length > 0;
}

async function roleDefinitionExists(arm, subscriptionId) {
  const filter = encodeURIComponent(`roleName eq '${roleName(subscriptionId)}'`);
  const response = await arm.get(
    `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions?$filter=${filter}&api-version=${ROLE_API}`,
  );
  expectOk(response, `looking up the custom role in subscription ${subscriptionId}`);
  return (response.body.value ?? []).length > 0;
}

/** Event Grid delivers from the watched subscriptions; the app's subscription holds the dead-letter storage. */
async function ensureEventGridRegistered(deps, subscriptionIds) {
  const { arm, log } = deps;
  for (const id of subscriptionIds) {
    const path = `/subscriptions/${id}/providers/Microsoft.EventGrid`;
    const state = await arm.get(`${path}?api-version=${PROVIDER_API}`);
    expectOk(state, `reading the Microsoft.EventGrid registration of subscription ${id}`);
    if (state.body.registrationState === 'Registered') continue;
    log(`registering Microsoft.EventGrid in subscription ${id}`);
    expectOk(
      await arm.post(`${path}/register?api-version=${PROVIDER_API}`),
      `registering Microsoft.EventGrid in ${id}`,
    );
    await waitUntil(deps, `Microsoft.EventGrid registered in ${id}`, async () => {
      const now = await arm.get(`${path}?api-version=${PROVIDER_API}`);
      expectOk(now, `reading the Microsoft.EventGrid registration of subscription ${id}`);
      return now.body.registrationState === 'Registered';
    });
  }
}

async function preprovision(deps) {
  const { env, azd, log } = deps;
  const watched = subscriptionList(env.AUTOPROTECT_SUBSCRIPTION_IDS);
  // The app's subscription once azd knows it (the nested provision of postdeploy always does).
  const appSubscription = env.AZURE_SUBSCRIPTION_ID?.trim().toLowerCase() ?? '';
  await ensureEventGridRegistered(
    deps,
    [appSubscription, ...watched].filter(unique).filter((id) => id !== ''),
  );
  const state = await readState(deps);
  azd(['env', 'set', 'AUTOPROTECT_FUNCTION_READY', String(state.functionReady)]);
  azd(['env', 'set', 'AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS', state.roleReady.join(',')]);
  log(
    `function ready: ${state.functionReady}; custom role defined in ${state.roleReady.length} of ${state.watched.length} watched subscription(s)` +
      (state.functionReady ? '' : '; events are wired after the code is deployed (postdeploy)'),
  );
}

async function postprovision(deps) {
  const { env, log } = deps;
  const usedReady = subscriptionList(env.AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS);
  const pending = subscriptionList(env.AUTOPROTECT_SUBSCRIPTION_IDS).filter((id) => !usedReady.includes(id));
  if (env.AUTOPROTECT_FUNCTION_READY !== 'true' || pending.length === 0) return;
  log(
    `custom role created in ${pending.length} subscription(s): assigning it and wiring their events in a second pass`,
  );
  await provisionAgainWhenReady(deps, { needFunction: false });
}

async function postdeploy(deps) {
  const { env, log } = deps;
  const usedReady = subscriptionList(env.AUTOPROTECT_ROLE_READY_SUBSCRIPTIONS);
  const pending = subscriptionList(env.AUTOPROTECT_SUBSCRIPTION_IDS).filter((id) => !usedReady.includes(id));
  if (env.AUTOPROTECT_FUNCTION_READY === 'true' && pending.length === 0) {
    log('Event Grid subscriptions and roles were provisioned with this deployment');
    return;
  }
  await provisionAgainWhenReady(deps, { needFunction: true });
}

async function provisionAgainWhenReady(deps, { needFunction }) {
  const { env, azd, log } = deps;
  const depth = Number(env.AUTOPROTECT_HOOK_DEPTH ?? '0');
  if (depth >= MAX_DEPTH) {
    throw new HookError('still not ready after a second provision pass: run `azd provision` again in a few minutes');
  }
  const what = needFunction
    ? `${FUNCTION_NAME} and its eventgrid_extension key to exist and the custom roles to be visible`
    : 'the new custom role definitions to be visible';
  log(`waiting for ${what}`);
  await waitUntil(deps, what, async () => {
    const state = await readState(deps);
    return (!needFunction || state.functionReady) && state.pending.length === 0;
  });
  log('provisioning again to assign the roles and wire the Event Grid subscriptions');
  azd(['provision', '--no-prompt'], { AUTOPROTECT_HOOK_DEPTH: String(depth + 1) });
}

async function waitUntil(deps, what, check) {
  const { env, sleep, now } = deps;
  const waitMs = Number(env.AUTOPROTECT_HOOK_WAIT_SECONDS ?? DEFAULT_WAIT_SECONDS) * 1000;
  const deadline = now() + waitMs;
  for (;;) {
    if (await check()) return;
    if (now() >= deadline) {
      throw new HookError(
        `gave up after ${waitMs / 1000} s waiting for ${what}; once it is there, run \`azd provision\` (see docs/deploy.md)`,
      );
    }
    await sleep(POLL_SECONDS * 1000);
  }
}

function required(env, name) {
  const value = env[name]?.trim();
  if (!value) throw new HookError(`${name} is not set in the azd environment`);
  return value;
}

function expectOk(response, what) {
  if (response.status >= 200 && response.status < 300) return;
  const code = response.body?.error?.code ?? `HTTP ${response.status}`;
  throw new HookError(`${what} failed: ${code}`);
}

function unique(value, index, all) {
  return all.indexOf(value) === index;
}

const HOOKS = { preprovision, postprovision, postdeploy };

/** Runs one hook with injected Azure access (tests pass fakes; main() passes the real ones). */
async function runHook(name, deps) {
  const hook = HOOKS[name];
  if (hook === undefined) throw new HookError(`unknown hook '${name}' (expected ${Object.keys(HOOKS).join(', ')})`);
  await hook(deps);
}

/** ARM over HTTPS with a token from `azd auth token` (refreshed when close to expiry). */
function createArm(runAzd, endpoint = ARM_ENDPOINT) {
  let token;
  const bearer = () => {
    if (token === undefined || token.expiresOn - Date.now() < 5 * 60_000) {
      const parsed = JSON.parse(runAzd(['auth', 'token', '--output', 'json', '--scope', `${endpoint}/.default`]));
      token = { value: parsed.token, expiresOn: Date.parse(parsed.expiresOn) };
    }
    return token.value;
  };
  const send = async (method, path) => {
    const response = await fetch(`${endpoint}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer()}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) };
  };
  return { get: (path) => send('GET', path), post: (path) => send('POST', path) };
}

function parseJson(text) {
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return {};
  }
}

function main() {
  const runAzd = (args, extraEnv = {}, capture = true) =>
    execFileSync('azd', args, {
      encoding: 'utf8',
      env: { ...process.env, ...extraEnv },
      stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    });
  const deps = {
    env: process.env,
    arm: createArm(runAzd),
    // `azd env set` quietly; a nested `azd provision` shows its progress.
    azd: (args, extraEnv) => {
      runAzd(args, extraEnv, args[0] === 'env');
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    log: (line) => console.log(`autoprotect: ${line}`),
  };
  runHook(process.argv[2], deps).catch((error) => {
    console.error(`autoprotect: ${error instanceof HookError ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}

if (require.main === module) main();

module.exports = { runHook, HookError, roleName, subscriptionList, POLL_SECONDS };
