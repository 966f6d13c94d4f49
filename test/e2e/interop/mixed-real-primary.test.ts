// Issue 5, "the same tests with one node replaced by real Heartbeat 3.0.6":
// the REAL daemon is the primary (home of the group), heartbeat-ts the
// backup. The scenarios live in test/helpers/mixed-suite.ts.
import { defineMixedSuite } from '../../helpers/mixed-suite.js';

defineMixedSuite('real');
