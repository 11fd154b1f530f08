import { z } from 'zod';

import { faultRuleSchema } from './faults';

const PROVISIONING_STATES = ['Creating', 'Updating', 'Succeeded', 'Failed', 'Deleting'] as const;

/** The VM configuration POST /_sim/vms and seeds accept (simulator/src/vmProfile.ts renders it). */
const vmShapeFields = {
  securityType: z.enum(['Standard', 'TrustedLaunch', 'ConfidentialVM']).optional(),
  ephemeralOsDisk: z.boolean().optional(),
  dataDisks: z
    .array(z.strictObject({ storageAccountType: z.string().min(1), maxShares: z.number().int().min(1).optional() }))
    .max(64)
    .optional(),
  priority: z.enum(['Regular', 'Spot']).optional(),
  provisioningState: z.enum(PROVISIONING_STATES).optional(),
};

/**
 * Test knobs, not Azure behaviour: a Backup job duration of this VM's own (`null` on PATCH: the timing's again), and
 * how many of its next Backup jobs fail with UserErrorGuestAgentStatusUnavailable.
 */
const backupKnobFields = {
  backupJobMs: z.number().int().min(0).max(86_400_000).optional(),
  failNextBackupJobs: z.number().int().min(0).max(1_000).optional(),
};

export const createVmSchema = z.object({
  subscriptionId: z.string().optional(),
  resourceGroup: z.string().min(1),
  name: z.string().min(1),
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  guestAgent: z.enum(['ready', 'unavailable']).optional(),
  ...vmShapeFields,
  ...backupKnobFields,
  emitEvents: z.boolean().default(true),
});

/** PATCH /_sim/vms/{subscriptionId}/{resourceGroup}/{name}: the VM's state, changed without a Compute write. */
export const patchVmSchema = z
  .object({
    guestAgent: z.enum(['ready', 'unavailable']).optional(),
    provisioningState: z.enum(PROVISIONING_STATES).optional(),
    ...backupKnobFields,
    backupJobMs: backupKnobFields.backupJobMs.nullable(),
  })
  .strict();

export const timingSchema = z
  .object({
    configureBackupMs: z.number().int().min(0),
    backupOperationMs: z.number().int().min(0),
    backupJobMs: z.number().int().min(0),
    deleteMs: z.number().int().min(0),
    retryAfterSeconds: z.number().int().min(0),
  })
  .partial();

const bucketSchema = z.object({ size: z.number().min(0), refillPerSecond: z.number().min(0) }).partial();

export const throttlingSchema = z
  .object({ enabled: z.boolean(), reads: bucketSchema, writes: bucketSchema, deletes: bucketSchema })
  .partial();

export const noiseSchema = z
  .object({
    updateAfterCreate: z.boolean(),
    extensionWriteAfterCreate: z.boolean(),
    duplicateDeliveryRate: z.number().min(0).max(1),
  })
  .partial();

export const eventGridSchema = z
  .object({ retryScale: z.number().positive(), deliveryTimeoutMs: z.number().int().positive() })
  .partial();

/** POST /_sim/compute: how a refused VM name is answered (the real code is UNVERIFIED, see vmNames.ts). */
export const computeSchema = z.object({
  invalidVmName: z
    .object({ statusCode: z.number().int().min(400).max(599), code: z.string().min(1).max(200) })
    .partial()
    .optional(),
});

export const faultsSchema = z.object({ faults: z.array(faultRuleSchema) });

/** POST /_sim/backup: refusal mode and code (UNVERIFIED, see backupSupport.ts) and the discovery lag. */
export const backupSchema = z.strictObject({
  refusal: z
    .strictObject({
      mode: z.enum(['sync-400', 'failed-job']),
      statusCode: z.number().int().min(400).max(599),
      code: z.string().min(1).max(200),
    })
    .partial()
    .optional(),
  discoveryLagSeconds: z.number().min(0).max(86_400).optional(),
});

const policySeedSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['IaasV1Daily', 'IaasV2Hourly', 'IaasV2Daily']),
});

export const seedSchema = z.object({
  subscriptionId: z.string().min(1),
  tenantId: z.string().min(1),
  extraSubscriptionIds: z.array(z.string()).optional(),
  resourceGroups: z.array(z.string()).optional(),
  vaults: z.array(
    z.object({
      resourceGroup: z.string().min(1),
      name: z.string().min(1),
      location: z.string().min(1),
      policies: z.array(policySeedSchema).optional(),
    }),
  ),
  vms: z
    .array(
      z.object({
        resourceGroup: z.string().min(1),
        name: z.string().min(1),
        location: z.string().min(1),
        tags: z.record(z.string(), z.string()).optional(),
        guestAgent: z.enum(['ready', 'unavailable']).optional(),
        ...vmShapeFields,
      }),
    )
    .optional(),
  allowCrossSubscription: z.boolean().optional(),
});

/** POST /_sim/bulkProtectedItems: many protected items in one vault at once (benchmarks). */
export const bulkProtectedItemsSchema = z.object({
  subscriptionId: z.string().min(1).optional(),
  vaultResourceGroup: z.string().min(1).default('rg-backup'),
  vaultName: z.string().min(1),
  count: z.number().int().min(1).max(200_000),
  stalePercent: z.number().min(0).max(100).default(0),
  staleAgeHours: z.number().min(0).default(48),
  policyName: z.string().min(1).default('DefaultPolicy'),
  vmResourceGroup: z.string().min(1).optional(),
  namePrefix: z.string().min(1).optional(),
  createVms: z.boolean().default(true),
});
