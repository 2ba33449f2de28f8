/** Starts a static server on 127.0.0.1 (random port) serving `mounts` ([URL prefix, folder], first match wins) with COOP/COEP. */
export function startStaticServer(mounts: readonly (readonly [string, string])[]): Promise<{ url: string; close: () => Promise<void> }>;
