/**
 * Native ES modules, no transform: run jest with `node --experimental-vm-modules node_modules/jest/bin/jest.js`
 * (jest's ESM support is still behind that flag).
 */
export default {
  testEnvironment: 'node',
  transform: {},
  testMatch: ['<rootDir>/*.test.js'],
};
