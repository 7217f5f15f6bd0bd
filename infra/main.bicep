targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment, used to generate a short unique hash used in all resources.')
param environmentName string

@minLength(1)
@description('Primary location for all resources; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Id of the user or app to grant data access for debugging; optional.')
param principalId string = ''

// Optional overrides of the azd naming conventions; set them in main.parameters.json.
param resourceGroupName string = ''
param storageAccountName string = ''
param cosmosAccountName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// One Function App and one Cosmos DB database per service; the names match azure.yaml.
var services = [
  { name: 'identity', usesDurableFunctions: false }
  { name: 'inventory', usesDurableFunctions: false }
  { name: 'payments', usesDurableFunctions: false }
  { name: 'shipping', usesDurableFunctions: false }
  { name: 'orders', usesDurableFunctions: true }
]
var serviceNames = map(services, service => service.name)

// The service registry: every app finds the others by logical name; Microsoft.Extensions.ServiceDiscovery
// reads Services:{name}:https, a list of instances, so moving a service or adding one is a settings change.
var serviceRegistry = toObject(
  services,
  service => 'Services__${service.name}__https__0',
  service => 'https://${abbrs.webSitesFunctions}${service.name}-${resourceToken}.azurewebsites.net'
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring './core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
  }
}

module cosmos './core/database/cosmos-account.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: !empty(cosmosAccountName) ? cosmosAccountName : '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseNames: serviceNames
  }
}

module apps './app/service.bicep' = [
  for service in services: {
    name: '${service.name}-service'
    scope: rg
    params: {
      serviceName: service.name
      functionAppName: '${abbrs.webSitesFunctions}${service.name}-${resourceToken}'
      planName: '${abbrs.webServerFarms}${service.name}-${resourceToken}'
      location: location
      tags: tags
      storageAccountName: storage.outputs.name
      // Taken from the module output so the apps wait for the account and its databases.
      cosmosAccountName: cosmos.outputs.name
      applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
      usesDurableFunctions: service.usesDurableFunctions
      serviceRegistry: serviceRegistry
    }
  }
]

module cosmosAccess './core/database/cosmos-sql-role-assignments.bicep' = {
  name: 'cosmos-access'
  scope: rg
  params: {
    accountName: cosmos.outputs.name
    databaseGrants: [
      for (service, i) in services: {
        principalId: apps[i].outputs.identityPrincipalId
        databaseName: service.name
      }
    ]
    principalId: principalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output SERVICE_IDENTITY_NAME string = apps[indexOf(serviceNames, 'identity')].outputs.name
output SERVICE_IDENTITY_URI string = apps[indexOf(serviceNames, 'identity')].outputs.uri
output SERVICE_INVENTORY_NAME string = apps[indexOf(serviceNames, 'inventory')].outputs.name
output SERVICE_INVENTORY_URI string = apps[indexOf(serviceNames, 'inventory')].outputs.uri
output SERVICE_PAYMENTS_NAME string = apps[indexOf(serviceNames, 'payments')].outputs.name
output SERVICE_PAYMENTS_URI string = apps[indexOf(serviceNames, 'payments')].outputs.uri
output SERVICE_SHIPPING_NAME string = apps[indexOf(serviceNames, 'shipping')].outputs.name
output SERVICE_SHIPPING_URI string = apps[indexOf(serviceNames, 'shipping')].outputs.uri
output SERVICE_ORDERS_NAME string = apps[indexOf(serviceNames, 'orders')].outputs.name
output SERVICE_ORDERS_URI string = apps[indexOf(serviceNames, 'orders')].outputs.uri
