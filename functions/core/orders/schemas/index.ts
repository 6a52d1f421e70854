export * from '../../kernel/schemas';
export * from './order';
export * from './shopify';
