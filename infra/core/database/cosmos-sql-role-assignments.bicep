@description('Cosmos DB data-plane role assignments (the built-in roles), each scoped to a database or a container path.')
param accountName string

@description('Per principal, its built-in data-plane roles, each on a scope below the account: dbs/<db> or dbs/<db>/colls/<container>.')
param grants { principalId: string, roles: { scope: string, role: string }[] }[]

@description('Optional user or service principal granted data access to the whole account (for debugging against Azure).')
param principalId string = ''

var roleIds = {
  'Cosmos DB Built-in Data Reader': '00000000-0000-0000-0000-000000000001'
  'Cosmos DB Built-in Data Contributor': '00000000-0000-0000-0000-000000000002'
}
var dataContributorRoleId = roleIds['Cosmos DB Built-in Data Contributor']
var assignments = flatten(map(grants, g => map(g.roles, r => { principalId: g.principalId, roleDefinitionId: roleIds[r.role], scope: r.scope })))

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: accountName
}

// Each role assignment takes an exclusive lock on the account: parallel writes fail with 412 PreconditionFailed.
@batchSize(1)
resource dataAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for grant in assignments: {
    parent: account
    name: guid(account.id, grant.principalId, grant.roleDefinitionId, grant.scope)
    properties: {
      principalId: grant.principalId
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${grant.roleDefinitionId}'
      // Data-plane scopes are paths below the account (/dbs/<name>/colls/<name>), not ARM resource ids.
      scope: '${account.id}/${grant.scope}'
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
  dependsOn: [dataAccess]
}
