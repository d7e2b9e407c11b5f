import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as health from "@h5saver/proto/grpc/health/v1/health_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { createDataToExport } from "../model/data-to-export.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { makeTestCertificates } from "../testing/test-certificates.ts";
import { dataToExportToProto } from "./convert.ts";
import { callUnary, createGrpcClient, type GrpcClient, type UnaryMethod } from "./grpc-glue.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";

const certs = makeTestCertificates();
const root = path.join(realpathSync(tempDir("h5saver-access-")), "root");
mkdirSync(root);
const TOKEN_A = "token-of-lab-a-0123456789";
const TOKEN_B = "token-of-lab-b-9876543210";
const TOKEN_C = "token-of-lab-c-5555555555";
const tokensFile = path.join(root, "..", "tokens.json");
writeFileSync(
  tokensFile,
  JSON.stringify({
    tokens: [
      { name: "lab-a", token: TOKEN_A, root: "lab-a" },
      {
        name: "lab-b",
        sha256: createHash("sha256").update(TOKEN_B).digest("hex"),
        root: "lab-b",
        maxSessions: 1,
      },
      // 1 MB of storage, 10 MB/s
      { name: "lab-c", token: TOKEN_C, root: "lab-c", maxGigabytes: 0.001, maxMegabytesPerSecond: 10 },
    ],
  }),
);

let saver: SaverServer;
let port = 0;
const tls = () => grpc.credentials.createSsl(certs.ca);

before(async () => {
  saver = createSaverServer({ root, tokensFile, tls: { cert: certs.serverCert, key: certs.serverKey } });
  port = await saver.listen(0);
});
after(async () => {
  await saver.close();
});

function bearer(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function callAs<I, O>(
  client: GrpcClient<typeof svc.SaverService>,
  token: string | undefined,
  method: UnaryMethod<I, O>,
  request: I,
): Promise<O> {
  return callUnary(client, method, request, { deadline: Date.now() + 10_000 }, bearer(token));
}

async function rejectsWith(promise: Promise<unknown>, code: grpc.status, phrase: RegExp): Promise<void> {
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, phrase);
    return true;
  });
}

describe("TLS and bearer tokens", () => {
  it("refuses calls without a known token, and plaintext clients", async () => {
    const client = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`, tls());
    const plain = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`);
    try {
      const status = create(svc.GetStatusRequestSchema, {});
      await rejectsWith(
        callAs(client, undefined, client.getStatus, status),
        grpc.status.UNAUTHENTICATED,
        /needs a bearer token/,
      );
      await rejectsWith(
        callAs(client, "not-a-token-anyone-has", client.getStatus, status),
        grpc.status.UNAUTHENTICATED,
        /not one this server knows/,
      );
      await assert.rejects(callAs(plain, TOKEN_A, plain.getStatus, status), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        return true;
      });
      // health checks need neither token nor client certificate
      const probe = createGrpcClient(health.Health, `127.0.0.1:${port}`, tls());
      const answer = await callUnary(probe, probe.check, create(health.HealthCheckRequestSchema, {}));
      assert.equal(answer.status, health.HealthCheckResponse_ServingStatus.SERVING);
      probe.close();
    } finally {
      client.close();
      plain.close();
    }
  });

  it("keeps each token in its own folder, sessions and limits", async () => {
    const client = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`, tls());
    try {
      const opened = await callAs(
        client,
        TOKEN_A,
        client.openFile,
        create(svc.OpenFileRequestSchema, { path: "run.h5" }),
      );
      assert.equal(opened.path, "run.h5");
      assert.ok(existsSync(path.join(root, "lab-a", "run.h5")), "written under the token's folder");
      await rejectsWith(
        callAs(
          client,
          TOKEN_A,
          client.openFile,
          create(svc.OpenFileRequestSchema, { path: "../lab-b/run.h5" }),
        ),
        grpc.status.PERMISSION_DENIED,
        /'\.\.'/,
      );
      // lab-b can neither use nor see lab-a's session, nor read its files
      await rejectsWith(
        callAs(
          client,
          TOKEN_B,
          client.addLog,
          create(svc.AddLogRequestSchema, { sessionId: opened.sessionId, lines: ["x"] }),
        ),
        grpc.status.PERMISSION_DENIED,
        /belongs to another token/,
      );
      const seen = await callAs(client, TOKEN_B, client.getStatus, create(svc.GetStatusRequestSchema, {}));
      assert.deepEqual(seen.sessions, []);
      await rejectsWith(
        callAs(
          client,
          TOKEN_B,
          client.browse,
          create(svc.BrowseRequestSchema, { target: { case: "path", value: "run.h5" } }),
        ),
        grpc.status.NOT_FOUND,
        /run\.h5/,
      );
      const b = await callAs(
        client,
        TOKEN_B,
        client.openFile,
        create(svc.OpenFileRequestSchema, { path: "b.h5" }),
      );
      await rejectsWith(
        callAs(client, TOKEN_B, client.openFile, create(svc.OpenFileRequestSchema, { path: "b2.h5" })),
        grpc.status.RESOURCE_EXHAUSTED,
        /token 'lab-b' has 1 sessions open, its limit/,
      );
      await callAs(
        client,
        TOKEN_B,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: b.sessionId }),
      );
      await callAs(
        client,
        TOKEN_A,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
      );
      assert.ok(existsSync(path.join(root, "lab-b", "b.h5")));
    } finally {
      client.close();
    }
  });

  it("refuses data over a token's storage quota with RESOURCE_EXHAUSTED, saving nothing of it", async () => {
    const client = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`, tls());
    try {
      const opened = await callAs(
        client,
        TOKEN_C,
        client.openFile,
        create(svc.OpenFileRequestSchema, { path: "q.h5" }),
      );
      const { detectorId } = await callAs(
        client,
        TOKEN_C,
        client.addDetector,
        create(svc.AddDetectorRequestSchema, { sessionId: opened.sessionId, title: "camera" }),
      );
      // 400 kB each: the third goes over the megabyte (the journal and the file count too)
      const snapshot = (k: number) =>
        create(svc.SaveSnapshotRequestSchema, {
          sessionId: opened.sessionId,
          detectorId,
          data: dataToExportToProto(
            createDataToExport({
              name: "shot",
              data: [{ name: `frame${k}`, data: [new Float64Array(50_000)] }],
            }),
          ),
        });
      await callAs(client, TOKEN_C, client.saveSnapshot, snapshot(1));
      await rejectsWith(
        (async () => {
          for (let k = 2; k <= 4; k++) await callAs(client, TOKEN_C, client.saveSnapshot, snapshot(k));
        })(),
        grpc.status.RESOURCE_EXHAUSTED,
        /token 'lab-c' has used [\d.]+ GB of its 0\.001 GB: nothing was saved/,
      );
      await callAs(
        client,
        TOKEN_C,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
      );
    } finally {
      client.close();
    }
  });

  it("with a client CA, accepts only clients holding a certificate it signed", async () => {
    const mutualRoot = path.join(root, "..", "mutual");
    mkdirSync(mutualRoot);
    const mutual = createSaverServer({
      root: mutualRoot, // a root is one server's
      tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca },
    });
    const mutualPort = await mutual.listen(0);
    const anonymous = createGrpcClient(svc.SaverService, `127.0.0.1:${mutualPort}`, tls());
    const known = createGrpcClient(
      svc.SaverService,
      `127.0.0.1:${mutualPort}`,
      grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert),
    );
    try {
      const status = create(svc.GetStatusRequestSchema, {});
      await assert.rejects(
        callAs(anonymous, undefined, anonymous.getStatus, status),
        (error: grpc.ServiceError) => {
          assert.equal(error.code, grpc.status.UNAVAILABLE);
          return true;
        },
      );
      const answer = await callAs(known, undefined, known.getStatus, status);
      assert.equal(answer.serverVersion, "0.1.0");
    } finally {
      anonymous.close();
      known.close();
      await mutual.close();
    }
  });

  it("refuses a tokens file that would leave the data root or lacks a secret", () => {
    const bad = (tokens: unknown) => {
      const file = path.join(root, "..", "bad-tokens.json");
      writeFileSync(file, JSON.stringify({ tokens }));
      return () => createSaverServer({ root, tokensFile: file });
    };
    assert.throws(bad([{ name: "x", token: TOKEN_A, root: "../elsewhere" }]), /contains '\.\.'/);
    assert.throws(bad([{ name: "x", token: "short", root: "x" }]), /at least 16 characters/);
    assert.throws(bad([]), /expected \{"tokens"/);
    assert.throws(
      bad([{ name: "x", token: TOKEN_A, root: "x", maxGigabytes: -1 }]),
      /maxGigabytes must be a positive number/,
    );
    assert.throws(
      bad([{ name: "x", token: TOKEN_A, root: "x", maxMegabytesPerSecond: "fast" }]),
      /maxMegabytesPerSecond must be a positive number/,
    );
  });
});
