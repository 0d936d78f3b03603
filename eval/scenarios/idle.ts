// Nothing started: the real system alone for --idle-s (default 600 s). Any
// medium-or-worse signal is a false alarm, any decision a wrong one.
import type { Scenario } from '../scenario.js';

export const idle: Scenario = {
  name: 'idle',
  title: 'idle host: nothing started',
  expect: 'nothing',
  detects: [],
  idle: true,
};
