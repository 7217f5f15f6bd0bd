@description('The public entry point: API Management with the shop\'s API (infra/apim/openapi.json), its policy (infra/apim/api-policy.xml), the web and mobile products and a backend per app.')
param name string
param location string = resourceGroup().location
param tags object = {}
param publisherEmail string
param subnetId string

@description('{ name, url } per app; the backend ids the policy routes to.')
param backends { name: string, url: string }[]

@description('The identity service\'s issuer (Auth:Issuer); validate-jwt accepts only tokens from it.')
param issuer string
param audience string
param applicationInsightsId string
param applicationInsightsConnectionString string

// The API the apps serve: the public document without the local host's own operations (/health and /ops/*: the
// local gateway answers them itself; in Azure, Application Insights, the Service Bus dead-letter queues and App
// Configuration play those parts, so no Function App is behind them).
var apiDocument = loadJsonContent('../apim/openapi.json')
var appApi = {
  openapi: apiDocument.openapi
  info: apiDocument.info
  tags: apiDocument.tags
  security: apiDocument.security
  paths: toObject(filter(items(apiDocument.paths), p => p.key != '/health' && !startsWith(p.key, '/ops/')), p => p.key, p => p.value)
  components: apiDocument.components
}

module apim '../core/gateway/api-management.bicep' = {
  name: 'api-management'
  params: {
    name: name
    location: location
    tags: tags
    publisherEmail: publisherEmail
    publisherName: 'Serverless shop'
    subnetId: subnetId
    apiName: 'shop'
    apiDisplayName: 'Serverless shop'
    apiPath: ''
    openApiDocument: string(appApi)
    apiPolicy: loadTextContent('../apim/api-policy.xml')
    namedValues: {
      // The JWKS comes from the identity service's metadata, fetched through this gateway (its /auth routes are anonymous).
      'identity-openid-config': 'https://${name}.azure-api.net/auth/.well-known/openid-configuration'
      'jwt-issuer': issuer
      'jwt-audience': audience
    }
    products: [
      { name: 'web', displayName: 'Web', description: 'The web front end: the web BFF and the public API.' }
      { name: 'mobile', displayName: 'Mobile', description: 'The mobile app: the mobile BFF and the public API.' }
    ]
    backends: backends
    applicationInsightsId: applicationInsightsId
    applicationInsightsConnectionString: applicationInsightsConnectionString
  }
}

output name string = apim.outputs.name
output gatewayUrl string = apim.outputs.gatewayUrl
