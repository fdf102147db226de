// Pure mapping between the port and @kurrent/kurrentdb-client's types: expected revisions, read
// positions, recorded events and errors. Kept apart from the adapter so it is tested without a server.
import { ANY, END, NO_STREAM, START, STREAM_EXISTS, UnavailableError, DeadlineExceededError, WrongExpectedVersionError, StreamNotFoundError, type AppendStreamState, type Position, type ReadPosition, type ReadRevision, type ResolvedEvent, type AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { EventStoreError, WrongExpectedRevisionError } from '../errors.ts';
import type { ExpectedRevision, RecordedEvent } from '../types.ts';

export function toStreamState(e: ExpectedRevision): AppendStreamState {
  if (e === 'any') return ANY;
  if (e === 'no_stream') return NO_STREAM;
  if (e === 'stream_exists') return STREAM_EXISTS;
  return BigInt(e);
}

export function toReadRevision(from: number | 'start' | 'end'): ReadRevision {
  return from === 'start' ? START : from === 'end' ? END : BigInt(from);
}

/**
 * The port's position is the event's commit position in KurrentDB's transaction log. For an
 * event appended outside an explicit transaction (all of ours) the prepare position equals it.
 */
export function toReadPosition(from: number | 'start' | 'end'): ReadPosition {
  return from === 'start' ? START : from === 'end' ? END : { commit: BigInt(from), prepare: BigInt(from) };
}

export function positionNumber(p: Position | undefined, commitPosition: bigint | undefined): number {
  const c = p?.commit ?? commitPosition;
  return c === undefined ? -1 : Number(c);
}

/** A recorded event of the port from a resolved KurrentDB event, or null for a link without its event. */
export function toRecorded(r: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const e = r.event;
  if (!e) return null;
  return {
    stream: e.streamId,
    revision: Number(e.revision),
    position: positionNumber(e.position, r.commitPosition),
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata ?? {},
    created: e.created,
  };
}

/** The port's error for a client error: conflicts keep stream, expected and actual; the rest say what failed. */
export function mapError(what: string, stream: string, expected: ExpectedRevision, err: unknown): Error {
  if (err instanceof WrongExpectedVersionError) {
    const actual = err.actualState === NO_STREAM ? 'no_stream' : Number(err.actualState);
    return new WrongExpectedRevisionError(stream, expected, actual, { cause: err });
  }
  const retriable = err instanceof UnavailableError || err instanceof DeadlineExceededError;
  let m = ((err as Error)?.message ?? String(err)).split('\n')[0];
  if (err instanceof UnavailableError) m = 'the server is unavailable (is KurrentDB running at that address?)';
  else if (err instanceof DeadlineExceededError) m = 'no answer before the deadline';
  return new EventStoreError(`KurrentDB event store: ${what}: ${m}`, { retriable, cause: err });
}

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof StreamNotFoundError;
}
