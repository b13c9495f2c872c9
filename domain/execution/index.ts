export * from './engine';
export * from './steps';
export * from './live';
export * from './advanced';
export * from './sizing';
export * from './impact';
export * from './selection';
