// Data-plane roles on the app's storage account for one principal (the app's identity, or optionally the deployer).
// A module so that the assignment names can include the principal id: a role assignment cannot change its principal,
// and after `azd down` a recreated identity keeps its resource id but gets a new principal id.
param storageAccountName string
param principalId string
@description('ServicePrincipal for the managed identity; empty when unknown (the deployer may be a user or a service principal).')
param principalType string = ''
param roleIds array

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleIds: {
    name: guid(storage.id, principalId, roleId)
    scope: storage
    properties: union(
      {
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
        principalId: principalId
      },
      empty(principalType) ? {} : { principalType: principalType }
    )
  }
]
