export const serverEntry: string;
export function serverIsStale(): boolean;
export function buildServer(options?: { quiet?: boolean }): void;
