@description('Serverless Cosmos DB (NoSQL) account with one database per service; keys are disabled, so clients need a data-plane role (cosmos-sql-role-assignments.bicep).')
param name string
param location string = resourceGroup().location
param tags object = {}

@description('One database per service: a service is granted access to its own database only.')
param databaseNames string[]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    capabilities: [
      { name: 'EnableServerless' }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
  }
}

resource databases 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = [
  for databaseName in databaseNames: {
    parent: account
    name: databaseName
    properties: {
      resource: {
        id: databaseName
      }
    }
  }
]

output name string = account.name
output endpoint string = account.properties.documentEndpoint
