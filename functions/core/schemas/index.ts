export * from './common';
export * from './order';
export * from './shopify';
