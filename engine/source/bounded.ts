// Bounded output: a text taken from the input (a dead letter's reason or raw line, a name) is cut to
// a fixed length before it is written, printed or summarised, with a note of its original length
// (characters, or bytes for a Kafka message), so one huge field cannot grow the dead letters, the
// summary or stdout. Also the longest instrument key and name the codec accepts.
import type { DeadLetter } from '../../protocol/events.ts';

/** Longest dead-letter reason kept (characters). */
export const kMaxReasonChars = 1024;
/** Longest raw input kept in a dead letter (characters). */
export const kMaxRawChars = 4096;
/** Longest instrument key, and name field (venue, asset, pool, ...), the codec accepts. */
export const kMaxKeyChars = 256;

/**
 * `s` itself when it has at most `max` characters; otherwise its first `max` characters and a note
 * of the original length (`length`, when `s` was already cut before it got here).
 */
export function capText(s: string, max: number, length = s.length): string {
  if (s.length <= max && length <= s.length) return s;
  return `${s.slice(0, max)}… [cut to ${max.toLocaleString('en-US')} of ${length.toLocaleString('en-US')}]`;
}

/** The dead letter with its source, reason and raw text cut to their bounds. */
export function boundDeadLetter(dl: DeadLetter, rawLength = dl.raw.length): DeadLetter {
  const source = capText(dl.source, 512);
  const reason = capText(dl.reason, kMaxReasonChars);
  const raw = capText(dl.raw, kMaxRawChars, rawLength);
  return source === dl.source && reason === dl.reason && raw === dl.raw ? dl : { source, reason, raw };
}
