/**
 * `h5saver health`: asks a server's standard gRPC health service whether it is serving. Docker's
 * HEALTHCHECK and scripts call it; exit status 0 only for SERVING.
 */
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as health from "@h5saver/proto/grpc/health/v1/health_pb";
import { callUnary, createGrpcClient } from "../rpc/grpc-glue.ts";

export interface HealthResult {
  /** SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN, or why no answer came. */
  readonly status: string;
  readonly serving: boolean;
}

/** `tlsCa`: the CA (PEM) to trust when the server speaks TLS; absent: plaintext. */
export async function checkHealth(
  address: string,
  service: string,
  timeoutMs: number,
  tlsCa?: Buffer,
): Promise<HealthResult> {
  const credentials = tlsCa ? grpc.credentials.createSsl(tlsCa) : grpc.credentials.createInsecure();
  const client = createGrpcClient(health.Health, address, credentials);
  try {
    const response = await callUnary(
      client,
      client.check,
      create(health.HealthCheckRequestSchema, { service }),
      {
        deadline: Date.now() + timeoutMs,
      },
    );
    const status = health.HealthCheckResponse_ServingStatus[response.status] ?? `status ${response.status}`;
    return { status, serving: response.status === health.HealthCheckResponse_ServingStatus.SERVING };
  } catch (error) {
    const failure = error as Partial<grpc.ServiceError>;
    if (failure.code === grpc.status.NOT_FOUND) return { status: "SERVICE_UNKNOWN", serving: false };
    const why =
      failure.code === grpc.status.DEADLINE_EXCEEDED
        ? `no answer within ${timeoutMs} ms`
        : (failure.details ?? String(error));
    return { status: `unreachable (${why})`, serving: false };
  } finally {
    client.close();
  }
}
