// The event subscription from the subscription's system topic to the enqueueProtection function.
// Destination: the Event Grid trigger's webhook with the host's eventgrid_extension system key, read here inside the
// deployment: the key never leaves Azure Resource Manager (no azd environment value, no log, no file), and Event Grid
// returns only the URL's base on reads. Why a webhook and not `endpointType: AzureFunction`: docs/deploy.md.
// Filter and delivery settings: docs/deploy.md, "The event subscription".
param topicName string
param eventSubscriptionName string
@description('Resource id of the Function App that hosts enqueueProtection (any subscription).')
param functionAppId string
param deadLetterStorageAccountId string
param deadLetterContainerName string

var protectFunctionName = 'enqueueProtection'
var vmWriteOperation = 'Microsoft.Compute/virtualMachines/write'

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: last(split(functionAppId, '/'))
  scope: resourceGroup(split(functionAppId, '/')[2], split(functionAppId, '/')[4])
}

// Microsoft.Web/sites/host has no published types, so its keys are read with listKeys() on the resource id.
var eventGridKey = listKeys('${functionAppId}/host/default', '2025-03-01').systemKeys.eventgrid_extension

resource vmWrites 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: eventSubscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/eventgrid?functionName=${protectFunctionName}&code=${eventGridKey}'
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
    // The topic's own identity writes dead letters (Storage Blob Data Contributor on the container, main.bicep).
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

output id string = vmWrites.id
