export * from './trading-state';
export * from './input';
export * from './state';
export * from './transitions';
