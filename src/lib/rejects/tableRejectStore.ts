import type { TableClient, TableEntityResult } from '@azure/data-tables';

import { TransientError } from '../errors';
import { type RejectInput, type RejectKind, type RejectRecord, type RejectStore, toRejectRecord } from './rejectStore';

/** A table property holds at most 64 KiB (32K UTF-16 characters): the raw payload is split into chunks of this. */
export const RAW_CHUNK_CHARS = 30_000;

interface RejectEntity {
  partitionKey: string;
  rowKey: string;
  code: string;
  reason: string;
  rawLength: number;
  rawChunks: number;
  truncated: boolean;
  context: string;
  recordedAt: string;
  [rawChunk: `raw${number}`]: string;
}

/** RejectStore on Table storage: PartitionKey = kind, RowKey = the payload's hash, raw payload in `raw0..rawN`. */
export class TableRejectStore implements RejectStore {
  private tableReady: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  async record(input: RejectInput): Promise<void> {
    const record = toRejectRecord(input);
    try {
      await this.ensureTable();
      await this.table.upsertEntity(toEntity(record), 'Replace');
    } catch (error) {
      this.tableReady = undefined;
      throw new TransientError(`Could not record the rejected ${record.kind} in table ${this.table.tableName}`, {
        cause: error,
        code: 'reject-store-unavailable',
        context: { rejectId: record.id, rejectCode: record.code },
      });
    }
  }

  async *list(): AsyncIterable<RejectRecord> {
    await this.ensureTable();
    for await (const entity of this.table.listEntities<Record<string, unknown>>()) {
      yield fromEntity(entity);
    }
  }

  private ensureTable(): Promise<void> {
    this.tableReady ??= this.table.createTable().then(() => undefined);
    return this.tableReady;
  }
}

function toEntity(record: RejectRecord): RejectEntity {
  const entity: RejectEntity = {
    partitionKey: record.kind,
    rowKey: record.id,
    code: record.code,
    reason: record.reason,
    rawLength: record.rawLength,
    rawChunks: 0,
    truncated: record.truncated,
    context: safeJson(record.context).slice(0, RAW_CHUNK_CHARS),
    recordedAt: record.recordedAt,
  };
  for (let start = 0, index = 0; start < record.raw.length; start += RAW_CHUNK_CHARS, index += 1) {
    entity[`raw${index}`] = record.raw.slice(start, start + RAW_CHUNK_CHARS);
    entity.rawChunks = index + 1;
  }
  return entity;
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): RejectRecord {
  const chunks = Number(entity.rawChunks ?? 0);
  let raw = '';
  for (let index = 0; index < chunks; index += 1) raw += textOf(entity[`raw${index}`]);
  return {
    id: entity.rowKey ?? '',
    kind: (entity.partitionKey === 'message' ? 'message' : 'event') satisfies RejectKind,
    code: textOf(entity.code),
    reason: textOf(entity.reason),
    raw,
    rawLength: Number(entity.rawLength ?? raw.length),
    truncated: entity.truncated === true,
    context: parseContext(entity.context),
    recordedAt: textOf(entity.recordedAt),
  };
}

/** A string property as stored; anything else (absent, or a row written by hand) reads as ''. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '{}';
  } catch {
    return '{}';
  }
}

function parseContext(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
