import { peerPromises } from './harness.js';

describe('graphile-worker peer (bench/peers/graphile-worker)', function () {
  this.timeout(60_000);
  peerPromises('graphile-worker');
});
