/**
 * What generic gRPC tools need to talk to the server without its .proto files: the standard health
 * service (`grpc.health.v1.Health`, asked by load balancers, Docker's HEALTHCHECK and
 * `h5saver health`) and server reflection (v1 and v1alpha, used by grpcurl, grpcui, Postman).
 */
import { create, type DescFile, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import * as health from "@h5saver/proto/grpc/health/v1/health_pb";
import { type GrpcHandlers, grpcServiceDefinition } from "./grpc-glue.ts";

type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];
type WatchCall = grpc.ServerWritableStream<health.HealthCheckRequest, health.HealthCheckResponse>;

export type ServingStatus = "SERVING" | "NOT_SERVING";

/** The whole server ("") and each of its services report one status, switched together. */
export interface HealthSwitch {
  set(status: ServingStatus): void;
}

export function addHealthService(server: grpc.Server, serviceNames: readonly string[]): HealthSwitch {
  const names = ["", ...serviceNames];
  let current = health.HealthCheckResponse_ServingStatus.SERVING;
  const watchers = new Set<WatchCall>();
  const response = (status: health.HealthCheckResponse_ServingStatus) =>
    create(health.HealthCheckResponseSchema, { status });
  const statusOf = (service: string) =>
    names.includes(service) ? current : health.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN;

  const handlers: GrpcHandlers<typeof health.Health> = {
    check(call, callback) {
      const { service } = call.request;
      if (!names.includes(service)) {
        callback({ code: grpc.status.NOT_FOUND, details: `no service '${service}' on this server` });
        return;
      }
      callback(null, response(current));
    },
    list(_call, callback) {
      callback(
        null,
        create(health.HealthListResponseSchema, {
          statuses: Object.fromEntries(names.map((name) => [name, response(current)])),
        }),
      );
    },
    watch(call) {
      call.write(response(statusOf(call.request.service)));
      watchers.add(call);
      const forget = () => watchers.delete(call);
      call.on("cancelled", forget);
      call.on("close", forget);
    },
  };
  server.addService(grpcServiceDefinition(health.Health), handlers);

  return {
    set(status) {
      const next = health.HealthCheckResponse_ServingStatus[status];
      if (next === current) return;
      current = next;
      for (const call of watchers) call.write(response(statusOf(call.request.service)));
    },
  };
}

/** Serves reflection over `files` and everything they import. */
export function addReflectionService(server: grpc.Server, files: readonly DescFile[]): void {
  const fileDescriptorProtos = withDependencies(files).map((file) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)),
  );
  // The reflection service reads only `fileDescriptorProtos` of each definition: one entry holding
  // every file is enough for it to index all files, symbols and services.
  const definition: PackageDefinition = {
    files: { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos },
  };
  new ReflectionService(definition).addToServer(server);
}

function withDependencies(files: readonly DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  files.forEach(visit);
  return [...seen.values()];
}
