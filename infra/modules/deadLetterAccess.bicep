// Storage Blob Data Contributor for one system topic's identity, on the dead-letter container only: Event Grid
// dead-letters with the topic's identity (deadLetterWithResourceIdentity), so no storage key is involved.
// Deployed into the app's resource group once per watched subscription.
param storageAccountName string
param containerName string
@description('Principal id of the system topic identity; empty (a reused topic without identity): nothing is granted.')
param topicPrincipalId string

var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: containerName
    }
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(topicPrincipalId)) {
  name: guid(storage::blobService::container.id, topicPrincipalId, storageBlobDataContributorRoleId)
  scope: storage::blobService::container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: topicPrincipalId
    principalType: 'ServicePrincipal'
  }
}
