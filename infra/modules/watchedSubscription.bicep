// Deployed once per watched subscription (main.bicep loops with `scope: subscription(id)`).
// Grants the app's identity exactly the actions it needs on this subscription's VMs, and wires
// the subscription's Event Grid system topic to the enqueueProtection function.
targetScope = 'subscription'

param location string
param tags object
param principalId string
param eventsResourceGroupName string
@description('Resource id of the enqueueProtection function: {functionAppId}/functions/enqueueProtection.')
param functionResourceId string
param deadLetterStorageAccountId string
param deadLetterContainerName string
param wireEventSubscription bool
@description('An existing subscription system topic to reuse instead of creating one ({ resourceGroup, name }); {}: create one. Azure allows one system topic per subscription.')
param existingSystemTopic object = {}

var topicResourceGroupName = existingSystemTopic.?resourceGroup ?? eventsResourceGroupName
var reusedTopicName = existingSystemTopic.?name ?? ''

// The actions the code needs on the watched scope (infra/permissions.json maps each SDK call to one of them):
// read VMs (virtualMachines.get / listAll), check which vault protects a VM (backupStatus, a subscription-level
// POST), and VM write, which Azure Backup requires of whoever enables protection of that VM.
var vmProtectorActions = [
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/write'
  'Microsoft.RecoveryServices/locations/backupStatus/action'
]

resource vmProtectorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'autoprotect-vm-protector')
  properties: {
    // Custom role names are unique per tenant, so the subscription id is part of the name.
    roleName: 'autoprotect VM protector (${subscription().subscriptionId})'
    description: 'Lets autoprotect read VMs, query their backup status and enable Azure Backup on them.'
    type: 'CustomRole'
    permissions: [
      {
        actions: vmProtectorActions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource vmProtectorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, vmProtectorRole.id)
  properties: {
    roleDefinitionId: vmProtectorRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// System topics are resource-group resources even when their source is a whole subscription.
resource eventsResourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = if (empty(reusedTopicName)) {
  name: eventsResourceGroupName
  location: location
  tags: tags
}

module eventsWiring 'eventsWiring.bicep' = {
  name: 'autoprotect-events-${uniqueString(functionResourceId)}'
  scope: resourceGroup(topicResourceGroupName)
  dependsOn: [
    eventsResourceGroup
  ]
  params: {
    tags: tags
    existingTopicName: reusedTopicName
    functionResourceId: functionResourceId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
    wireEventSubscription: wireEventSubscription
  }
}

output vmProtectorRoleId string = vmProtectorRole.id
output systemTopicId string = eventsWiring.outputs.systemTopicId
output systemTopicPrincipalId string = eventsWiring.outputs.systemTopicPrincipalId
