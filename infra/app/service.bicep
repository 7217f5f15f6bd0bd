@description('One microservice: its Function App, its storage roles and the settings that point it at its own Cosmos DB database.')
param serviceName string
param functionAppName string
param planName string
param location string = resourceGroup().location
param tags object = {}
param storageAccountName string
param cosmosAccountName string
param applicationInsightsConnectionString string

@description('Durable Functions (Azure Storage provider) also keeps its history and instances in tables.')
param usesDurableFunctions bool = false

@description('Where the other services are: Services__{name}__https__0 settings, read by service discovery.')
param serviceRegistry object = {}

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageRoles = concat(
  [storageBlobDataOwner, storageQueueDataContributor],
  usesDurableFunctions ? [storageTableDataContributor] : []
)
var deploymentContainerName = 'deploy-${functionAppName}'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

module app '../core/host/functions.bicep' = {
  name: '${serviceName}-function-app'
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: tags
    serviceName: serviceName
    storageAccountName: storage.name
    deploymentContainerName: deploymentContainer.name
    applicationInsightsConnectionString: applicationInsightsConnectionString
    appSettings: union(serviceRegistry, {
      AZURE_COSMOS_ENDPOINT: cosmos.properties.documentEndpoint
      // Database per service: the database is named after the service.
      AZURE_COSMOS_DATABASE_NAME: serviceName
    })
  }
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, functionAppName, roleId)
    scope: storage
    properties: {
      principalId: app.outputs.identityPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

output name string = app.outputs.name
output uri string = app.outputs.uri
output identityPrincipalId string = app.outputs.identityPrincipalId
