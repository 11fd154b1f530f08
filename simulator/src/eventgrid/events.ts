import { randomUUID } from 'node:crypto';

import { armTime } from '../http';

/** An event in the Event Grid schema, as the subscription system topic publishes it. */
export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

/** The same event in the CloudEvents 1.0 schema. */
export interface CloudEvent {
  id: string;
  source: string;
  subject: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
  specversion: '1.0';
}

export interface ResourceEventInput {
  eventType: 'Microsoft.Resources.ResourceWriteSuccess' | 'Microsoft.Resources.ResourceDeleteSuccess';
  subscriptionId: string;
  tenantId: string;
  resourceUri: string;
  operationName: string;
  /** Present for updates and deletes, absent on create (per the schema article). */
  httpRequest?: { method: string; clientRequestId: string; url: string };
  correlationId: string;
  now: number;
}

/** Builds a ResourceWriteSuccess / ResourceDeleteSuccess event shaped like events/derived-vm-create.eventgrid.json. */
export function resourceEvent(input: ResourceEventInput): EventGridEvent {
  const data: Record<string, unknown> = {
    authorization: {
      scope: input.resourceUri,
      action: input.operationName,
      evidence: {
        role: 'Contributor',
        roleAssignmentScope: `/subscriptions/${input.subscriptionId}`,
        principalType: 'ServicePrincipal',
      },
    },
    claims: {
      aud: 'https://management.core.windows.net/',
      iss: `https://sts.windows.net/${input.tenantId}/`,
      appid: '00000000-0000-0000-0000-00000000a11d',
      'http://schemas.microsoft.com/identity/claims/tenantid': input.tenantId,
      ver: '1.0',
    },
    correlationId: input.correlationId,
    resourceProvider: 'Microsoft.Compute',
    resourceUri: input.resourceUri,
    operationName: input.operationName,
    status: 'Succeeded',
    subscriptionId: input.subscriptionId,
    tenantId: input.tenantId,
  };
  if (input.httpRequest) {
    data.httpRequest = {
      clientRequestId: input.httpRequest.clientRequestId,
      clientIpAddress: '127.0.0.1',
      method: input.httpRequest.method,
      url: input.httpRequest.url,
    };
  }
  return {
    subject: input.resourceUri,
    eventType: input.eventType,
    eventTime: armTime(input.now),
    id: randomUUID(),
    data,
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${input.subscriptionId}`,
  };
}

export function toCloudEvent(event: EventGridEvent): CloudEvent {
  return {
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    data: event.data,
    specversion: '1.0',
  };
}

export function validationEvent(topic: string, code: string, now: number): EventGridEvent {
  return {
    id: randomUUID(),
    topic,
    subject: '',
    data: { validationCode: code, validationUrl: `https://127.0.0.1/eventsubscriptions/validate?id=${code}` },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: armTime(now),
    metadataVersion: '1',
    dataVersion: '1',
  };
}
