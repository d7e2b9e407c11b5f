/**
 * Who may call, and where they may write. Without tokens every caller has the whole data root.
 * With a tokens file, a call must carry `authorization: Bearer <token>`; each token has its own
 * folder under the data root (created when the server starts) and, optionally, its own limits:
 * open sessions, a data rate and a storage quota (token-limits.ts). Health checks and reflection
 * stay open (load balancers and grpcurl need them).
 *
 * The tokens file (JSON):
 *   {"tokens": [{"name": "lab-a", "token": "…", "root": "lab-a", "maxSessions": 8,
 *                "maxMegabytesPerSecond": 200, "maxGigabytes": 500},
 *               {"name": "lab-b", "sha256": "<hex of the token's SHA-256>", "root": "lab-b"}]}
 * `sha256` keeps the secret out of the file; `token` is the secret itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { SaverError } from "../errors.ts";
import { createDataRoot, type DataRoot } from "./data-root.ts";
import { TokenLimits } from "./token-limits.ts";

export interface Caller {
  /** The token's name ("" without tokens): what sessions and logs are attributed to. */
  readonly name: string;
  readonly dataRoot: DataRoot;
  /** Sessions this caller may have open at once; undefined: only the server's limit. */
  readonly maxSessions?: number;
  /** The token's data rate and storage quota, when its entry sets them. */
  readonly limits?: TokenLimits;
}

export interface Access {
  /** The caller of a call, from its metadata; UNAUTHENTICATED without a known token. */
  callerOf(metadata: grpc.Metadata): Caller;
  readonly tokens: number;
}

interface TokenEntry {
  readonly digest: Buffer;
  readonly caller: Caller;
}

/** Everyone is the one caller with the whole root. */
export function openAccess(root: DataRoot): Access {
  const everyone: Caller = { name: "", dataRoot: root };
  return { callerOf: () => everyone, tokens: 0 };
}

export function tokenAccess(root: DataRoot, tokensFile: string): Access {
  const entries = readTokens(root, tokensFile);
  return {
    tokens: entries.length,
    callerOf(metadata) {
      const header = metadata.get("authorization")[0];
      const text = typeof header === "string" ? header : header?.toString("utf8");
      const match = text === undefined ? null : /^Bearer\s+(\S+)$/i.exec(text);
      if (!match) {
        throw new SaverError(
          "unauthenticated",
          "this server needs a bearer token: send the metadata 'authorization: Bearer <token>'",
        );
      }
      const digest = sha256(match[1] as string);
      // compare with every entry, in constant time each, so timing says nothing about which matched
      let found: Caller | undefined;
      for (const entry of entries) if (timingSafeEqual(entry.digest, digest)) found ??= entry.caller;
      if (!found) throw new SaverError("unauthenticated", "the bearer token is not one this server knows");
      return found;
    },
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function readTokens(root: DataRoot, file: string): TokenEntry[] {
  const problem = (why: string) => new SaverError("invalid_data", `tokens file '${file}': ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw problem(error instanceof Error ? error.message : String(error));
  }
  const list = (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list) || list.length === 0) {
    throw problem('expected {"tokens": [{"name": …, "token" or "sha256": …, "root": …}, …]}');
  }
  const names = new Set<string>();
  return list.map((raw: unknown, i): TokenEntry => {
    const entry = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const {
      name,
      token,
      sha256: hex,
      root: folder,
      maxSessions,
      maxMegabytesPerSecond,
      maxGigabytes,
    } = entry;
    if (typeof name !== "string" || name === "" || names.has(name)) {
      throw problem(`tokens[${i}].name must be a non-empty string, unique`);
    }
    names.add(name);
    let digest: Buffer;
    if (typeof token === "string" && token.length >= 16 && hex === undefined) digest = sha256(token);
    else if (typeof hex === "string" && /^[0-9a-f]{64}$/i.test(hex) && token === undefined) {
      digest = Buffer.from(hex, "hex");
    } else {
      throw problem(`tokens[${i}] needs either "token" (at least 16 characters) or "sha256" (64 hex digits)`);
    }
    if (typeof folder !== "string" || folder === "") throw problem(`tokens[${i}].root must name a folder`);
    if (maxSessions !== undefined && !(Number.isSafeInteger(maxSessions) && (maxSessions as number) > 0)) {
      throw problem(`tokens[${i}].maxSessions must be a positive integer`);
    }
    for (const [key, value] of [
      ["maxMegabytesPerSecond", maxMegabytesPerSecond],
      ["maxGigabytes", maxGigabytes],
    ] as const) {
      if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
        throw problem(`tokens[${i}].${key} must be a positive number`);
      }
    }
    // the token's folder is a client path like any other: it cannot leave the data root
    const own = root.resolve(folder, { saveType: "detector" });
    mkdirSync(own.absolute, { recursive: true });
    const absolute = path.resolve(own.absolute);
    const limited = maxMegabytesPerSecond !== undefined || maxGigabytes !== undefined;
    return {
      digest,
      caller: {
        name,
        dataRoot: createDataRoot(absolute),
        ...(maxSessions !== undefined ? { maxSessions: maxSessions as number } : {}),
        ...(limited
          ? {
              limits: new TokenLimits(name, absolute, {
                ...(maxMegabytesPerSecond !== undefined
                  ? { megabytesPerSecond: maxMegabytesPerSecond as number }
                  : {}),
                ...(maxGigabytes !== undefined ? { gigabytes: maxGigabytes as number } : {}),
              }),
            }
          : {}),
      },
    };
  });
}
