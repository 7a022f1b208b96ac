/** Where the control plane lives (control-plane.ts): outside every tenant's URL space. Its own module so
 * that the fast lane and CORS can know the path without loading the control plane's router. */
export const CONTROL_PREFIX = '/__emulator';

export const isControlPath = (path: string) => path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
