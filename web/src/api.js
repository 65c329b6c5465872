// The dashboard's one way to the server: the /v1 API, with the key the operator signed in with.
// The key lives in sessionStorage, so it is gone when the tab closes, and is sent only as the
// API's bearer header.

const keyName = 'coffer.key';

export function savedKey() {
  return sessionStorage.getItem(keyName) || '';
}

export function saveKey(key) {
  sessionStorage.setItem(keyName, key);
}

export function forgetKey() {
  sessionStorage.removeItem(keyName);
}

// ApiError is an answer of the API other than 2xx: its status, its machine-readable code and
// its sentence.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// call sends one request and returns the parsed answer, or throws an ApiError.
export async function call(method, path, query, body) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { Authorization: 'Bearer ' + savedKey() };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'The server did not answer: ' + e.message);
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(resp.status, 'internal', 'The server answered something that is not JSON.');
    }
  }
  if (!resp.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(resp.status, err.code || 'internal', err.message || resp.statusText);
  }
  return data;
}

export const get = (path, query) => call('GET', path, query);
export const post = (path, body) => call('POST', path, undefined, body);

// seg quotes one path segment.
export const seg = (s) => encodeURIComponent(s);

// newID makes an operation id for a write the dashboard sends (a redelivery, an approval).
export function newID(prefix) {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return prefix + '-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
