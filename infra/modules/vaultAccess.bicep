// Deployed once per vault named in AUTOPROTECT_VAULTS, into the vault's resource group.
// Backup Contributor on the vault covers every vault-side call the code makes (infra/permissions.json).
param vaultName string
param principalId string

var backupContributorRoleId = '5e467623-bb1f-42f4-a55d-6e525e11384b'

resource vault 'Microsoft.RecoveryServices/vaults@2026-01-01' existing = {
  name: vaultName
}

resource backupContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, backupContributorRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', backupContributorRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
