// The subscription's Event Grid system topic (Microsoft.Resources.Subscriptions), created or reused, with a
// system-assigned identity that dead-letters undeliverable events to the app's storage without keys.
param tags object
@description('Name of an existing system topic of this subscription (in this resource group) to reuse; empty: create one.')
param existingTopicName string = ''

resource createdTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (empty(existingTopicName)) {
  name: 'evgt-autoprotect-${subscription().subscriptionId}'
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

// A reused topic keeps its own settings; it needs a system-assigned identity for dead-lettering (docs/deploy.md).
resource reusedTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (!empty(existingTopicName)) {
  name: existingTopicName
}

output name string = empty(existingTopicName) ? createdTopic.name : reusedTopic.name
output id string = empty(existingTopicName) ? createdTopic.id : reusedTopic.id
output principalId string = (empty(existingTopicName) ? createdTopic.?identity.?principalId : reusedTopic.?identity.?principalId) ?? ''
