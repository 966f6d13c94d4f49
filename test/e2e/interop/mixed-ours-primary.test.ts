// Issue 5, "the same tests with one node replaced by real Heartbeat 3.0.6":
// heartbeat-ts is the primary (home of the group), the REAL daemon the
// backup. The scenarios live in test/helpers/mixed-suite.ts.
import { defineMixedSuite } from '../../helpers/mixed-suite.js';

defineMixedSuite('ours');
