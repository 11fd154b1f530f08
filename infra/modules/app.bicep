// The app itself: identity, storage (queues, tables, report and dead-letter containers), monitoring,
// the Flex Consumption plan and the Function App with every app setting src/lib/config reads.
// No keys anywhere: storage has shared-key access off, the host and the app reach it with the identity
// (AzureWebJobsStorage__*), and Application Insights accepts Entra-authenticated telemetry only.
param location string
param tags object
param resourceToken string
param maximumInstanceCount int
param instanceMemoryMB int
param nodeVersion string
param grantDeployerDataAccess bool
@description('Values for the AUTOPROTECT_* app settings (see main.bicep for names and defaults).')
param settings object

// Fixed names, identical to src/lib/config (PROTECTION_REQUESTS_QUEUE, table/container defaults).
var requestQueueName = 'protection-requests'
var poisonQueueName = 'protection-requests-poison'
var ledgerTableName = 'autoprotectledger'
var rejectsTableName = 'autoprotectrejects'
var reportContainerName = 'reports'
var deadLetterContainerName = 'eventgrid-deadletter'
var deploymentContainerName = 'app-package-${resourceToken}'

// Built-in role definition ids (docs/deploy.md cites where each comes from).
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
// What the app's identity needs on its storage account: blobs (deployment package, host keys and locks, reports),
// queues (the trigger and the app's own sends), tables (ledger, rejects). Nothing else.
var appStorageRoleIds = [
  storageBlobDataOwnerRoleId
  storageQueueDataContributorRoleId
  storageTableDataContributorRoleId
]

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
    // Identity only: no account key works, so no connection string with a key can exist anywhere.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }

    resource reportContainer 'containers' = {
      name: reportContainerName
    }

    resource deadLetterContainer 'containers' = {
      name: deadLetterContainerName
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    // The queue trigger never creates its queue, so both queues are provisioned here.
    resource requestQueue 'queues' = {
      name: requestQueueName
    }

    resource poisonQueue 'queues' = {
      name: poisonQueueName
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource ledgerTable 'tables' = {
      name: ledgerTableName
    }

    resource rejectsTable 'tables' = {
      name: rejectsTableName
    }
  }
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
    storage::blobService::deploymentContainer
  ]

  // Every name in SETTING_NAMES (src/lib/config) is set here, except the ones listed in
  // test/unit/infra/appSettings.test.ts as deliberately left unset (AzureWebJobsStorage: Azurite only).
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(
      {
        // The host and src/lib/clients.ts both reach storage through these, with the identity.
        AzureWebJobsStorage__credential: 'managedidentity'
        AzureWebJobsStorage__clientId: identity.properties.clientId
        AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
        AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
        AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
        // DefaultAzureCredential picks the user-assigned identity by this client id (ARM and the summary topic).
        AZURE_CLIENT_ID: identity.properties.clientId
        APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        // A heap limit for the Node worker: the report's live set is about 40 MB, but V8 lets garbage grow towards
        // the default limit first (299 MB peak over 250,000 items and a 50,000-row ledger; 223 MB with this). The
        // local stack's runners and the benchmark start with the same options (tools/infra/workerArguments.ts).
        languageWorkers__node__arguments: '--max-old-space-size=128'
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
        AUTOPROTECT_LEDGER_TABLE: storage::tableService::ledgerTable.name
        AUTOPROTECT_REJECTS_TABLE: storage::tableService::rejectsTable.name
        AUTOPROTECT_REPORT_CONTAINER: storage::blobService::reportContainer.name
        AUTOPROTECT_REPORT_PREFIX: ''
        AUTOPROTECT_REENQUEUE_STALE: string(settings.reenqueueStale)
        AUTOPROTECT_REENQUEUE_MAX: string(settings.reenqueueMax)
        AUTOPROTECT_REENQUEUE_PER_SECOND: settings.reenqueuePerSecond
        AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: settings.firstBackupCheckBacks
        AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: settings.firstBackupRetryDelays
      },
      empty(settings.summaryTopicEndpoint)
        ? {}
        : {
            AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: settings.summaryTopicEndpoint
          }
    )
    // The host reads its storage with these roles from its first start on.
    dependsOn: [
      appStorageAccess
      telemetryAccess
    ]
  }
}

module appStorageAccess 'storageDataAccess.bicep' = {
  name: 'autoprotect-storage-access-${resourceToken}'
  params: {
    storageAccountName: storage.name
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleIds: appStorageRoleIds
  }
}

// Optional: the same data roles for whoever runs the deployment, so that the CLI works with their sign-in.
module deployerStorageAccess 'storageDataAccess.bicep' = if (grantDeployerDataAccess) {
  name: 'autoprotect-deployer-access-${resourceToken}'
  params: {
    storageAccountName: storage.name
    principalId: deployer().objectId
    roleIds: appStorageRoleIds
  }
}

// Application Insights with local auth disabled accepts telemetry from this role only. Named by the identity's resource
// id (a principal id is not known at the start of this deployment); both live in the app's resource group and go
// together with it.
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
output deadLetterContainerName string = storage::blobService::deadLetterContainer.name
output blobServiceUri string = storage.properties.primaryEndpoints.blob
output queueServiceUri string = storage.properties.primaryEndpoints.queue
output tableServiceUri string = storage.properties.primaryEndpoints.table
