// The web shell's gatekeeping, kept pure so each rule is tested directly: a per-launch token on
// every request, loopback Host names only (no DNS rebinding), same-origin WebSockets, strict CSP.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const tokenCookie = 'csam_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensMatch(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The Host names a browser on this machine may use to reach us; anything else is a rebinding attempt. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '[::1]']);
  return new Set([...names].map((name) => `${name}:${port}`));
}

export function originAllowed(origin: string | undefined, hosts: Set<string>): boolean {
  if (!origin) return true; // same-origin GETs and non-browser clients send none; the token still applies
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hosts.has(url.host);
  } catch {
    return false;
  }
}

export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  cookie: string | undefined;
  url: string;
}

export type Verdict =
  { allowed: true; setCookie: boolean } | { allowed: false; status: number; reason: string };

/** One decision for every HTTP request and WebSocket upgrade. */
export function checkRequest(facts: RequestFacts, token: string, hosts: Set<string>): Verdict {
  if (!facts.host || !hosts.has(facts.host))
    return { allowed: false, status: 421, reason: 'unexpected Host' };
  if (!originAllowed(facts.origin, hosts))
    return { allowed: false, status: 403, reason: 'cross-origin request refused' };
  const queryToken = new URL(facts.url, 'http://x').searchParams.get('token');
  if (tokensMatch(token, queryToken)) return { allowed: true, setCookie: true };
  if (tokensMatch(token, cookieValue(facts.cookie, tokenCookie))) return { allowed: true, setCookie: false };
  return {
    allowed: false,
    status: 401,
    reason: 'missing or wrong access token: use the URL the workstation printed',
  };
}

export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // vtk.js and Vue set element styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
