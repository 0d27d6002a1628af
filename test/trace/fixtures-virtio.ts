/** The virtio trace fixtures (to be written). */
import type { TraceFixture } from './fixture-kit.js';

export const virtioTraceFixtures: readonly TraceFixture[] = [];
