/** Which operator action a return's status offers on the returns page (components/return-forms.tsx); the API still answers 409 when the return moved on. */
export type ReturnAction = 'authorize' | 'receive' | 'close';

export function returnActionFor(status: string): ReturnAction | undefined {
  if (status === 'REQUESTED') return 'authorize';
  if (status === 'AUTHORIZED' || status === 'IN_TRANSIT') return 'receive';
  if (status === 'REFUND_REQUESTED') return 'close';
  return undefined;
}
