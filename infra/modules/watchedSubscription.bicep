// Deployed once per watched subscription (main.bicep loops with `scope: subscription(id)`).
// Grants the app's identity exactly the actions it needs on this subscription's VMs, and wires the subscription's
// Event Grid system topic to the enqueueProtection function.
targetScope = 'subscription'

param location string
param tags object
param principalId string
param eventsResourceGroupName string
@description('Resource id of the Function App that hosts enqueueProtection.')
param functionAppId string
@description('Name of the event subscription; unique per azd environment, so two environments never overwrite each other.')
param eventSubscriptionName string
param deadLetterStorageAccountId string
param deadLetterContainerName string
@description('true: assign the custom role. Only when its definition existed before this deployment (see main.bicep).')
param assignRole bool
@description('true: create the event subscription (the function and its eventgrid_extension key exist).')
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

// Its name is fixed per subscription: the preprovision hook looks it up by roleName to decide `assignRole`.
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

// A definition and its assignment in one deployment can fail once on replication delay (RoleDefinitionDoesNotExist):
// the assignment is made by a later deployment, once the definition is visible (infra/hooks/autoprotect-hooks.js).
resource vmProtectorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignRole) {
  name: guid(subscription().id, principalId, 'autoprotect-vm-protector')
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

module systemTopic 'systemTopic.bicep' = {
  name: 'autoprotect-topic-${uniqueString(subscription().id, topicResourceGroupName)}'
  scope: resourceGroup(topicResourceGroupName)
  dependsOn: [
    eventsResourceGroup
  ]
  params: {
    tags: tags
    existingTopicName: reusedTopicName
  }
}

// A separate deployment, deployed only when the function is ready: it reads the function's eventgrid_extension key,
// which does not exist before the code runs.
module eventSubscription 'eventSubscription.bicep' = if (wireEventSubscription) {
  name: 'autoprotect-events-${uniqueString(subscription().id, functionAppId)}'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    topicName: systemTopic.outputs.name
    eventSubscriptionName: eventSubscriptionName
    functionAppId: functionAppId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
  }
}

output vmProtectorRoleId string = vmProtectorRole.id
output systemTopicId string = systemTopic.outputs.id
output systemTopicPrincipalId string = systemTopic.outputs.principalId
