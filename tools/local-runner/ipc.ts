/** Messages between startRunner (parent) and main.ts (child) over the IPC channel; keys never go through stdout. */
export interface StartMessage {
  type: 'start';
  appDir: string;
  settings: Record<string, string>;
  /** false: do not read `<appDir>/local.settings.json` (the caller already decided every setting). Default true. */
  readLocalSettings?: boolean;
  port: number;
  masterKey: string;
  systemKey: string;
  functions?: string[];
  instanceId: string;
  stopTimeoutMs: number;
  queueMessageLeaseMs?: number;
}

export interface ReadyMessage {
  type: 'ready';
  port: number;
  functions: Array<{ name: string; trigger: string }>;
}

export interface FailedMessage {
  type: 'failed';
  message: string;
}

export type ChildMessage = ReadyMessage | FailedMessage;

export function isStartMessage(value: unknown): value is StartMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'start';
}

export function isChildMessage(value: unknown): value is ChildMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'failed';
}
