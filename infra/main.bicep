// autoprotect: everything `azd up` provisions.
// Subscription-scoped so that one deployment can create the app's resource group, grant the app's identity
// Backup Contributor on each vault, and wire an Event Grid system topic in each watched subscription.
// Compiled and linted with warnings as errors by test/unit/infra/bicep.test.ts (rules: infra/bicepconfig.json).
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; used to name the resource group and derive unique resource names.')
param environmentName string

@minLength(1)
@description('Region of the app (Function App, storage, Application Insights). Must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Comma-separated subscription ids to watch (same format as the AUTOPROTECT_SUBSCRIPTION_IDS app setting).')
param watchedSubscriptionIds string

@description('Vault routes, the JSON array of the AUTOPROTECT_VAULTS app setting: [{ region, vaultId, subscriptionIds? }].')
param vaults array

@description('Protection rules, the JSON object of the AUTOPROTECT_RULES app setting ({} keeps every default).')
param rules object = {}

@description('Set by the preprovision hook (infra/hooks/autoprotect-hooks.js), never by hand: true once enqueueProtection exists and its host has the eventgrid_extension system key. Event subscriptions and the custom role assignments are made only then.')
param functionReady bool = false

@description('Set by the preprovision hook, never by hand: comma-separated watched subscription ids whose custom role definition already existed before this deployment. The role is assigned only there, so a definition and its assignment never race in one deployment.')
param roleReadySubscriptionIds string = ''

@description('Name of the resource group created in each watched subscription for its Event Grid system topic.')
param eventsResourceGroupName string = 'rg-autoprotect-events'

@description('Existing subscription system topics to reuse, by lower-case subscription id: { "<id>": { "resourceGroup": "...", "name": "..." } }. Each needs a system-assigned identity (dead-lettering).')
param existingSystemTopics object = {}

@description('Flex Consumption: most instances each scale group may use (40 to 1000; ARM throttling, not Functions, is the real limit: see docs/deploy.md).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption instance memory in MB (billed per GB-second: 512 is the cheapest).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Node.js major version of the Flex Consumption runtime. Node 20 support ended 2026-04-30; 22 is supported to 2027-04-30.')
@allowed(['22'])
param nodeVersion string = '22'

@description('true: also grant the identity running the deployment (deployer()) the storage data roles, so that the autoprotect CLI works with its own sign-in. Off by default: operators get roles from their administrators.')
param grantDeployerDataAccess bool = false

// App settings with the defaults of src/lib/config (docs/configuration.md). Override with `azd env set`.
param dryRun bool = false
param staleAfter string = 'PT24H'
param reportSchedule string = '0 0 6 * * *'
param maxAttempts int = 8
param backupExpiryDays int = 30
param invocationBudgetSeconds int = 120
param leaseSeconds int = 300
param retryBaseSeconds string = '5'
param retryMaxSeconds string = '900'
param reenqueueStale bool = false
param reenqueueMax int = 100
param reenqueuePerSecond string = '5'
@description('Check-backs on a running first backup, by job age (ISO-8601 durations, the last repeating).')
param firstBackupCheckBacks string = 'PT2M,PT5M,PT10M'
@description('Delays of the automatic retries of a first backup that failed for a reason that goes away; none: no retry.')
param firstBackupRetryDelays string = 'PT5M,PT15M,PT45M'
@description('Event Grid custom topic endpoint for the report summary event; empty: no summary event.')
param summaryTopicEndpoint string = ''
@description('Resource id of that custom topic, to grant the identity EventGrid Data Sender on it; empty: grant nothing.')
param summaryTopicResourceId string = ''

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var watchedIds = filter(map(split(watchedSubscriptionIds, ','), id => toLower(trim(id))), id => !empty(id))
var roleReadyIds = filter(map(split(roleReadySubscriptionIds, ','), id => toLower(trim(id))), id => !empty(id))
// union() removes duplicates: two routes may share one vault, and a role assignment must be declared once.
var vaultIds = union(map(vaults, route => toLower(string(route.vaultId))), [])

resource appResourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module app 'modules/app.bicep' = {
  name: 'autoprotect-app'
  scope: appResourceGroup
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    nodeVersion: nodeVersion
    grantDeployerDataAccess: grantDeployerDataAccess
    settings: {
      watchedSubscriptionIds: join(watchedIds, ',')
      vaultsJson: string(vaults)
      rulesJson: string(rules)
      dryRun: dryRun
      staleAfter: staleAfter
      reportSchedule: reportSchedule
      maxAttempts: maxAttempts
      backupExpiryDays: backupExpiryDays
      invocationBudgetSeconds: invocationBudgetSeconds
      leaseSeconds: leaseSeconds
      retryBaseSeconds: retryBaseSeconds
      retryMaxSeconds: retryMaxSeconds
      reenqueueStale: reenqueueStale
      reenqueueMax: reenqueueMax
      reenqueuePerSecond: reenqueuePerSecond
      firstBackupCheckBacks: firstBackupCheckBacks
      firstBackupRetryDelays: firstBackupRetryDelays
      summaryTopicEndpoint: summaryTopicEndpoint
    }
  }
}

// Backup Contributor on each vault (vaults may live in any subscription and resource group).
module vaultAccess 'modules/vaultAccess.bicep' = [for (vaultId, index) in vaultIds: {
  name: 'autoprotect-vault-${index}-${resourceToken}'
  scope: resourceGroup(split(vaultId, '/')[2], split(vaultId, '/')[4])
  params: {
    vaultName: last(split(vaultId, '/'))
    principalId: app.outputs.identityPrincipalId
  }
}]

// Per watched subscription: the narrow VM role for the identity, and the Event Grid system topic + subscription.
module watched 'modules/watchedSubscription.bicep' = [for (subscriptionId, index) in watchedIds: {
  name: 'autoprotect-watch-${index}-${resourceToken}'
  scope: subscription(subscriptionId)
  params: {
    location: location
    tags: tags
    principalId: app.outputs.identityPrincipalId
    eventsResourceGroupName: eventsResourceGroupName
    functionAppId: app.outputs.functionAppId
    eventSubscriptionName: 'autoprotect-vm-writes-${resourceToken}'
    deadLetterStorageAccountId: app.outputs.storageAccountId
    deadLetterContainerName: app.outputs.deadLetterContainerName
    // Events only once the app may act on them: the function exists and the identity has its role here.
    assignRole: contains(roleReadyIds, subscriptionId)
    wireEventSubscription: functionReady && contains(roleReadyIds, subscriptionId)
    existingSystemTopic: existingSystemTopics[?subscriptionId] ?? {}
  }
}]

// The system topics' identities write undeliverable events to the dead-letter container (no storage keys).
module deadLetterAccess 'modules/deadLetterAccess.bicep' = [for (subscriptionId, index) in watchedIds: {
  name: 'autoprotect-deadletter-${index}-${resourceToken}'
  scope: appResourceGroup
  params: {
    storageAccountName: app.outputs.storageAccountName
    containerName: app.outputs.deadLetterContainerName
    topicPrincipalId: watched[index].outputs.systemTopicPrincipalId
  }
}]

module summaryTopicAccess 'modules/summaryTopicAccess.bicep' = if (!empty(summaryTopicResourceId)) {
  name: 'autoprotect-summary-topic-${resourceToken}'
  scope: resourceGroup(split(summaryTopicResourceId, '/')[2], split(summaryTopicResourceId, '/')[4])
  params: {
    topicName: last(split(summaryTopicResourceId, '/'))
    principalId: app.outputs.identityPrincipalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = appResourceGroup.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AUTOPROTECT_IDENTITY_PRINCIPAL_ID string = app.outputs.identityPrincipalId
output AUTOPROTECT_STORAGE_ACCOUNT string = app.outputs.storageAccountName
output AUTOPROTECT_BLOB_SERVICE_URI string = app.outputs.blobServiceUri
output AUTOPROTECT_QUEUE_SERVICE_URI string = app.outputs.queueServiceUri
output AUTOPROTECT_TABLE_SERVICE_URI string = app.outputs.tableServiceUri
output AUTOPROTECT_WATCHED_SUBSCRIPTION_COUNT int = length(watchedIds)
