/** Small pieces every driver family shares. */
import type { PreflightCheck } from '../../ports/target-driver.js';

/** Reads the current value of another secret (a managing credential); drivers never see the store. */
export type ResolveSecret = (secretName: string) => Promise<string>;

export const passed = (name: string, detail: string): PreflightCheck => ({ name, ok: true, detail });
export const failed = (name: string, detail: string): PreflightCheck => ({ name, ok: false, detail });

/** The message of an error for a preflight check; drivers' errors are already redacted. */
export const reason = (error: unknown): string => (error instanceof Error ? error.message : 'unknown error');
