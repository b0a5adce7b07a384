/** Small helpers shared by the page's modules. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the dev server serves the model files and engine runtimes (see models/). */
export const assets = new URL('/models/', location.href).href;
