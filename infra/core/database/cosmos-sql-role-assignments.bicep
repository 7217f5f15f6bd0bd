@description('Grants the built-in Cosmos DB Data Contributor data-plane role, one assignment at a time.')
param accountName string

@description('Database per service: each principal may read and write its own database only.')
param databaseGrants { principalId: string, databaseName: string }[]

@description('Optional user or service principal granted data access to the whole account (for debugging against Azure).')
param principalId string = ''

var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: accountName
}

// Each role assignment takes an exclusive lock on the account: parallel writes fail with 412 PreconditionFailed.
@batchSize(1)
resource databaseAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for grant in databaseGrants: {
    parent: account
    name: guid(account.id, grant.principalId, grant.databaseName, dataContributorRoleId)
    properties: {
      principalId: grant.principalId
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
      // Data-plane scopes are /dbs/<name>, not the ARM sqlDatabases id.
      scope: '${account.id}/dbs/${grant.databaseName}'
    }
  }
]

resource principalAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = if (!empty(principalId)) {
  parent: account
  name: guid(account.id, principalId, dataContributorRoleId)
  properties: {
    principalId: principalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    scope: account.id
  }
  dependsOn: [databaseAccess]
}
