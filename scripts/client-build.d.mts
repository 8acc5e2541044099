export function clientIsStale(): boolean;
export function ensureClientBuilt(options?: { quiet?: boolean }): Promise<boolean>;
export function forceClientBuild(options?: { quiet?: boolean }): Promise<void>;
