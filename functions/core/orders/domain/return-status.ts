export const RETURN_STATUSES = ['REQUESTED', 'AUTHORIZED', 'RECEIVED', 'REFUNDED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
