targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment: the hash in every resource name, the tag azd finds them by, and the App Configuration label.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Regions that offer the Flex Consumption plan (az functionapp list-flexconsumption-locations) and API Management Standard v2.')
@allowed([
  'australiaeast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Id of the user or service principal running azd: it writes the App Configuration key-values (local auth is off) and reads the generated secrets back on the next provision. Optional.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('API Management publisher contact (required by the service).')
param apimPublisherEmail string = 'shop-admin@example.com'

// Demo users' passwords and service clients' secrets: generated at provision time into Key Vault, never in the repo.
// main.parameters.json reads them back from the vault on the next provision (azd secretOrRandomPassword), so they stay stable.
@secure()
param userAlicePassword string = newGuid()
@secure()
param userBobPassword string = newGuid()
@secure()
param userAdminPassword string = newGuid()
@secure()
param ordersClientSecret string = newGuid()
@secure()
param orderHistoryClientSecret string = newGuid()
@secure()
param webBffClientSecret string = newGuid()

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// Every app, what it hosts and exactly the roles its code needs, each on one resource of its own.
// Exceptions, by design: order history reads (Data Reader) the three source containers whose change feeds it
// projects; identity reads the demo users' and the other clients' secrets, which it checks credentials against.
var apps = [
  {
    name: 'identity'
    alwaysReady: false
    cosmos: false
    bus: false
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'key:token-signing', role: 'Key Vault Crypto User' }
      { scope: 'secret:user-alice', role: 'Key Vault Secrets User' }
      { scope: 'secret:user-bob', role: 'Key Vault Secrets User' }
      { scope: 'secret:user-admin', role: 'Key Vault Secrets User' }
      { scope: 'secret:client-orders', role: 'Key Vault Secrets User' }
      { scope: 'secret:client-order-history', role: 'Key Vault Secrets User' }
      { scope: 'secret:client-web-bff', role: 'Key Vault Secrets User' }
    ]
    cosmosRoles: []
  }
  {
    name: 'inventory'
    alwaysReady: false
    cosmos: true
    bus: false
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
    ]
    cosmosRoles: [
      { scope: 'dbs/inventory', role: 'Cosmos DB Built-in Data Contributor' }
    ]
  }
  {
    name: 'payments'
    alwaysReady: true
    cosmos: true
    bus: true
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'topic:payments', role: 'Azure Service Bus Data Sender' }
    ]
    cosmosRoles: [
      { scope: 'dbs/payments', role: 'Cosmos DB Built-in Data Contributor' }
    ]
  }
  {
    name: 'shipping'
    alwaysReady: true
    cosmos: true
    bus: true
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'topic:shipping', role: 'Azure Service Bus Data Sender' }
    ]
    cosmosRoles: [
      { scope: 'dbs/shipping', role: 'Cosmos DB Built-in Data Contributor' }
    ]
  }
  {
    name: 'orders'
    alwaysReady: true
    cosmos: true
    bus: true
    serviceClient: true
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      // Durable Functions (Azure Storage provider): work items in queues, history and instances in tables.
      { scope: 'storage', role: 'Storage Queue Data Contributor' }
      { scope: 'storage', role: 'Storage Table Data Contributor' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'topic:orders', role: 'Azure Service Bus Data Sender' }
      { scope: 'secret:client-orders', role: 'Key Vault Secrets User' }
    ]
    cosmosRoles: [
      { scope: 'dbs/orders', role: 'Cosmos DB Built-in Data Contributor' }
    ]
  }
  {
    name: 'order-history'
    alwaysReady: true
    cosmos: true
    bus: false
    serviceClient: true
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'secret:client-order-history', role: 'Key Vault Secrets User' }
    ]
    cosmosRoles: [
      { scope: 'dbs/order-history', role: 'Cosmos DB Built-in Data Contributor' }
      { scope: 'dbs/orders/colls/orders', role: 'Cosmos DB Built-in Data Reader' }
      { scope: 'dbs/payments/colls/charges', role: 'Cosmos DB Built-in Data Reader' }
      { scope: 'dbs/shipping/colls/shipments', role: 'Cosmos DB Built-in Data Reader' }
    ]
  }
  {
    name: 'notifications'
    alwaysReady: true
    cosmos: true
    bus: true
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'subscription:orders/notifications', role: 'Azure Service Bus Data Receiver' }
    ]
    cosmosRoles: [
      { scope: 'dbs/notifications', role: 'Cosmos DB Built-in Data Contributor' }
    ]
  }
  {
    name: 'web-bff'
    alwaysReady: false
    cosmos: false
    bus: false
    serviceClient: true
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
      { scope: 'secret:client-web-bff', role: 'Key Vault Secrets User' }
    ]
    cosmosRoles: []
  }
  {
    name: 'mobile-bff'
    alwaysReady: false
    cosmos: false
    bus: false
    serviceClient: false
    roles: [
      { scope: 'storage', role: 'Storage Blob Data Owner' }
      { scope: 'appConfiguration', role: 'App Configuration Data Reader' }
      { scope: 'applicationInsights', role: 'Monitoring Metrics Publisher' }
    ]
    cosmosRoles: []
  }
]

// Exactly CosmosLayout.All (functions/BuildingBlocks/Storage/Cosmos/CosmosLayout.cs): database per service.
var cosmosContainers = [
  { database: 'inventory', container: 'stock', partitionKeyPath: '/sku' }
  { database: 'inventory', container: 'reservations', partitionKeyPath: '/orderId' }
  { database: 'payments', container: 'wallets', partitionKeyPath: '/customerId' }
  { database: 'payments', container: 'charges', partitionKeyPath: '/orderId' }
  { database: 'payments', container: 'leases', partitionKeyPath: '/id' }
  { database: 'shipping', container: 'shipments', partitionKeyPath: '/orderId' }
  { database: 'shipping', container: 'leases', partitionKeyPath: '/id' }
  { database: 'orders', container: 'orders', partitionKeyPath: '/streamId' }
  { database: 'orders', container: 'leases', partitionKeyPath: '/id' }
  { database: 'order-history', container: 'history', partitionKeyPath: '/orderId' }
  { database: 'order-history', container: 'parked', partitionKeyPath: '/orderId' }
  { database: 'order-history', container: 'leases', partitionKeyPath: '/id' }
  { database: 'notifications', container: 'notifications', partitionKeyPath: '/customerId' }
]

// Exactly BusTopology.Defaults (functions/BuildingBlocks/Messaging/BusTopology.cs): a topic per producer, a subscription per consumer.
var busTopics = [
  { topic: 'orders', subscribers: ['notifications'] }
  { topic: 'payments', subscribers: [] }
  { topic: 'shipping', subscribers: [] }
]
var busMaxDeliveryCount = 5

// Run-time settings in App Configuration (read through IOptionsMonitor / IConfiguration on every use, so a change plus
// a bump of the sentinel reaches every app without a restart). Everything an app needs to start stays an app setting.
var appConfigurationSentinelKey = 'Sentinel'
var appConfigurationKeys = [
  { key: 'Shipping:SupportedCountries', value: 'KR,US,GB,DE,FR,JP' }
  { key: 'Saga:Deadline', value: '00:10:00' }
  { key: 'Saga:MaxBackoffSeconds', value: '15' }
  { key: 'Orders:SnapshotEvery', value: '10' }
]

// Identity's directory in Azure: demo users and service clients; their secrets are Key Vault references.
var demoUsers = [
  { name: 'alice', role: 'customer' }
  { name: 'bob', role: 'customer' }
  { name: 'admin', role: 'admin' }
]
var serviceClients = [
  { name: 'orders', scopes: 'inventory.reserve payments.charge shipping.book' }
  { name: 'order-history', scopes: 'orders.feed payments.feed shipping.feed' }
  { name: 'web-bff', scopes: 'payments.read shipping.read' }
]

var functionAppNames = toObject(apps, app => app.name, app => '${abbrs.webSitesFunctions}${app.name}-${resourceToken}')
var apimName = '${abbrs.apiManagementService}${resourceToken}'
var apimGatewayUrl = 'https://${apimName}.azure-api.net'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}'

// The service registry: every app finds the others by logical name (Microsoft.Extensions.ServiceDiscovery reads
// Services:{name}:https, a list of instances). The host names resolve to the apps' private endpoints in the network.
// It lives in App Configuration, not in app settings: App Service setting names allow only letters, digits, '.' and
// '_', so 'Services__order-history__https__0' cannot be an app setting.
var serviceRegistry = map(apps, app => {
  key: 'Services:${app.name}:https:0'
  value: 'https://${functionAppNames[app.name]}.azurewebsites.net'
})

// App settings names allow no '-': identity finds 'order_history' for the client 'order-history'.
var identityDirectory = union(
  toObject(demoUsers, u => 'Identity__Users__${replace(u.name, '-', '_')}__Role', u => u.role),
  toObject(demoUsers, u => 'Identity__Users__${replace(u.name, '-', '_')}__Password', u => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/user-${u.name})'),
  toObject(serviceClients, c => 'Identity__Clients__${replace(c.name, '-', '_')}__Scopes', c => c.scopes),
  toObject(serviceClients, c => 'Identity__Clients__${replace(c.name, '-', '_')}__Secret', c => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}/secrets/client-${c.name})')
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring './core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module network './core/networking/virtual-network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    name: '${abbrs.networkVirtualNetworks}${resourceToken}'
    nsgName: '${abbrs.networkNetworkSecurityGroups}${resourceToken}'
    location: location
    tags: tags
  }
}

module cosmos './core/database/cosmos-account.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    containers: cosmosContainers
  }
}

module serviceBus './core/messaging/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    topics: busTopics
    maxDeliveryCount: busMaxDeliveryCount
  }
}

module appConfiguration './core/config/app-configuration.bicep' = {
  name: 'app-configuration'
  scope: rg
  params: {
    name: '${abbrs.appConfigurationStores}${resourceToken}'
    location: location
    tags: tags
    label: environmentName
    keyValues: concat(appConfigurationKeys, serviceRegistry)
    sentinelKey: appConfigurationSentinelKey
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module keyVault './core/security/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    keyNames: ['token-signing']
    secrets: {
      'user-alice': userAlicePassword
      'user-bob': userBobPassword
      'user-admin': userAdminPassword
      'client-orders': ordersClientSecret
      'client-order-history': orderHistoryClientSecret
      'client-web-bff': webBffClientSecret
    }
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module services './app/service.bicep' = [
  for app in apps: {
    name: '${app.name}-service'
    scope: rg
    params: {
      access: app
      location: location
      tags: tags
      functionAppName: functionAppNames[app.name]
      planName: '${abbrs.webServerFarms}${app.name}-${resourceToken}'
      identityName: '${abbrs.managedIdentityUserAssignedIdentities}${app.name}-${resourceToken}'
      storageAccountName: take('${abbrs.storageStorageAccounts}${replace(app.name, '-', '')}${resourceToken}', 24)
      privateEndpointName: '${abbrs.networkPrivateEndpoints}${app.name}-${resourceToken}'
      appsSubnetId: network.outputs.appsSubnetId
      privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
      sitesPrivateDnsZoneId: network.outputs.sitesPrivateDnsZoneId
      applicationInsightsName: monitoring.outputs.applicationInsightsName
      applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
      appConfigurationName: appConfiguration.outputs.name
      appConfigurationEndpoint: appConfiguration.outputs.endpoint
      appConfigurationLabel: environmentName
      appConfigurationSentinelKey: appConfigurationSentinelKey
      serviceBusName: serviceBus.outputs.name
      serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      cosmosEndpoint: cosmos.outputs.endpoint
      keyVaultName: keyVault.outputs.name
      authIssuer: '${apimGatewayUrl}/auth'
      authAudience: 'serverless-shop-api'
      authMetadataAddress: '${apimGatewayUrl}/auth/.well-known/openid-configuration'
      identityPublicBaseUrl: app.name == 'identity' ? apimGatewayUrl : ''
      identityDirectory: app.name == 'identity' ? identityDirectory : {}
    }
  }
]

module cosmosAccess './core/database/cosmos-sql-role-assignments.bicep' = {
  name: 'cosmos-access'
  scope: rg
  params: {
    accountName: cosmos.outputs.name
    grants: [
      for (app, i) in apps: {
        principalId: services[i].outputs.principalId
        roles: app.cosmosRoles
      }
    ]
    principalId: principalId
  }
}

module gateway './app/gateway.bicep' = {
  name: 'gateway'
  scope: rg
  params: {
    name: apimName
    location: location
    tags: tags
    publisherEmail: apimPublisherEmail
    subnetId: network.outputs.apimSubnetId
    backends: [
      for (app, i) in apps: {
        name: app.name
        url: services[i].outputs.uri
      }
    ]
    issuer: '${apimGatewayUrl}/auth'
    audience: 'serverless-shop-api'
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_APP_CONFIGURATION_ENDPOINT string = appConfiguration.outputs.endpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_API_MANAGEMENT_NAME string = gateway.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output SHOP_API_URL string = gateway.outputs.gatewayUrl
output SERVICE_IDENTITY_NAME string = services[0].outputs.name
output SERVICE_IDENTITY_URI string = services[0].outputs.uri
output SERVICE_INVENTORY_NAME string = services[1].outputs.name
output SERVICE_INVENTORY_URI string = services[1].outputs.uri
output SERVICE_PAYMENTS_NAME string = services[2].outputs.name
output SERVICE_PAYMENTS_URI string = services[2].outputs.uri
output SERVICE_SHIPPING_NAME string = services[3].outputs.name
output SERVICE_SHIPPING_URI string = services[3].outputs.uri
output SERVICE_ORDERS_NAME string = services[4].outputs.name
output SERVICE_ORDERS_URI string = services[4].outputs.uri
output SERVICE_ORDER_HISTORY_NAME string = services[5].outputs.name
output SERVICE_ORDER_HISTORY_URI string = services[5].outputs.uri
output SERVICE_NOTIFICATIONS_NAME string = services[6].outputs.name
output SERVICE_NOTIFICATIONS_URI string = services[6].outputs.uri
output SERVICE_WEB_BFF_NAME string = services[7].outputs.name
output SERVICE_WEB_BFF_URI string = services[7].outputs.uri
output SERVICE_MOBILE_BFF_NAME string = services[8].outputs.name
output SERVICE_MOBILE_BFF_URI string = services[8].outputs.uri
