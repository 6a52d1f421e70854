/**
 * AWS list prices used by the cost model (bench/cost.ts): us-east-1, on-demand, no free tier, no volume
 * discounts (the first pricing tier of each service). Taken from the AWS pricing pages named on each
 * constant, as published in 2025 (DynamoDB after its November 2024 on-demand price reduction; Lambda with
 * INIT billing from August 2025). This machine is offline: they were not re-checked on the date the
 * benchmark ran. Re-check them before quoting a figure; the model multiplies counted usage by these.
 */
export const PRICES_AS_OF = '2025 (AWS pricing pages, us-east-1; not re-verified offline)';
export const PRICE_REGION = 'us-east-1';

export interface Price {
  readonly usd: number;
  /** What one `usd` buys. */
  readonly per: string;
  readonly source: string;
}

/** https://aws.amazon.com/lambda/pricing/ : requests, $0.20 per 1M. */
export const LAMBDA_REQUEST: Price = { usd: 0.2 / 1e6, per: 'invocation', source: 'https://aws.amazon.com/lambda/pricing/' };
/** https://aws.amazon.com/lambda/pricing/ : Arm (Graviton2) duration, $0.0000133334 per GB-second (first 7.5B GB-s/month). */
export const LAMBDA_ARM_GB_SECOND: Price = { usd: 0.0000133334, per: 'GB-second (arm64)', source: 'https://aws.amazon.com/lambda/pricing/' };
/** https://aws.amazon.com/lambda/pricing/ : x86 duration, $0.0000166667 per GB-second (for comparison only). */
export const LAMBDA_X86_GB_SECOND: Price = { usd: 0.0000166667, per: 'GB-second (x86_64)', source: 'https://aws.amazon.com/lambda/pricing/' };

/** https://aws.amazon.com/step-functions/pricing/ : Standard workflows, $0.025 per 1,000 state transitions (retries included). */
export const SFN_STANDARD_TRANSITION: Price = { usd: 0.025 / 1000, per: 'state transition', source: 'https://aws.amazon.com/step-functions/pricing/' };
/** https://aws.amazon.com/step-functions/pricing/ : Express workflows, $1.00 per 1M requests (what-if only). */
export const SFN_EXPRESS_REQUEST: Price = { usd: 1.0 / 1e6, per: 'Express execution', source: 'https://aws.amazon.com/step-functions/pricing/' };
/** https://aws.amazon.com/step-functions/pricing/ : Express duration, $0.00001667 per GB-second (64 MB chunks, 100 ms rounding; what-if only). */
export const SFN_EXPRESS_GB_SECOND: Price = { usd: 0.00001667, per: 'GB-second (Express)', source: 'https://aws.amazon.com/step-functions/pricing/' };

/** https://aws.amazon.com/dynamodb/pricing/on-demand/ : $0.625 per 1M write request units (1 KB; x2 in transactions). */
export const DYNAMODB_WRITE_REQUEST_UNIT: Price = { usd: 0.625 / 1e6, per: 'write request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' };
/** https://aws.amazon.com/dynamodb/pricing/on-demand/ : $0.125 per 1M read request units (4 KB strong; 0.5 eventual; x2 in transactions). */
export const DYNAMODB_READ_REQUEST_UNIT: Price = { usd: 0.125 / 1e6, per: 'read request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' };
// DynamoDB Streams GetRecords made by a Lambda event source mapping are free (same page).

/** https://aws.amazon.com/sqs/pricing/ : standard queues, $0.40 per 1M requests (each 64 KB chunk is a request). */
export const SQS_REQUEST: Price = { usd: 0.4 / 1e6, per: 'request', source: 'https://aws.amazon.com/sqs/pricing/' };

/** https://aws.amazon.com/eventbridge/pricing/ : custom events, $1.00 per 1M entries (64 KB chunks); rule deliveries to AWS targets free. */
export const EVENTBRIDGE_CUSTOM_EVENT: Price = { usd: 1.0 / 1e6, per: 'PutEvents entry', source: 'https://aws.amazon.com/eventbridge/pricing/' };

/** https://aws.amazon.com/api-gateway/pricing/ : REST APIs, $3.50 per 1M requests (first 333M/month). */
export const API_GATEWAY_REST_REQUEST: Price = { usd: 3.5 / 1e6, per: 'REST request', source: 'https://aws.amazon.com/api-gateway/pricing/' };

/** https://aws.amazon.com/secrets-manager/pricing/ : $0.05 per 10,000 API calls (plus $0.40 per secret-month, fixed). */
export const SECRETS_MANAGER_API_CALL: Price = { usd: 0.05 / 10_000, per: 'API call', source: 'https://aws.amazon.com/secrets-manager/pricing/' };

/** https://aws.amazon.com/cloudwatch/pricing/ : Logs ingestion (standard class), $0.50 per GB. Not in the goal list: reported apart. */
export const CLOUDWATCH_LOGS_INGESTED_GB: Price = { usd: 0.5, per: 'GB ingested', source: 'https://aws.amazon.com/cloudwatch/pricing/' };
/** https://aws.amazon.com/xray/pricing/ : $5.00 per 1M traces recorded. Not in the goal list: reported apart. */
export const XRAY_TRACE_RECORDED: Price = { usd: 5.0 / 1e6, per: 'trace recorded', source: 'https://aws.amazon.com/xray/pricing/' };
/** X-Ray default sampling rule: 1 request/s reservoir + 5 % of the rest; at volume ~5 % of traces are recorded. */
export const XRAY_DEFAULT_SAMPLING_RATE = 0.05;
