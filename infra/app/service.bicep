@description('One microservice: its identity, its own storage account (host state, deployment package, Durable Functions), the Azure RBAC roles its code needs on its own resources, its Function App (closed to public traffic) and the private endpoint APIM and the other apps reach it through.')
param access {
  @description('Logical name: registry, azure.yaml, azd-service-name tag.')
  name: string
  @description('Hosts a change feed or Service Bus processor: one instance never scales to zero.')
  alwaysReady: bool
  @description('Keeps its data in Cosmos DB (Storage__Provider=cosmos).')
  cosmos: bool
  @description('Publishes or consumes integration events (Bus__Provider=servicebus).')
  bus: bool
  @description('Calls other services with a client-credential token of its own (Auth__ClientId/ClientSecret).')
  serviceClient: bool
  @description('Azure RBAC roles, each on one resource: storage, appConfiguration, applicationInsights, topic:<name>, subscription:<topic>/<name>, secret:<name>, key:<name>.')
  roles: { scope: string, role: string }[]
  @description('Cosmos DB data-plane roles (granted by main.bicep, one at a time).')
  cosmosRoles: { scope: string, role: string }[]
}

param location string = resourceGroup().location
param tags object = {}
param functionAppName string
param planName string
param identityName string
param storageAccountName string
param privateEndpointName string

param appsSubnetId string
param privateEndpointsSubnetId string
param sitesPrivateDnsZoneId string

param applicationInsightsName string
param applicationInsightsConnectionString string
param appConfigurationName string
param appConfigurationEndpoint string
param appConfigurationLabel string
param appConfigurationSentinelKey string
param serviceBusName string
param serviceBusFullyQualifiedNamespace string
param cosmosEndpoint string
param keyVaultName string

param authIssuer string
param authAudience string
param authMetadataAddress string

@description('Identity only: the public base URL (APIM) issuer metadata is built from.')
param identityPublicBaseUrl string = ''

@description('Identity only: users and clients (roles, scopes, Key Vault references to their secrets).')
param identityDirectory object = {}

var roleIds = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  'App Configuration Data Reader': '516239f1-63e1-4d78-a4de-a74fb236a071'
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb'
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6'
  'Key Vault Crypto User': '12338af0-0e69-4776-bea7-57ae8d297424'
}
var storageRoles = filter(access.roles, r => r.scope == 'storage')
var appConfigurationRoles = filter(access.roles, r => r.scope == 'appConfiguration')
var applicationInsightsRoles = filter(access.roles, r => r.scope == 'applicationInsights')
var topicRoles = filter(access.roles, r => startsWith(r.scope, 'topic:'))
var subscriptionRoles = filter(access.roles, r => startsWith(r.scope, 'subscription:'))
var secretRoles = filter(access.roles, r => startsWith(r.scope, 'secret:'))
var keyRoles = filter(access.roles, r => startsWith(r.scope, 'key:'))
var deploymentContainerName = 'app-package'
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}'

module identity '../core/security/user-assigned-identity.bicep' = {
  name: '${access.name}-identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage '../core/storage/storage-account.bicep' = {
  name: '${access.name}-storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containers: [deploymentContainerName]
  }
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appConfiguration 'Microsoft.AppConfiguration/configurationStores@2024-05-01' existing = {
  name: appConfigurationName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusName
}

resource topics 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' existing = [
  for r in topicRoles: {
    parent: serviceBus
    name: substring(r.scope, length('topic:'))
  }
]

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' existing = [
  for r in subscriptionRoles: {
    name: '${serviceBus.name}/${substring(r.scope, length('subscription:'))}'
  }
]

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = [
  for r in secretRoles: {
    parent: keyVault
    name: substring(r.scope, length('secret:'))
  }
]

resource keys 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = [
  for r in keyRoles: {
    parent: keyVault
    name: substring(r.scope, length('key:'))
  }
]

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for r in storageRoles: {
    name: guid(storageAccount.id, identityName, roleIds[r.role])
    scope: storageAccount
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
    dependsOn: [storage]
  }
]

resource appConfigurationAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for r in appConfigurationRoles: {
    name: guid(appConfiguration.id, identityName, roleIds[r.role])
    scope: appConfiguration
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

resource applicationInsightsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for r in applicationInsightsRoles: {
    name: guid(applicationInsights.id, identityName, roleIds[r.role])
    scope: applicationInsights
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

resource topicAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (r, i) in topicRoles: {
    name: guid(topics[i].id, identityName, roleIds[r.role])
    scope: topics[i]
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

resource subscriptionAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (r, i) in subscriptionRoles: {
    name: guid(subscriptions[i].id, identityName, roleIds[r.role])
    scope: subscriptions[i]
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

resource secretAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (r, i) in secretRoles: {
    name: guid(secrets[i].id, identityName, roleIds[r.role])
    scope: secrets[i]
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

resource keyAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (r, i) in keyRoles: {
    name: guid(keys[i].id, identityName, roleIds[r.role])
    scope: keys[i]
    properties: {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[r.role])
    }
  }
]

// The settings, grouped as AzureSettings.RequiredFor groups them (the infra tests compare the two).
var settingsEveryApp = {
  Hosting__Target: 'azure'
  AZURE_CLIENT_ID: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  AppConfiguration__Endpoint: appConfigurationEndpoint
  AppConfiguration__Label: appConfigurationLabel
  AppConfiguration__SentinelKey: appConfigurationSentinelKey
  Auth__Issuer: authIssuer
  Auth__Audience: authAudience
  Auth__MetadataAddress: authMetadataAddress
  AzureWebJobsStorage__accountName: storage.outputs.name
}
var settingsStorageApp = {
  Storage__Provider: 'cosmos'
  Cosmos__Endpoint: cosmosEndpoint
}
var settingsBusApp = {
  Bus__Provider: 'servicebus'
  Bus__FullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
}
var settingsServiceClient = {
  Auth__ClientId: access.name
  // A Key Vault reference: the platform resolves it with keyVaultReferenceIdentity (this app's identity).
  Auth__ClientSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/client-${access.name})'
}
var settingsIdentity = {
  Identity__PublicBaseUrl: identityPublicBaseUrl
  Identity__SigningKeyId: '${keyVaultUri}/keys/token-signing'
}

module app '../core/host/flex-function-app.bicep' = {
  name: '${access.name}-function-app'
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: tags
    serviceName: access.name
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.primaryBlobEndpoint
    deploymentContainerName: deploymentContainerName
    subnetId: appsSubnetId
    alwaysReadyInstances: access.alwaysReady ? 1 : 0
    appSettings: union(
      settingsEveryApp,
      access.cosmos ? settingsStorageApp : {},
      access.bus ? settingsBusApp : {},
      access.serviceClient ? settingsServiceClient : {},
      access.name == 'identity' ? union(settingsIdentity, identityDirectory) : {}
    )
  }
  // The host reads its storage and the deployment package with this identity from the first start.
  dependsOn: [storageAccess]
}

module privateEndpoint '../core/networking/private-endpoint.bicep' = {
  name: '${access.name}-private-endpoint'
  params: {
    name: privateEndpointName
    location: location
    tags: tags
    subnetId: privateEndpointsSubnetId
    targetResourceId: app.outputs.id
    groupId: 'sites'
    privateDnsZoneId: sitesPrivateDnsZoneId
  }
}

output name string = app.outputs.name
output uri string = app.outputs.uri
output principalId string = identity.outputs.principalId
