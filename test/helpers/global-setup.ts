// Filled in by the e2e work: builds the client once if dist/client is missing or stale.
export default async function setup(): Promise<void> {}
