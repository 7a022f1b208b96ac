import { MemoryStore } from '../../src/store/memory-store.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('MemoryStore', () => ({
  create: async (now) => new MemoryStore(now),
}));
