export function clientIsStale(): boolean;
export function ensureClientBuilt(options?: { quiet?: boolean }): Promise<boolean>;
