/** The Xen trace fixtures (to be written). */
import type { TraceFixture } from './fixture-kit.js';

export const xenTraceFixtures: readonly TraceFixture[] = [];
