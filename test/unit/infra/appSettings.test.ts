import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SETTING_NAMES } from '../../../src/lib/config';
import { appSettingNamesIn } from '../../../tools/infra/appSettings';
import { templateFiles } from '../../../tools/infra/checkInfra';

/**
 * Settings of SETTING_NAMES the template deliberately does not set, with the reason. Keep this list short:
 * every other setting the code reads must be set explicitly by the template.
 */
const DELIBERATELY_UNSET: Readonly<Record<string, string>> = {
  AzureWebJobsStorage:
    'a connection string, for Azurite only: in Azure the host and the app use the identity (AzureWebJobsStorage__*)',
  AUTOPROTECT_ARM_CA_CERT: 'only for the local ARM simulator; loadConfig refuses it with a non-loopback ARM endpoint',
};

/** Settings read by the platform or the SDKs rather than by src/lib/config.ts. */
const PLATFORM_SETTINGS: Readonly<Record<string, string>> = {
  AZURE_CLIENT_ID: 'DefaultAzureCredential selects the user-assigned identity by this client id',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'Functions host telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Entra-authenticated telemetry (local auth is disabled on the component)',
  languageWorkers__node__arguments: "the host starts the Node worker with these options (the worker's heap limit)",
};

/** App settings that Flex Consumption rejects or replaces with functionAppConfig. */
const NOT_ALLOWED_ON_FLEX = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
];

function functionAppSettings(): { file: string; names: string[] } {
  const files = templateFiles(join(__dirname, '../../..'));
  const withSite = files.filter((file) => /'Microsoft\.Web\/sites@[^']+' = /.test(readFileSync(file, 'utf8')));
  expect(withSite).toHaveLength(1);
  const file = withSite[0] ?? '';
  return { file, names: appSettingNamesIn(readFileSync(file, 'utf8')) };
}

describe('Function App settings in the Bicep', () => {
  const { names } = functionAppSettings();

  it('sets every setting the code reads, except the documented local-only ones', () => {
    const missing = SETTING_NAMES.filter((name) => !names.includes(name) && DELIBERATELY_UNSET[name] === undefined);

    expect(missing).toEqual([]);
  });

  it('keeps the allow-list honest: its names are real settings that the template indeed leaves unset', () => {
    for (const name of Object.keys(DELIBERATELY_UNSET)) {
      expect(SETTING_NAMES).toContain(name);
      expect(names).not.toContain(name);
    }
  });

  it('sets nothing unknown (a misspelt setting would silently fall back to its default)', () => {
    const known = new Set<string>([...SETTING_NAMES, ...Object.keys(PLATFORM_SETTINGS)]);

    expect(names.filter((name) => !known.has(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(Object.keys(PLATFORM_SETTINGS)));
  });

  it('sets no app setting that Flex Consumption does not accept', () => {
    expect(names.filter((name) => NOT_ALLOWED_ON_FLEX.includes(name))).toEqual([]);
  });
});

describe('appSettingNamesIn', () => {
  it('reads the keys of a nested appsettings config resource, including union() and conditional parts, not dependsOn', () => {
    const source = [
      "resource site 'Microsoft.Web/sites@2024-04-01' = {",
      "  name: 'site'",
      "  resource settings 'config' = {",
      "    name: 'appsettings'",
      '    properties: union({',
      "      FIRST: 'a${site.name}'",
      "      'QUOTED_KEY': cond ? 'x' : 'y'",
      '    }, empty(x) ? {} : {',
      '      OPTIONAL: x',
      '    })',
      '    dependsOn: [',
      '      roles',
      '    ]',
      '  }',
      '}',
    ].join('\n');

    expect(appSettingNamesIn(source)).toEqual(['FIRST', 'OPTIONAL', 'QUOTED_KEY']);
  });

  it('ignores other config resources (e.g. web config)', () => {
    const source =
      "resource web 'Microsoft.Web/sites/config@2024-04-01' = {\n  name: 'web'\n  properties: {\n    minTlsVersion: '1.2'\n  }\n}";

    expect(appSettingNamesIn(source)).toEqual([]);
  });
});
