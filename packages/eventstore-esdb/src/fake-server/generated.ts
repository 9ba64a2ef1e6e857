/**
 * The protobuf messages and gRPC service definitions that ship inside `@eventstore/db-client`
 * (`generated/*_pb.js`, `*_grpc_pb.js`). The fake server hosts these very definitions, so the client and the
 * server agree on the wire format by construction, and a message built here is an instance of the class the
 * client's serializers check for (`instanceof`).
 *
 * The generated files are CommonJS whose exports are attached at run time (`goog.object.extend`), so they are
 * imported as namespaces and unwrapped to the CommonJS `module.exports` object.
 */
import * as grpcStreamsModule from '@eventstore/db-client/generated/streams_grpc_pb.js';
import * as streamsModule from '@eventstore/db-client/generated/streams_pb.js';
import * as sharedModule from '@eventstore/db-client/generated/shared_pb.js';
import * as featuresGrpcModule from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import * as featuresModule from '@eventstore/db-client/generated/serverfeatures_pb.js';

function commonJs<T>(namespace: T): T {
  const withDefault = namespace as T & { default?: T };
  return withDefault.default !== undefined && typeof withDefault.default === 'object' ? withDefault.default : namespace;
}

export const streamsGrpc = commonJs(grpcStreamsModule);
export const streamsPb = commonJs(streamsModule);
export const sharedPb = commonJs(sharedModule);
export const featuresGrpc = commonJs(featuresGrpcModule);
export const featuresPb = commonJs(featuresModule);

export type ReadReq = streamsModule.ReadReq;
export type ReadResp = streamsModule.ReadResp;
export type AppendReq = streamsModule.AppendReq;
export type AppendResp = streamsModule.AppendResp;
