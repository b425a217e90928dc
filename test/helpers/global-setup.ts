// `npm test`'s global setup (node --test --test-global-setup): runs once, in the runner's own
// process, before any test file starts. The test files run in parallel, each in its own process,
// so anything they would otherwise race on is done here first.
import { buildUi } from '../../ui/build.ts';

export async function globalSetup(): Promise<void> {
  // ui/dist is shared by every test process: the browser tests and test/ui/serving.test.ts each
  // call buildUi(), which rebuilds when ui/ is newer than the build. Two files doing that at once
  // would write the same folder together; built here first, they all find it fresh.
  await buildUi({ quiet: true });
}
