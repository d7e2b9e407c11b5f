#!/usr/bin/env node
// The `h5saver` command: registers tsx, then runs the TypeScript entry point.
import("tsx/esm/api")
  .then((tsx) => {
    tsx.register();
    return import("../src/cli/h5saver.ts");
  })
  .catch((error) => {
    console.error(`h5saver: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
