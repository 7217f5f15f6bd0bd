@description('API Management (Standard v2, outbound virtual network integration): one API imported from an OpenAPI document, its policy, products, a backend with a circuit breaker per service, named values, and request metrics sent to Application Insights with Entra ID.')
param name string
param location string = resourceGroup().location
param tags object = {}
param publisherEmail string
param publisherName string

@allowed(['StandardV2', 'PremiumV2'])
@description('A v2 tier with outbound virtual network integration: the backends accept traffic from the virtual network only.')
param skuName string = 'StandardV2'

@description('Subnet (delegated to Microsoft.Web/serverFarms) API Management sends its backend traffic through.')
param subnetId string

param apiName string
param apiDisplayName string

@description('API URL suffix; empty serves the document\'s paths at the gateway\'s root.')
param apiPath string = ''

@description('The OpenAPI 3.0 document (JSON).')
param openApiDocument string

@description('The API-level policy document (XML).')
param apiPolicy string

@description('Named values referenced by the policy as {{name}}.')
param namedValues object

@description('Products that publish the API: { name, displayName, description }.')
param products { name: string, displayName: string, description: string }[]

@description('One backend per service: { name, url }. The policy routes to them with set-backend-service backend-id="<name>".')
param backends { name: string, url: string }[]

param applicationInsightsId string
param applicationInsightsConnectionString string

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: 1
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
    // v2 tiers: 'External' with a subnet is outbound integration; the gateway stays public.
    virtualNetworkType: 'External'
    virtualNetworkConfiguration: {
      subnetResourceId: subnetId
    }
  }
}

resource values 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = [
  for nv in items(namedValues): {
    parent: apim
    name: nv.key
    properties: {
      displayName: nv.key
      value: nv.value
      secret: false
    }
  }
]

resource backendResources 'Microsoft.ApiManagement/service/backends@2024-05-01' = [
  for backend in backends: {
    parent: apim
    name: backend.name
    properties: {
      url: backend.url
      protocol: 'http'
      tls: {
        validateCertificateChain: true
        validateCertificateName: true
      }
      // Trips after 5 server errors or timeouts in a minute; calls fail fast (503) for a minute, or for the backend's Retry-After.
      circuitBreaker: {
        rules: [
          {
            name: '${backend.name}-breaker'
            failureCondition: {
              count: 5
              interval: 'PT1M'
              statusCodeRanges: [
                {
                  min: 500
                  max: 599
                }
              ]
              errorReasons: ['timeout', 'BackendConnectionFailure']
            }
            tripDuration: 'PT1M'
            acceptRetryAfter: true
          }
        ]
      }
    }
  }
]

resource api 'Microsoft.ApiManagement/service/apis@2024-05-01' = {
  parent: apim
  name: apiName
  properties: {
    displayName: apiDisplayName
    path: apiPath
    protocols: ['https']
    format: 'openapi+json'
    value: openApiDocument
    // Callers authenticate with the identity service's bearer tokens (validate-jwt), not APIM subscription keys.
    subscriptionRequired: false
  }
}

resource policy 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = {
  parent: api
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: apiPolicy
  }
  dependsOn: [values, backendResources]
}

resource productResources 'Microsoft.ApiManagement/service/products@2024-05-01' = [
  for product in products: {
    parent: apim
    name: product.name
    properties: {
      displayName: product.displayName
      description: product.description
      state: 'published'
      subscriptionRequired: false
    }
  }
]

resource productApis 'Microsoft.ApiManagement/service/products/apis@2024-05-01' = [
  for (product, i) in products: {
    parent: productResources[i]
    name: api.name
  }
]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: last(split(applicationInsightsId, '/'))
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsightsId, apim.id, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    principalId: apim.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
  }
}

// Application Insights has local auth off: the logger sends with the service's managed identity.
resource logger 'Microsoft.ApiManagement/service/loggers@2024-05-01' = {
  parent: apim
  name: 'application-insights'
  properties: {
    loggerType: 'applicationInsights'
    resourceId: applicationInsightsId
    credentials: {
      connectionString: applicationInsightsConnectionString
      identityClientId: 'SystemAssigned'
    }
  }
  dependsOn: [metricsPublisher]
}

// emit-metric in the policy needs the diagnostic with custom metrics on; W3C trace context flows to the apps.
resource diagnostic 'Microsoft.ApiManagement/service/diagnostics@2024-05-01' = {
  parent: apim
  name: 'applicationinsights'
  properties: {
    loggerId: logger.id
    alwaysLog: 'allErrors'
    httpCorrelationProtocol: 'W3C'
    metrics: true
    verbosity: 'information'
    sampling: {
      samplingType: 'fixed'
      percentage: 100
    }
  }
}

output name string = apim.name
output gatewayUrl string = apim.properties.gatewayUrl
output principalId string = apim.identity.principalId
