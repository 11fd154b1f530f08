/** Types of autoprotect-hooks.js (plain JavaScript: azd runs it before `npm install`). */
export interface ArmResponse {
  status: number;
  body: Record<string, unknown> & { value?: unknown[]; error?: { code?: string } };
}

export interface HookDeps {
  env: Record<string, string | undefined>;
  arm: { get(path: string): Promise<ArmResponse>; post(path: string): Promise<ArmResponse> };
  azd(args: string[], extraEnv?: Record<string, string>): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  log(line: string): void;
}

export declare class HookError extends Error {}
export declare function runHook(name: string, deps: HookDeps): Promise<void>;
export declare function roleName(subscriptionId: string): string;
export declare function subscriptionList(text: string | undefined): string[];
export declare const POLL_SECONDS: number;
