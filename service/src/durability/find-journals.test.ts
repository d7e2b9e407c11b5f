import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../testing/temp-dir.ts";
import { findJournals } from "./find-journals.ts";

describe("findJournals()", () => {
  it("finds files with a journal or a recovery to finish, once each, not in hidden folders", async () => {
    const root = tempDir("h5saver-find-journals-");
    mkdirSync(path.join(root, "runs"));
    mkdirSync(path.join(root, ".a.h5.h5saver-recovering"));
    for (const name of [
      "a.h5.h5saver-journal",
      "runs/b.h5.h5saver-spent-journal",
      // a journal and a spent one (never both in practice): one entry
      "runs/c.h5.h5saver-journal",
      "runs/c.h5.h5saver-spent-journal",
      "runs/d.h5",
      "runs/d.h5.h5saver-base",
      ".a.h5.h5saver-recovering/a.h5.h5saver-journal",
    ]) {
      writeFileSync(path.join(root, name), "");
    }
    assert.deepEqual(await findJournals(root), [
      path.join(root, "a.h5"),
      path.join(root, "runs/b.h5"),
      path.join(root, "runs/c.h5"),
    ]);
  });
});
