@description('A Function App on its own Flex Consumption plan (Flex allows one app per plan), running as one user-assigned identity, integrated with a virtual network and closed to public traffic.')
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}

@description('The azd service name; azd deploys the project to the app carrying this tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as (host storage, deployment package, Key Vault references, the code).')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Blob endpoint of the storage account holding the deployment package (and the host\'s state).')
param storageBlobEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Subnet (delegated to Microsoft.App/environments) the app sends its outbound traffic through.')
param subnetId string

@description('Always-ready instances per group; hosted background processors need an instance that never scales to zero.')
param alwaysReadyInstances int = 0

param appSettings object = {}
param runtimeName string = 'dotnet-isolated'
param runtimeVersion string = '10.0'
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (@Microsoft.KeyVault(...)) are resolved with this identity, not a system-assigned one.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Public traffic is refused; APIM and the other apps come in through the app's private endpoint,
      // which access restrictions do not apply to. The deployment (scm) endpoint keeps its own rules and needs Entra ID.
      ipSecurityRestrictionsDefaultAction: 'Deny'
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: 'Allow'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // The worker's hosted processors (change feed, Service Bus) run on the instances of the HTTP group.
        alwaysReady: alwaysReadyInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyInstances }] : []
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

// Basic (user name + password) publishing credentials off: deployments authenticate with Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Flex Consumption sets the worker runtime in functionAppConfig, so FUNCTIONS_WORKER_RUNTIME must not be set here.
// The Functions host's default home page would answer GET / before the web BFF's shell (route ""): it is turned off.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(appSettings, {
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsDisableHomepage: 'true'
  })
}

output id string = functionApp.id
output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
