/** apiRoutesFromTemplate: full paths from the API Gateway resource chain (pure; the OpenAPI test relies on it). */
import { describe, expect, it } from 'vitest';
import { apiRoutesFromTemplate } from '../../lib/api-routes';

const root = (api: string) => ({ 'Fn::GetAtt': [api, 'RootResourceId'] });
const resource = (api: string, parent: unknown, pathPart: string) => ({ Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: api }, ParentId: parent, PathPart: pathPart } });
const method = (api: string, resourceId: unknown, httpMethod: string, apiKeyRequired?: boolean) => ({
  Type: 'AWS::ApiGateway::Method',
  Properties: { RestApiId: { Ref: api }, ResourceId: resourceId, HttpMethod: httpMethod, ...(apiKeyRequired === undefined ? {} : { ApiKeyRequired: apiKeyRequired }) },
});

describe('apiRoutesFromTemplate', () => {
  it('builds each method\'s path from its resource chain, per API, sorted', () => {
    const template = {
      Resources: {
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
        Ops: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
        Orders: resource('Api', root('Api'), 'orders'),
        Order: resource('Api', { Ref: 'Orders' }, '{orderId}'),
        Payment: resource('Api', { Ref: 'Order' }, 'payment'),
        OpsRoot: resource('Ops', root('Ops'), 'ops'),
        Exceptions: resource('Ops', { Ref: 'OpsRoot' }, 'exceptions'),
        M1: method('Api', { Ref: 'Payment' }, 'POST', true),
        M2: method('Api', { Ref: 'Orders' }, 'post', true),
        M3: method('Api', { Ref: 'Order' }, 'GET'),
        M4: method('Ops', { Ref: 'Exceptions' }, 'GET', true),
        M5: method('Api', root('Api'), 'ANY'),
        Other: { Type: 'AWS::Lambda::Function', Properties: {} },
      },
    };
    expect(apiRoutesFromTemplate(template)).toEqual([
      { restApi: 'Api', method: 'ANY', path: '/', apiKeyRequired: false, authorizationType: 'NONE' },
      { restApi: 'Api', method: 'POST', path: '/orders', apiKeyRequired: true, authorizationType: 'NONE' },
      { restApi: 'Api', method: 'GET', path: '/orders/{orderId}', apiKeyRequired: false, authorizationType: 'NONE' },
      { restApi: 'Api', method: 'POST', path: '/orders/{orderId}/payment', apiKeyRequired: true, authorizationType: 'NONE' },
      { restApi: 'Ops', method: 'GET', path: '/ops/exceptions', apiKeyRequired: true, authorizationType: 'NONE' },
    ]);
  });

  it.each([
    ['a parent that is not a resource', { Resources: { X: resource('Api', { Ref: 'Missing' }, 'x'), M: method('Api', { Ref: 'X' }, 'GET') } }],
    ['a resource loop', { Resources: { A: resource('Api', { Ref: 'B' }, 'a'), B: resource('Api', { Ref: 'A' }, 'b'), M: method('Api', { Ref: 'A' }, 'GET') } }],
    ['a method without RestApiId', { Resources: { M: { Type: 'AWS::ApiGateway::Method', Properties: { ResourceId: root('Api'), HttpMethod: 'GET' } } } }],
  ])('refuses %s instead of guessing a path', (_name, template) => {
    expect(() => apiRoutesFromTemplate(template)).toThrow();
  });

  it('a template without API returns no routes', () => {
    expect(apiRoutesFromTemplate({ Resources: {} })).toEqual([]);
    expect(apiRoutesFromTemplate({})).toEqual([]);
  });
});
