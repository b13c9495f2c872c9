export * from './instrument';
export * from './candles';
export * from './snapshot';
export * from './venue';
