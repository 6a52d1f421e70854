/** Values every feature shares. Money is always an integer amount of the currency's minor unit (cents), never a float. */
export interface Money {
  /** Integer amount in the currency's minor unit. */
  readonly amountMinor: number;
  readonly currency: string;
}

export interface Address {
  readonly name: string;
  readonly company?: string | undefined;
  readonly line1: string;
  readonly line2?: string | undefined;
  readonly city: string;
  /** State / province / county code or name, required in some countries. */
  readonly region?: string | undefined;
  readonly postcode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly phone?: string | undefined;
}
