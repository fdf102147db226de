// Errors of the event store, under the engine's one error root. An expected error has a one-line
// message naming what was wrong (the stream, the field, the offset), never a stack for a user.
import { LucentError } from '../../../protocol/errors.ts';

/** The stream was not at the revision an append expected. Not retriable as is: re-read and decide. */
export class WrongExpectedRevisionError extends LucentError {
  readonly stream: string;
  readonly expected: string | number;
  /** The stream's actual last revision, or 'no_stream'. */
  readonly actual: number | 'no_stream';
  constructor(stream: string, expected: string | number, actual: number | 'no_stream', options: { cause?: unknown } = {}) {
    const act = actual === 'no_stream' ? 'no_stream (the stream has no events)' : `revision ${actual}`;
    const exp = typeof expected === 'number' ? `revision ${expected}` : expected;
    super('ERR_WRONG_EXPECTED_REVISION', `append to stream "${stream}": expected ${exp}, actual ${act}`, options);
    this.name = 'WrongExpectedRevisionError';
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A bad stream name, event, option or read argument: the message names it. */
export class InvalidEventError extends LucentError {
  constructor(message: string) {
    super('ERR_INVALID_EVENT', message);
    this.name = 'InvalidEventError';
  }
}

/** The embedded log holds a record that is not a torn tail: a bad checksum, a broken hash chain, a gap. */
export class CorruptLogError extends LucentError {
  readonly offset: number;
  /** The 0-based number of the bad event in the log (its expected position). */
  readonly index: number;
  constructor(message: string, offset: number, index: number) {
    super('ERR_CORRUPT_LOG', message);
    this.name = 'CorruptLogError';
    this.offset = offset;
    this.index = index;
  }
}

/** The store cannot be used: closed, locked by another process, failed to write, server unreachable. */
export class EventStoreError extends LucentError {
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super('ERR_EVENT_STORE', message, options);
    this.name = 'EventStoreError';
  }
}
