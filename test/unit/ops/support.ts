/** Ops API events as API Gateway hands them over after IAM authorization (requestContext.identity.userArn). */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export const OPERATOR_ARN = 'arn:aws:sts::123456789012:assumed-role/Operator/jane';

/** The event with this IAM caller (null: no IAM identity, as with an API key or an unauthenticated call). */
export function asOperator(event: APIGatewayProxyEvent, userArn: string | null = OPERATOR_ARN): APIGatewayProxyEvent {
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      identity: {
        ...event.requestContext.identity,
        apiKeyId: null,
        userArn,
        caller: userArn === null ? null : 'AROAEXAMPLE:jane',
        accessKey: userArn === null ? null : 'ASIAEXAMPLE',
      },
    },
  };
}
