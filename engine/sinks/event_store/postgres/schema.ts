// The PostgreSQL schema of the event store, created on open (idempotent; concurrent openers are
// serialised by an advisory lock). Everything lives in one schema (default lucent_audit):
//
// - head:    one row, the last global position handed out. Every append updates it first, so
//            appends are serialised across all processes and positions are gapless and follow
//            commit order: a reader of all events never sees position n+1 before n.
// - streams: the last revision of each stream (the optimistic-concurrency check reads it).
// - events:  position (primary key), stream, revision (unique per stream), id, type, data and
//            metadata as `json` (which keeps the appended text byte for byte, unlike jsonb), created.
// - append(): the whole append in one round trip: lock head, check the expected revision (raise
//            SQLSTATE LU409 with the actual revision on conflict, which rolls everything back),
//            insert the events, move the stream's revision, NOTIFY the schema's channel (delivered
//            at commit, which wakes subscribers).

export const kSchemaPattern = /^[a-z_][a-z0-9_]{0,54}$/;
/** SQLSTATE raised by append() when the stream is not at the expected revision; DETAIL holds the actual revision or no_stream. */
export const kConflictState = 'LU409';
/** Expected-revision codes passed to append(). */
export const kExpectAny = -1;
export const kExpectNoStream = -2;
export const kExpectStreamExists = -3;

export function channelName(schema: string): string {
  return `${schema}_events`;
}

export function schemaSql(schema: string): string {
  const s = `"${schema}"`;
  return `
create schema if not exists ${s};
create table if not exists ${s}.head (
  id boolean primary key default true check (id),
  position bigint not null
);
insert into ${s}.head (id, position) values (true, -1) on conflict (id) do nothing;
create table if not exists ${s}.streams (
  stream text primary key,
  revision bigint not null
);
create table if not exists ${s}.events (
  position bigint primary key,
  stream text not null,
  revision bigint not null,
  id uuid not null,
  type text not null,
  data json not null,
  metadata json not null,
  created timestamptz not null default clock_timestamp(),
  unique (stream, revision)
);
create or replace function ${s}.append(p_stream text, p_expected bigint, p_ids uuid[], p_types text[], p_data json[], p_metadata json[])
returns table (next_revision bigint, last_position bigint)
language plpgsql as $fn$
declare
  n int := cardinality(p_ids);
  cur bigint;
  last_pos bigint;
begin
  update ${s}.head set position = position + n where id returning position into last_pos;
  select st.revision into cur from ${s}.streams st where st.stream = p_stream;
  if (p_expected = ${kExpectNoStream} and cur is not null)
     or (p_expected = ${kExpectStreamExists} and cur is null)
     or (p_expected >= 0 and cur is distinct from p_expected) then
    raise exception using errcode = '${kConflictState}', message = 'wrong expected revision', detail = coalesce(cur::text, 'no_stream');
  end if;
  cur := coalesce(cur, -1);
  insert into ${s}.events (position, stream, revision, id, type, data, metadata)
    select last_pos - n + i, p_stream, cur + i, p_ids[i], p_types[i], p_data[i], p_metadata[i]
    from generate_subscripts(p_ids, 1) as i;
  insert into ${s}.streams (stream, revision) values (p_stream, cur + n)
    on conflict (stream) do update set revision = excluded.revision;
  perform pg_notify('${channelName(schema)}', p_stream);
  return query select cur + n, last_pos;
end
$fn$;`;
}
