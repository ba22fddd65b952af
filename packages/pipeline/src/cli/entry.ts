/** Runs the CLI from source (`tsx`), as `bin/dmdet.mjs` does when the package is not built. */
import { run } from './main';

process.exitCode = await run(process.argv.slice(2));
