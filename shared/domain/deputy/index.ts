export * from './resources.js';
export * from './managed-scope.js';
export * from './decision.js';
