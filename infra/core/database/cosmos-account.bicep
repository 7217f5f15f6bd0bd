@description('Serverless Cosmos DB (NoSQL) account, keys disabled: one database per service and exactly the containers the adapters use (CosmosLayout.All).')
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Every container: { database, container, partitionKeyPath }. The databases are the distinct database names.')
param containers { database: string, container: string, partitionKeyPath: string }[]

var databaseNames = union(map(containers, c => c.database), [])

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
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

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for c in containers: {
    name: '${account.name}/${c.database}/${c.container}'
    properties: {
      resource: {
        id: c.container
        partitionKey: {
          paths: [c.partitionKeyPath]
          kind: 'Hash'
        }
      }
    }
    dependsOn: [databases]
  }
]

output name string = account.name
output endpoint string = account.properties.documentEndpoint
