import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createRedis, isClusterUrl, parseClusterUrl } from '../../src/infra/redis-connection.js';

describe('Redis connection settings', () => {
  it('REDIS_CLUSTER_NODES makes a redis+cluster URL and a hash-tagged queue prefix', () => {
    const c = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7001, 10.0.0.2:7002', REDIS_URL: 'redis://ignored:6379' });
    assert.equal(c.redisUrl, 'redis+cluster://10.0.0.1:7001,10.0.0.2:7002');
    assert.equal(c.queueBackend, 'redis');
    assert.equal(c.queuePrefix, '{bureau}');
    assert.equal(loadConfig({ REDIS_URL: 'redis+cluster://h:1', QUEUE_PREFIX: '{eu}-bureau' }).queuePrefix, '{eu}-bureau', 'a prefix with its own tag is kept');
    assert.equal(loadConfig({ REDIS_URL: 'redis://h:1', QUEUE_PREFIX: 'plain' }).queuePrefix, 'plain', 'no tag added on a single Redis');
  });

  it('parses seed nodes and credentials, and refuses a node without a port number', () => {
    assert.deepEqual(parseClusterUrl('redis+cluster://u:p%40ss@a:7001,b:7002'), { nodes: [{ host: 'a', port: 7001 }, { host: 'b', port: 7002 }], username: 'u', password: 'p@ss' });
    assert.deepEqual(parseClusterUrl('redis+cluster://a'), { nodes: [{ host: 'a', port: 6379 }] });
    assert.throws(() => parseClusterUrl('redis+cluster://a:x'), /host:port/);
    assert.throws(() => parseClusterUrl('redis+cluster://'), /at least one/);
    assert.ok(isClusterUrl('redis+cluster://a:1') && !isClusterUrl('redis://a:1'));
  });

  it('gives a Cluster for a cluster URL and a Redis otherwise', () => {
    const cluster = createRedis('redis+cluster://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null });
    const single = createRedis('redis://127.0.0.1:1', { lazyConnect: true });
    try {
      assert.ok(cluster instanceof Cluster);
      assert.equal((cluster as Cluster).options.redisOptions?.maxRetriesPerRequest, null, 'node options reach every node (BullMQ checks them)');
      assert.ok(single instanceof Redis);
    } finally {
      cluster.disconnect();
      single.disconnect();
    }
  });
});
