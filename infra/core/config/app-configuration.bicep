@description('App Configuration store, local (access key) auth off: the key-values the apps read at run time, under the environment\'s label, and the sentinel key whose change makes every app reload.')
param name string
param location string = resourceGroup().location
param tags object = {}

@description('The environment\'s label (AppConfiguration:Label); every key-value is written under it.')
param label string

@description('{ key, value } pairs.')
param keyValues { key: string, value: string }[]

@description('The key the apps watch (AppConfiguration:SentinelKey).')
param sentinelKey string

@description('Principal that deploys (azd): with local auth off, ARM writes key-values with the deployer\'s own token (pass-through), so it needs App Configuration Data Owner.')
param deployerPrincipalId string = ''
param deployerPrincipalType string = 'User'

var dataOwnerRoleId = '5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b'

resource store 'Microsoft.AppConfiguration/configurationStores@2024-05-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'standard'
  }
  properties: {
    disableLocalAuth: true
    dataPlaneProxy: {
      authenticationMode: 'Pass-through'
      privateLinkDelegation: 'Disabled'
    }
  }
}

resource deployerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(store.id, deployerPrincipalId, dataOwnerRoleId)
  scope: store
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwnerRoleId)
  }
}

// Resource name: <key>$<label>; '/' in a key is written as '~2F'.
resource values 'Microsoft.AppConfiguration/configurationStores/keyValues@2024-05-01' = [
  for kv in concat(keyValues, [{ key: sentinelKey, value: '1' }]): {
    parent: store
    name: '${replace(kv.key, '/', '~2F')}$${label}'
    properties: {
      value: kv.value
    }
    dependsOn: [deployerAccess]
  }
]

output id string = store.id
output name string = store.name
output endpoint string = store.properties.endpoint
