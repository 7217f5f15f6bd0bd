@description('The virtual network: one subnet for the Function Apps\' outbound traffic, one for API Management\'s, one for the apps\' private endpoints, and the private DNS zone that makes <app>.azurewebsites.net resolve to those endpoints.')
param name string
param location string = resourceGroup().location
param tags object = {}
param nsgName string

var addressSpace = '10.20.0.0/16'
var appsSubnet = { name: 'apps', prefix: '10.20.0.0/24', delegation: 'Microsoft.App/environments' }
var apimSubnet = { name: 'apim', prefix: '10.20.1.0/24', delegation: 'Microsoft.Web/serverFarms' }
var endpointsSubnet = { name: 'private-endpoints', prefix: '10.20.2.0/24' }

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressSpace]
    }
    subnets: [
      for subnet in [appsSubnet, apimSubnet]: {
        name: subnet.name
        properties: {
          addressPrefix: subnet.prefix
          networkSecurityGroup: {
            id: nsg.id
          }
          delegations: [
            {
              name: 'delegation'
              properties: {
                serviceName: subnet.delegation
              }
            }
          ]
        }
      }
    ]
  }
}

// Subnets declared as children run one after the other (parallel writes to one network fail).
resource endpoints 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: endpointsSubnet.name
  properties: {
    addressPrefix: endpointsSubnet.prefix
    networkSecurityGroup: {
      id: nsg.id
    }
    privateEndpointNetworkPolicies: 'Disabled'
  }
}

resource sitesZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.azurewebsites.net'
  location: 'global'
  tags: tags
}

resource sitesZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: sitesZone
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

output id string = vnet.id
output appsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, appsSubnet.name)
output apimSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, apimSubnet.name)
output privateEndpointsSubnetId string = endpoints.id
output sitesPrivateDnsZoneId string = sitesZone.id
