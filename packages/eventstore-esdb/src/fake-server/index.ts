/**
 * An in-process fake EventStoreDB server: a TEST DOUBLE FOR THE WIRE PROTOCOL, not a database.
 *
 * It hosts, with `@grpc/grpc-js` on loopback, the gRPC service definitions that ship inside
 * `@eventstore/db-client` (so the client talks to it exactly as to a real node), over the in-memory log of
 * ./log.ts. Implemented: `Streams.Append`, `Streams.Read` (stream reads, `$all` reads both ways, filtered
 * reads, `$all` subscriptions with catch-up, a caught-up message, live events and FellBehind),
 * `Streams.Delete` and `Streams.Tombstone` (soft and hard deletion) and `ServerFeatures.GetSupportedMethods`.
 * Not implemented (the client gets UNIMPLEMENTED): BatchAppend (not advertised, so the client falls back to
 * Append), stream subscriptions, persistent subscriptions, projections, users, gossip (an `esdb://host:port`
 * string names a single node and needs none), TLS and authentication. Reads from a position inside a record
 * fail as on a server. Regular expressions of server-side filters are evaluated as JavaScript regular
 * expressions (a real server uses .NET's), and filtered subscriptions send no checkpoint messages.
 */
import * as grpc from '@grpc/grpc-js';
import { createFakeLog, type FakeExpected, type FakeLog, type FakeLogEvent, type FakeProposedEvent } from './log.js';
import { featuresGrpc, featuresPb, sharedPb, streamsGrpc, streamsPb, type AppendReq, type AppendResp, type ReadReq, type ReadResp } from './generated.js';

/** The options both DeleteReq and TombstoneReq carry (same fields, same accessors). */
type DeleteReq = { getOptions(): InstanceType<typeof streamsPb.DeleteReq.Options> | undefined };

export { createFakeLog, type FakeLog, type FakeLogEvent, type FakeLogOptions } from './log.js';

/** A running fake server. */
export interface FakeEventStoreDb {
  /** `esdb://127.0.0.1:<port>?tls=false`, for `EventStoreDBClient.connectionString` or the adapter. */
  readonly connectionString: string;
  readonly port: number;
  /** The log behind the server (for assertions in tests). */
  readonly log: FakeLog;
  /** Requests served so far, by kind (for tests of what a client asks for). */
  readonly requests: FakeRequestCounts;
  /** Ends every open subscription with UNAVAILABLE, as a server does when it drops a connection. */
  dropSubscriptions(): void;
  /** Kills every connection and listens again on the same port with the same log: a server restart. */
  restart(): Promise<void>;
  /** Kills every connection and stops listening, keeping the log: an outage until {@link FakeEventStoreDb.start}. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same log, after {@link FakeEventStoreDb.stop} (no-op while listening). */
  start(): Promise<void>;
  /** Ends every call and stops listening. */
  close(): Promise<void>;
}

/** Requests a fake server has served, by kind. */
export interface FakeRequestCounts {
  appends: number;
  streamReads: number;
  /** `$all` reads (not subscriptions). */
  allReads: number;
  subscriptions: number;
  /** Events sent to subscribers (after the server-side filter). */
  subscriptionEvents: number;
}

/** Options of {@link startFakeEventStoreDb}. */
export interface FakeEventStoreDbOptions {
  /** Loopback port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Start from an existing log (e.g. one kept from a previous server). */
  log?: FakeLog;
  /**
   * Largest append in bytes (default 1 MiB, the server's `MaxAppendSize`), counted as the server does:
   * data + metadata + 2 × the event type's length, per event. Over it the append fails with the server's
   * `maximum-append-size-exceeded` error and nothing is written.
   */
  maxAppendSize?: number;
  /**
   * Events a live subscriber may be behind before the server sends `FellBehind` and serves it from the log
   * again, then `CaughtUp` (default 32, `MaxLiveEventBufferCount` of a real server's live channel).
   */
  liveBufferSize?: number;
}

type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;

/**
 * Starts a fake EventStoreDB server on 127.0.0.1 and resolves when it listens. It is a test double for the
 * wire protocol with EventStoreDB's append, read and subscription semantics over an in-memory log; see the
 * module comment for what it leaves out.
 */
export async function startFakeEventStoreDb(options: FakeEventStoreDbOptions = {}): Promise<FakeEventStoreDb> {
  const log = options.log ?? createFakeLog();
  const maxAppendSize = options.maxAppendSize ?? 1024 * 1024;
  const liveBufferSize = options.liveBufferSize ?? 32;
  const requests: FakeRequestCounts = { appends: 0, streamReads: 0, allReads: 0, subscriptions: 0, subscriptionEvents: 0 };
  const subscriptions = new Set<ReadCall>();
  let server: grpc.Server | undefined;
  let port = options.port ?? 0;

  const listen = async (): Promise<void> => {
    const s = new grpc.Server();
    s.addService(streamsGrpc.StreamsService as unknown as grpc.ServiceDefinition, {
      read: (call: ReadCall) => {
        const o = call.request.getOptions();
        if (o?.hasStream()) requests.streamReads++;
        else if (o?.hasSubscription()) requests.subscriptions++;
        else requests.allReads++;
        void handleRead(log, call, subscriptions, liveBufferSize, requests);
      },
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => {
        requests.appends++;
        handleAppend(log, call, callback, maxAppendSize);
      },
      delete: (call: grpc.ServerUnaryCall<DeleteReq, unknown>, callback: grpc.sendUnaryData<unknown>) => handleDelete(log, call.request, callback, false),
      tombstone: (call: grpc.ServerUnaryCall<DeleteReq, unknown>, callback: grpc.sendUnaryData<unknown>) => handleDelete(log, call.request, callback, true),
    } as unknown as grpc.UntypedServiceImplementation);
    s.addService(featuresGrpc.ServerFeaturesService as unknown as grpc.ServiceDefinition, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, supportedMethods()),
    });
    port = await new Promise<number>((resolve, reject) =>
      s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    server = s;
  };
  const dropSubscriptions = () => {
    for (const call of subscriptions) endWithStatus(call, grpc.status.UNAVAILABLE, 'The fake server dropped the subscription');
    subscriptions.clear();
  };
  const stop = () => {
    dropSubscriptions();
    server?.forceShutdown();
    server = undefined;
  };

  await listen();
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    get port() {
      return port;
    },
    log,
    requests,
    dropSubscriptions,
    async restart() {
      stop();
      await listen();
    },
    async stop() {
      stop();
    },
    async start() {
      if (server === undefined) await listen();
    },
    async close() {
      stop();
    },
  };
}

function supportedMethods(): unknown {
  const methods = [
    ['event_store.client.streams.streams', 'read'],
    ['event_store.client.streams.streams', 'append'],
    ['event_store.client.streams.streams', 'delete'],
    ['event_store.client.streams.streams', 'tombstone'],
    ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
  ].map(([service, method]) => {
    const m = new featuresPb.SupportedMethod();
    m.setServiceName(service!);
    m.setMethodName(method!);
    return m;
  });
  const result = new featuresPb.SupportedMethods();
  result.setMethodsList(methods);
  result.setEventStoreServerVersion('0.0.0-omnitrail-fake');
  return result;
}

function endWithStatus(call: ReadCall, code: grpc.status, details: string): void {
  // emit('error') is how grpc-js lets a server-streaming handler end the call with a status.
  call.emit('error', Object.assign(new Error(details), { code, details }));
}

// ---------------------------------------------------------------------------------------------- Append

function uuidString(uuid: InstanceType<typeof sharedPb.UUID> | undefined): string {
  if (uuid === undefined) return '';
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const hex = BigInt.asUintN(64, BigInt(s.getMostSignificantBits())).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(s.getLeastSignificantBits())).toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString().toLowerCase();
}

function streamName(identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string {
  return identifier === undefined ? '' : Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

function handleAppend(log: FakeLog, call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>, maxAppendSize: number): void {
  let size = 0;
  let stream: string | undefined;
  let expected: FakeExpected = { kind: 'any' };
  const proposed: FakeProposedEvent[] = [];
  let failed = false;
  call.on('data', (req: AppendReq) => {
    if (req.hasOptions()) {
      const o = req.getOptions()!;
      stream = streamName(o.getStreamIdentifier());
      const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
      switch (o.getExpectedStreamRevisionCase()) {
        case Case.REVISION:
          expected = { kind: 'revision', revision: BigInt(o.getRevision()) };
          break;
        case Case.NO_STREAM:
          expected = { kind: 'no_stream' };
          break;
        case Case.STREAM_EXISTS:
          expected = { kind: 'stream_exists' };
          break;
        default:
          expected = { kind: 'any' };
      }
    } else if (req.hasProposedMessage()) {
      const m = req.getProposedMessage()!;
      const meta = m.getMetadataMap();
      // Event.SizeOnDisk and the check in Streams.Append.cs of EventStore/EventStore.
      size += m.getData_asU8().length + m.getCustomMetadata_asU8().length + 2 * (meta.get('type') ?? '').length;
      if (size > maxAppendSize && !failed) {
        failed = true;
        const trailer = new grpc.Metadata();
        trailer.set('exception', 'maximum-append-size-exceeded');
        trailer.set('maximum-append-size', String(maxAppendSize));
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `Maximum Append Size of ${maxAppendSize} Exceeded.`, metadata: trailer });
        return;
      }
      proposed.push({
        id: uuidString(m.getId()),
        type: meta.get('type') ?? '',
        contentType: meta.get('content-type') ?? 'application/octet-stream',
        data: m.getData_asU8(),
        metadata: m.getCustomMetadata_asU8(),
      });
    }
  });
  call.on('error', () => {
    failed = true;
  });
  call.on('end', () => {
    if (failed) return;
    if (stream === undefined || stream.length === 0) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'An append must start with options naming the stream' });
      return;
    }
    const result = log.append(stream, expected, proposed);
    if (result.kind === 'stream-deleted') {
      callback(streamDeleted(stream));
      return;
    }
    const resp = new streamsPb.AppendResp();
    if (result.kind === 'success') {
      const success = new streamsPb.AppendResp.Success();
      if (result.currentRevision === undefined) success.setNoStream(new sharedPb.Empty());
      else success.setCurrentRevision(result.currentRevision.toString());
      if (result.position === undefined) success.setNoPosition(new sharedPb.Empty());
      else {
        const position = new streamsPb.AppendResp.Position();
        position.setCommitPosition(result.position.toString());
        position.setPreparePosition(result.position.toString());
        success.setPosition(position);
      }
      resp.setSuccess(success);
    } else {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (result.currentRevision === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
      else wrong.setCurrentRevision(result.currentRevision.toString());
      const e = result.expected;
      if (e.kind === 'revision') wrong.setExpectedRevision(e.revision.toString());
      else if (e.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
      else if (e.kind === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
      else wrong.setExpectedAny(new sharedPb.Empty());
      resp.setWrongExpectedVersion(wrong);
    }
    callback(null, resp);
  });
}

/** The server's StreamDeleted error (RpcExceptions.StreamDeleted): the client turns it into StreamDeletedError. */
function streamDeleted(stream: string): grpc.ServiceError {
  const trailer = new grpc.Metadata();
  trailer.set('exception', 'stream-deleted');
  trailer.set('stream-name', stream);
  return Object.assign(new Error(`Event stream '${stream}' is deleted.`), { code: grpc.status.FAILED_PRECONDITION, details: `Event stream '${stream}' is deleted.`, metadata: trailer });
}

function toFakeExpected(o: InstanceType<typeof streamsPb.DeleteReq.Options>): FakeExpected {
  const Case = streamsPb.DeleteReq.Options.ExpectedStreamRevisionCase;
  switch (o.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      return { kind: 'revision', revision: BigInt(o.getRevision()) };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

// ---------------------------------------------------------------------------------------------- Delete

function handleDelete(log: FakeLog, request: DeleteReq, callback: grpc.sendUnaryData<unknown>, hard: boolean): void {
  const options = request.getOptions();
  const stream = streamName(options?.getStreamIdentifier());
  if (options === undefined || stream.length === 0) {
    callback({ code: grpc.status.INVALID_ARGUMENT, details: 'A delete must name the stream' });
    return;
  }
  const expected = toFakeExpected(options);
  const result = log.delete(stream, expected, hard);
  if (result.kind === 'stream-deleted') {
    callback(streamDeleted(stream));
    return;
  }
  if (result.kind === 'wrong-expected-version') {
    // As the server's RpcExceptions.WrongExpectedVersion: the client reads these trailers.
    const trailer = new grpc.Metadata();
    trailer.set('exception', 'wrong-expected-version');
    trailer.set('stream-name', stream);
    trailer.set('expected-version', expected.kind === 'revision' ? expected.revision.toString() : '-1');
    trailer.set('actual-version', result.currentRevision === undefined ? '-1' : result.currentRevision.toString());
    callback({ code: grpc.status.FAILED_PRECONDITION, details: `Append failed due to WrongExpectedVersion. Stream: ${stream}`, metadata: trailer });
    return;
  }
  const Resp = hard ? streamsPb.TombstoneResp : streamsPb.DeleteResp;
  const resp = new Resp();
  const position = new Resp.Position();
  position.setCommitPosition(result.position.toString());
  position.setPreparePosition(result.position.toString());
  resp.setPosition(position);
  callback(null, resp);
}

// ------------------------------------------------------------------------------------------------ Read

type Matcher = (event: FakeLogEvent) => boolean;

function compileServerFilter(options: InstanceType<typeof streamsPb.ReadReq.Options>): Matcher | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType();
  if (expression === undefined) return undefined;
  const field = (e: FakeLogEvent) => (onStream ? e.streamName : e.type);
  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0) return (e) => prefixes.some((p) => field(e).startsWith(p));
  const source = expression.getRegex();
  if (source.length === 0) return undefined;
  const regex = new RegExp(source);
  return (e) => regex.test(field(e));
}

function toReadResp(event: FakeLogEvent, structuredIds: boolean): ReadResp {
  const record = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  if (structuredIds) {
    const hex = event.id.replace(/-/g, '');
    const structured = new sharedPb.UUID.Structured();
    structured.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
    structured.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
    id.setStructured(structured);
  } else id.setString(event.id);
  record.setId(id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  record.setStreamIdentifier(identifier);
  record.setStreamRevision(event.revision.toString());
  record.setCommitPosition(event.position.toString());
  record.setPreparePosition(event.position.toString());
  record.getMetadataMap().set('type', event.type).set('content-type', event.contentType).set('created', event.created.toString());
  record.setCustomMetadata(event.metadata);
  record.setData(event.data);
  const read = new streamsPb.ReadResp.ReadEvent();
  read.setEvent(record);
  read.setCommitPosition(event.position.toString());
  const resp = new streamsPb.ReadResp();
  resp.setEvent(read);
  return resp;
}

// Writes one message, waiting while the client's flow-control window is full, so a slow reader holds the
// server back instead of growing a buffer.
async function write(call: ReadCall, message: ReadResp): Promise<void> {
  if (call.write(message)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

async function handleRead(log: FakeLog, call: ReadCall, subscriptions: Set<ReadCall>, liveBufferSize: number, requests: FakeRequestCounts): Promise<void> {
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  const options = call.request.getOptions();
  if (options === undefined) {
    endWithStatus(call, grpc.status.INVALID_ARGUMENT, 'A read needs options');
    return;
  }
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
  const match = compileServerFilter(options);
  const forwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.FORWARDS;
  const subscribe = options.hasSubscription();
  const count = subscribe ? Number.POSITIVE_INFINITY : Number(options.getCount() || '0');

  if (options.hasStream()) {
    if (subscribe) {
      endWithStatus(call, grpc.status.UNIMPLEMENTED, 'The fake server does not implement stream subscriptions');
      return;
    }
    const s = options.getStream()!;
    const name = streamName(s.getStreamIdentifier());
    const firstVisible = log.firstVisible(name);
    if (firstVisible === 'tombstoned') {
      call.emit('error', streamDeleted(name));
      return;
    }
    const indexes = log.stream(name);
    const first = Number(firstVisible);
    if (indexes === undefined || indexes.length <= first) {
      const resp = new streamsPb.ReadResp();
      const notFound = new streamsPb.ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(s.getStreamIdentifier());
      resp.setStreamNotFound(notFound);
      await write(call, resp);
      call.end();
      return;
    }
    const Case = streamsPb.ReadReq.Options.StreamOptions.RevisionOptionCase;
    const revisionCase = s.getRevisionOptionCase();
    const last = indexes.length - 1;
    let at: number;
    if (revisionCase === Case.REVISION) {
      const r = BigInt(s.getRevision());
      at = forwards ? (r > BigInt(last + 1) ? last + 1 : Math.max(first, Number(r))) : r > BigInt(last) ? last : Number(r);
    } else if (revisionCase === Case.END) at = forwards ? last + 1 : last;
    else at = forwards ? first : -1;
    let sent = 0;
    // A soft-deleted stream's events before its "truncate before" revision are not shown.
    while (sent < count && at >= first && at <= last && !cancelled) {
      await write(call, toReadResp(log.events[indexes[at]!]!, structuredIds));
      sent++;
      at += forwards ? 1 : -1;
    }
    call.end();
    return;
  }

  const all = options.getAll();
  if (all === undefined) {
    endWithStatus(call, grpc.status.INVALID_ARGUMENT, 'A read names a stream or $all');
    return;
  }
  const Case = streamsPb.ReadReq.Options.AllOptions.AllOptionCase;
  const allCase = all.getAllOptionCase();
  const from = allCase === Case.POSITION ? BigInt(all.getPosition()!.getCommitPosition()) : undefined;
  if (from !== undefined && !log.isRecordBoundary(from)) {
    // A real server refuses positions inside a record (ReadAllResult.InvalidPosition, RpcExceptions.InvalidPositionException).
    endWithStatus(call, grpc.status.INVALID_ARGUMENT, 'Trying to read from an invalid position.');
    return;
  }

  if (!subscribe) {
    // Reads: forwards from a position include the event at it; backwards from a position start before it.
    let at: number;
    if (forwards) at = allCase === Case.END ? log.events.length : from === undefined ? 0 : log.indexAtOrAfter(from);
    else at = allCase === Case.START ? -1 : from === undefined ? log.events.length - 1 : log.indexAtOrAfter(from) - 1;
    let sent = 0;
    while (sent < count && at >= 0 && at < log.events.length && !cancelled) {
      const event = log.events[at]!;
      at += forwards ? 1 : -1;
      if (match !== undefined && !match(event)) continue;
      await write(call, toReadResp(event, structuredIds));
      sent++;
    }
    call.end();
    return;
  }

  // A subscription: confirmation, every event after `from` (exclusive) from the log, caught-up once, then
  // live events as they are appended. One cursor into the log serves both phases, so nothing is missed or
  // repeated at the boundary.
  subscriptions.add(call);
  let wake: (() => void) | undefined;
  const removeListener = log.onAppend(() => wake?.());
  const stop = () => {
    cancelled = true;
    wake?.();
  };
  call.on('cancelled', stop);
  call.on('error', stop);
  call.on('close', stop);
  try {
    const confirmation = new streamsPb.ReadResp();
    const confirm = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirm.setSubscriptionId(`fake-${Math.random().toString(36).slice(2)}`);
    confirmation.setConfirmation(confirm);
    await write(call, confirmation);
    let at = allCase === Case.END ? log.events.length : from === undefined ? 0 : log.indexAtOrAfter(from + 1n);
    let caughtUp = false;
    while (!cancelled) {
      if (at < log.events.length) {
        if (caughtUp && log.events.length - at > liveBufferSize) {
          // A real server's live channel holds MaxLiveEventBufferCount events; past that it drops them,
          // says FellBehind and catches the subscriber up from the log, then says CaughtUp again.
          caughtUp = false;
          const resp = new streamsPb.ReadResp();
          resp.setFellBehind(new streamsPb.ReadResp.FellBehind());
          await write(call, resp);
          continue;
        }
        const event = log.events[at++]!;
        if (match === undefined || match(event)) {
          requests.subscriptionEvents++;
          await write(call, toReadResp(event, structuredIds));
        }
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        const resp = new streamsPb.ReadResp();
        resp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
        await write(call, resp);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (cancelled || at < log.events.length) resolve();
      });
      wake = undefined;
    }
  } finally {
    removeListener();
    subscriptions.delete(call);
  }
}
