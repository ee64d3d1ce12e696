import { peerPromises } from './harness.js';

describe('pg-boss peer (bench/peers/pg-boss)', function () {
  this.timeout(60_000);
  peerPromises('pg-boss');
});
