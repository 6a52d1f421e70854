/**
 * The storefront corpus sends cancellations only for orders the pipeline does not have (the cancellation
 * flow is a stub until the `cancel` branch lands): the order id, when a number, is always the case's
 * fresh one, while every other mutation of the id field (a string, null, dropped) goes through.
 */
import { describe, expect, it } from 'vitest';
import { firstIdOf, freshId } from '../../../test/integration/corpus/storefront-entry-points';

describe('freshId / firstIdOf', () => {
  const fresh = freshId('id');
  it.each<[string, string, string]>([
    ['the placeholder', '{"id":4343434343434,"line_items":[{"id":1}]}', '{"id":777,"line_items":[{"id":1}]}'],
    ['a mutated number', '{"id":1,"x":2}', '{"id":777,"x":2}'],
    ['a huge or fractional number', '{"id":1e+21}', '{"id":777}'],
    ['a negative number', '{"id":-1}', '{"id":777}'],
    ['digits as a string (Shopify ids may be)', '{"id":"42"}', '{"id":777}'],
  ])('%s becomes the fresh id', (_label, body, expected) => {
    expect(fresh(body, '777')).toBe(expected);
  });

  it.each<[string, string]>([
    ['a non-numeric string', '{"id":"abc"}'],
    ['null', '{"id":null}'],
    ['an object', '{"id":{"a":1}}'],
  ])('%s is left as mutated', (_label, body) => {
    expect(fresh(body, '777')).toBe(body);
  });

  it('only the first id is replaced (line ids keep their value); order_id has its own key', () => {
    expect(fresh('{"line_items":[{"id":5}],"id":6}', '9')).toBe('{"line_items":[{"id":9}],"id":6}');
    expect(freshId('order_id')('{"id":1,"order_id":2}', '9')).toBe('{"id":1,"order_id":9}');
  });

  it('reads the first id of a body, number or digits', () => {
    expect(firstIdOf('{"id":123,"x":{"id":4}}')).toBe('123');
    expect(firstIdOf('{"order_id":"55"}', 'order_id')).toBe('55');
    expect(firstIdOf('{"id":"abc"}')).toBeUndefined();
    expect(firstIdOf(undefined)).toBeUndefined();
  });
});
