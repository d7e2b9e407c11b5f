/**
 * A throwaway certificate authority for TLS tests (make-test-certificates.sh, with openssl): a CA,
 * a server certificate for 127.0.0.1 and a client certificate, all signed by the CA, as PEM buffers.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { tempDir } from "./temp-dir.ts";

export interface TestCertificates {
  readonly ca: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** The folder holding them as ca.pem, server.pem, server.key, client.pem, client.key. */
  readonly dir: string;
}

export function makeTestCertificates(): TestCertificates {
  const dir = tempDir("h5saver-certs-");
  execFileSync("bash", [path.join(import.meta.dirname, "make-test-certificates.sh"), dir], { stdio: "pipe" });
  const read = (name: string) => readFileSync(path.join(dir, name));
  return {
    ca: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server.key"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
    dir,
  };
}
