@description('Key Vault in RBAC mode: the token signing key (its private part never leaves the vault) and the secrets generated at provision time.')
param name string
param location string = resourceGroup().location
param tags object = {}

@description('RSA keys to create (2048 bits, sign/verify only).')
param keyNames string[] = []

@description('Secret name -> value; the values are generated at provision time and never written to the repo or to an output.')
@secure()
param secrets object = {}

@description('Principal that deploys (azd): reads the secrets back on the next provision, so re-provisioning keeps them.')
param deployerPrincipalId string = ''
param deployerPrincipalType string = 'User'

var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource keys 'Microsoft.KeyVault/vaults/keys@2023-07-01' = [
  for keyName in keyNames: {
    parent: vault
    name: keyName
    properties: {
      kty: 'RSA'
      keySize: 2048
      keyOps: ['sign', 'verify']
    }
  }
]

resource secretResources 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in items(secrets): {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
      contentType: 'text/plain'
    }
  }
]

resource deployerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
