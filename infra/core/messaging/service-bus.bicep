@description('Service Bus Standard namespace, local (SAS) auth off: a topic per producing service, a subscription per consumer, as BusTopology.Defaults.')
param name string
param location string = resourceGroup().location
param tags object = {}

@description('{ topic, subscribers } pairs.')
param topics { topic: string, subscribers: string[] }[]

@description('Deliveries before a message goes to the subscription\'s dead-letter queue (BusTopology.DefaultMaxDeliveries).')
param maxDeliveryCount int

@description('Duplicate detection window of every topic (ServiceBusEntities.DuplicateDetectionWindow).')
param duplicateDetectionWindow string = 'PT10M'

var subscriptions = flatten(map(topics, t => map(t.subscribers, s => { topic: t.topic, subscriber: s })))

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource topicResources 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = [
  for t in topics: {
    parent: namespace
    name: t.topic
    properties: {
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    }
  }
]

resource subscriptionResources 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for s in subscriptions: {
    name: '${namespace.name}/${s.topic}/${s.subscriber}'
    properties: {
      maxDeliveryCount: maxDeliveryCount
      deadLetteringOnMessageExpiration: true
    }
    dependsOn: [topicResources]
  }
]

// The replay filter (ServiceBusEnvelope.SubscriptionFilter): a dead letter replayed for one subscriber reaches that subscriber only.
resource rules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for s in subscriptions: {
    name: '${namespace.name}/${s.topic}/${s.subscriber}/$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: 'NOT EXISTS(user.replayFor) OR user.replayFor = \'${replace(s.subscriber, '\'', '\'\'')}\''
      }
    }
    dependsOn: [subscriptionResources]
  }
]

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
