// The app itself: identity, storage (queues, tables, report and dead-letter containers), monitoring,
// the Flex Consumption plan and the Function App with every app setting src/lib/config.ts reads.
param location string
param tags object
param resourceToken string
param maximumInstanceCount int
param instanceMemoryMB int
param nodeVersion string
@description('Values for the AUTOPROTECT_* app settings (see main.bicep for names and defaults).')
param settings object

// Fixed names, identical to src/lib/config.ts (PROTECTION_REQUESTS_QUEUE, table/container defaults).
var requestQueueName = 'protection-requests'
var poisonQueueName = 'protection-requests-poison'
var ledgerTableName = 'autoprotectledger'
var rejectsTableName = 'autoprotectrejects'
var reportContainerName = 'reports'
var deadLetterContainerName = 'eventgrid-deadletter'
var deploymentContainerName = 'app-package-${resourceToken}'

// Built-in role definition ids (docs/deploy.md cites where each comes from).
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-autoprotect-${resourceToken}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: 'stap${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // src/lib/clients.ts builds its queue/table/blob clients from a connection string, so shared keys stay on.
    allowSharedKeyAccess: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource reportContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: reportContainerName
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deadLetterContainerName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

// The queue trigger never creates its queue, so both queues are provisioned here.
resource requestQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: requestQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: poisonQueueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource ledgerTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableService
  name: ledgerTableName
}

resource rejectsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableService
  name: rejectsTableName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: 'log-autoprotect-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-autoprotect-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Telemetry is accepted only from Entra-authenticated senders (the app's identity, see the role below).
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-autoprotect-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: 'func-autoprotect-${resourceToken}'
  location: location
  // azd finds the deployment target of service `api` (azure.yaml) by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// Every name in SETTING_NAMES (src/lib/config.ts) is set here, except the ones listed in
// test/unit/infra/appSettings.test.ts as deliberately left unset (local-only settings).
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union({
    AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    AUTOPROTECT_SUBSCRIPTION_IDS: settings.watchedSubscriptionIds
    AUTOPROTECT_VAULTS: settings.vaultsJson
    AUTOPROTECT_RULES: settings.rulesJson
    AUTOPROTECT_STALE_AFTER: settings.staleAfter
    AUTOPROTECT_REPORT_SCHEDULE: settings.reportSchedule
    AUTOPROTECT_MAX_ATTEMPTS: string(settings.maxAttempts)
    AUTOPROTECT_DRY_RUN: string(settings.dryRun)
    AUTOPROTECT_ARM_ENDPOINT: environment().resourceManager
    AUTOPROTECT_BACKUP_EXPIRY_DAYS: string(settings.backupExpiryDays)
    AUTOPROTECT_INVOCATION_BUDGET: string(settings.invocationBudgetSeconds)
    AUTOPROTECT_LEASE_SECONDS: string(settings.leaseSeconds)
    AUTOPROTECT_RETRY_BASE_SECONDS: settings.retryBaseSeconds
    AUTOPROTECT_RETRY_MAX_SECONDS: settings.retryMaxSeconds
    AUTOPROTECT_LEDGER_TABLE: ledgerTable.name
    AUTOPROTECT_REJECTS_TABLE: rejectsTable.name
    AUTOPROTECT_REPORT_CONTAINER: reportContainer.name
    AUTOPROTECT_REPORT_PREFIX: ''
    AUTOPROTECT_REENQUEUE_STALE: string(settings.reenqueueStale)
    AUTOPROTECT_REENQUEUE_MAX: string(settings.reenqueueMax)
    AUTOPROTECT_REENQUEUE_PER_SECOND: settings.reenqueuePerSecond
  }, empty(settings.summaryTopicEndpoint) ? {} : {
    AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: settings.summaryTopicEndpoint
  })
}

// Flex Consumption reads the deployment package with the identity (Storage Blob Data Owner, as Microsoft's Flex templates grant).
resource deploymentBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Application Insights with local auth disabled accepts telemetry from this role only.
resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppId string = functionApp.id
output functionAppName string = functionApp.name
output identityPrincipalId string = identity.properties.principalId
output storageAccountId string = storage.id
output storageAccountName string = storage.name
output deadLetterContainerName string = deadLetterContainer.name
