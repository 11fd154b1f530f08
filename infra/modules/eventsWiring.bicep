// The subscription's Event Grid system topic and its event subscription to enqueueProtection.
// Filter and delivery settings follow /work/shared/reference/event-grid-events.md §5 and
// functions-host-semantics.md §5.4 (see docs/deploy.md).
param tags object
param functionResourceId string
param deadLetterStorageAccountId string
param deadLetterContainerName string
param wireEventSubscription bool
@description('Name of an existing system topic of this subscription (in this resource group) to reuse; empty: create one.')
param existingTopicName string = ''

var vmWriteOperation = 'Microsoft.Compute/virtualMachines/write'
var topicName = empty(existingTopicName) ? 'evgt-autoprotect-${subscription().subscriptionId}' : existingTopicName

resource createdTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (empty(existingTopicName)) {
  name: topicName
  location: 'global'
  tags: tags
  // Dead-letters with its own identity (Storage Blob Data Contributor on the container, main.bicep): no storage key.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

// The topic the event subscription hangs off: the one created above, or the reused one.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

// An AzureFunction endpoint points at the function's resource id: no webhook URL and no eventgrid_extension key.
resource vmWrites 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (wireEventSubscription) {
  parent: systemTopic
  name: 'autoprotect-vm-writes'
  dependsOn: [
    createdTopic
  ]
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
      subjectBeginsWith: '${subscription().id}/resourceGroups/'
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            vmWriteOperation
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output systemTopicId string = systemTopic.id
// A reused topic needs a system-assigned identity for dead-lettering (docs/deploy.md); without one, '' and no role.
output systemTopicPrincipalId string = systemTopic.?identity.?principalId ?? ''
