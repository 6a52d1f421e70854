export * from '../../kernel/schemas';
export * from './order';
export * from './shopify';
export * from './cancellation';
