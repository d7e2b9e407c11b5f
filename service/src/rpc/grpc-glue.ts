/**
 * Serves (and calls) a protobuf-es service with @grpc/grpc-js, which knows nothing of
 * protobuf-es: each method becomes a grpc-js `MethodDefinition` whose serializers are
 * `toBinary`/`fromBinary` of the generated schemas. The server (`saver-server.ts`) registers its
 * handlers with `grpcServiceDefinition`; tests and tools build a client with `createGrpcClient`.
 *
 * The mapped types below give handlers and client methods the generated message types, so that
 * nothing crosses this module's boundary as `any`.
 */
import { type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";

type MethodShape = GenServiceMethods[string];
type In<M extends MethodShape> = MessageShape<M["input"]>;
type Out<M extends MethodShape> = MessageShape<M["output"]>;

/** The server handler grpc-js expects for one method, by its kind. */
export type GrpcHandler<M extends MethodShape> = M["methodKind"] extends "unary"
  ? grpc.handleUnaryCall<In<M>, Out<M>>
  : M["methodKind"] extends "server_streaming"
    ? grpc.handleServerStreamingCall<In<M>, Out<M>>
    : M["methodKind"] extends "client_streaming"
      ? grpc.handleClientStreamingCall<In<M>, Out<M>>
      : grpc.handleBidiStreamingCall<In<M>, Out<M>>;

/** Every handler of a service, keyed by the methods' local (camelCase) names. */
export type GrpcHandlers<S extends GenService<GenServiceMethods>> = {
  [K in keyof S["method"]]: GrpcHandler<S["method"][K]>;
};

/** The client-side call grpc-js generates for one method, by its kind. */
export type GrpcClientMethod<M extends MethodShape> = M["methodKind"] extends "unary"
  ? (
      request: In<M>,
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      callback: grpc.requestCallback<Out<M>>,
    ) => grpc.ClientUnaryCall
  : M["methodKind"] extends "server_streaming"
    ? (
        request: In<M>,
        metadata?: grpc.Metadata,
        options?: grpc.CallOptions,
      ) => grpc.ClientReadableStream<Out<M>>
    : M["methodKind"] extends "client_streaming"
      ? (callback: grpc.requestCallback<Out<M>>) => grpc.ClientWritableStream<In<M>>
      : {
          (options?: grpc.CallOptions): grpc.ClientDuplexStream<In<M>, Out<M>>;
          (metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<In<M>, Out<M>>;
        };

export type GrpcClient<S extends GenService<GenServiceMethods>> = grpc.Client & {
  [K in keyof S["method"]]: GrpcClientMethod<S["method"][K]>;
};

/** Messages whose bytes were encoded already (the client's Stream messages): sent as those bytes. */
const preEncoded = new WeakMap<object, Uint8Array>();

/** Sends `message` as `bytes` (which must be its encoding) instead of encoding it again. */
export function withEncoding<T extends object>(message: T, bytes: Uint8Array): T {
  preEncoded.set(message, bytes);
  return message;
}

/** The bytes a message registered with `withEncoding` is sent as. */
export function encodingOf(message: object): Uint8Array | undefined {
  return preEncoded.get(message);
}

/** grpc-js wants Buffers; protobuf-es gives Uint8Arrays: wrap the same memory, no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The gRPC frame header before each message on the wire: compressed flag and length. */
export const GRPC_MESSAGE_HEADER_BYTES = 5;

/**
 * A request's bytes in a buffer nobody else uses. grpc-js (1.14) assembles each large message into
 * a buffer of its own behind the 5-byte gRPC header, so this is no copy; anything else (a small
 * message from Node's shared pool, another grpc-js) is copied. The server decodes arrays as views
 * of these bytes and hands their buffers to a writer thread (worker-saver-file.ts), which detaches
 * them here: they must not be memory grpc-js still reads.
 */
function ownedBytes(bytes: Buffer): Uint8Array {
  const spare = bytes.buffer.byteLength - bytes.byteLength;
  return spare <= GRPC_MESSAGE_HEADER_BYTES ? bytes : new Uint8Array(bytes);
}

function methodDefinition(
  service: string,
  method: DescMethod,
): grpc.MethodDefinition<MessageShape<DescMethod["input"]>, MessageShape<DescMethod["output"]>> {
  const { input, output, methodKind } = method;
  return {
    path: `/${service}/${method.name}`,
    originalName: method.name,
    requestStream: methodKind === "client_streaming" || methodKind === "bidi_streaming",
    responseStream: methodKind === "server_streaming" || methodKind === "bidi_streaming",
    requestSerialize: (message) => asBuffer(preEncoded.get(message) ?? toBinary(input, message)),
    requestDeserialize: (bytes) => fromBinary(input, ownedBytes(bytes)),
    responseSerialize: (message) => asBuffer(toBinary(output, message)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
  };
}

/** The grpc-js service definition of a protobuf-es service, for `Server.addService`. */
export function grpcServiceDefinition<S extends GenService<GenServiceMethods>>(
  service: S,
): grpc.ServiceDefinition<GrpcHandlers<S>> {
  const definition: Record<string, ReturnType<typeof methodDefinition>> = {};
  for (const method of service.methods) {
    definition[method.localName] = methodDefinition(service.typeName, method);
  }
  // the keys are exactly the methods' local names, which is what GrpcHandlers<S> is keyed by
  return definition as grpc.ServiceDefinition<GrpcHandlers<S>>;
}

/** A grpc-js client of a protobuf-es service, its methods typed with the generated messages. */
export function createGrpcClient<S extends GenService<GenServiceMethods>>(
  service: S,
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  options?: grpc.ClientOptions,
): GrpcClient<S> {
  const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
  // makeGenericClientConstructor adds one method per definition key, typed as Function
  return new Client(address, credentials, options) as unknown as GrpcClient<S>;
}

/** A unary method of a grpc-js client, in its (request, metadata, options, callback) form. */
export type UnaryMethod<I, O> = (
  request: I,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<O>,
) => grpc.ClientUnaryCall;

/** One unary call of `client` as a promise: the response, or the grpc-js ServiceError. */
export function callUnary<I, O>(
  client: object,
  method: UnaryMethod<I, O>,
  request: I,
  options: grpc.CallOptions = {},
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<O> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (error, response) => {
      if (error) reject(error);
      else if (response === undefined) reject(new Error(`no response to ${method.name || "a unary call"}`));
      else resolve(response);
    });
  });
}
