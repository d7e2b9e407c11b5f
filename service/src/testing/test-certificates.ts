/**
 * A throwaway certificate authority for TLS tests, made with the openssl command: a CA, a server
 * certificate for 127.0.0.1 and a client certificate, all signed by the CA, as PEM buffers.
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
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) =>
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
  key("ca.key");
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-subj",
    "/CN=h5saver test CA",
    "-days",
    "2",
    "-out",
    "ca.pem",
  );
  const signed = (name: string, subject: string, extensions: string) => {
    key(`${name}.key`);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    execFileSync("bash", ["-c", `printf '%s\\n' "$1" > "$2"`, "_", extensions, ext]);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      ext,
      "-out",
      `${name}.pem`,
    );
  };
  signed("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
  signed("client", "/CN=h5saver test client", "extendedKeyUsage=clientAuth");
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
