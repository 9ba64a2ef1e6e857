import { journeyInvariants } from '../src/invariants/index.js';

// The standard projections and the JSON report, checked with generated journeys.
// More runs: OMNITRAIL_FC_RUNS=200; reproduce a failure: OMNITRAIL_SEED=… OMNITRAIL_FC_PATH=….
journeyInvariants();
