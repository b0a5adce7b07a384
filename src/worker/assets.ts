import { VirtualBackgroundError } from '../errors';

/**
 * Fetches an asset and fails with its URL named, instead of an opaque script or model error inside
 * tasks-vision. An HTML answer counts as missing: dev servers and SPA hosts answer unknown paths
 * with index.html and status 200.
 */
export async function fetchAsset(url: string, method: 'GET' | 'HEAD'): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { method });
  } catch (cause) {
    throw new VirtualBackgroundError('asset-load-failed', `could not fetch ${url}`, { cause });
  }
  if (!response.ok) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${url} answered ${response.status} ${response.statusText}`,
    );
  }
  if ((response.headers.get('content-type') ?? '').includes('text/html')) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${url} answered with an HTML page, not the asset (wrong assetBaseUrl?)`,
    );
  }
  return response;
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetchAsset(url, 'GET')).arrayBuffer());
}
