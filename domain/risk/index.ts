export * from './config';
export * from './verdict';
export * from './engine';
export * from './evaluation';
