// Guards for routes that change something (control endpoints): a bearer token, compared in
// constant time. Read-only endpoints (/metrics, /health, /ready) take no guard.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OptionError } from '../../protocol/errors.ts';
import { textReply, type Guard } from './router.ts';

const kMinTokenLength = 16;

/** 401 without a bearer token, 403 with a wrong one, null (let through) with the right one. */
export function bearerGuard(token: string): Guard {
  if (typeof token !== 'string' || token.length < kMinTokenLength) {
    throw new OptionError(`http bearer token must be a string of at least ${kMinTokenLength} characters`);
  }
  const want = digest(token);
  return (req: IncomingMessage) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer (\S+)$/i.exec(header) : null;
    if (m === null) return { ...textReply(401, 'a bearer token is required'), headers: { 'www-authenticate': 'Bearer' } };
    return timingSafeEqual(digest(m[1]), want) ? null : textReply(403, 'the bearer token is not valid');
  };
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
