/**
 * Explainable fraud screen. Every rule reports whether it fired, the points it added and a sentence
 * an operator can read; the decision is a pure function of the input and one config object.
 *
 * Decision (see docs/domain-rules.md):
 * 1. payment status not in `acceptedPaymentStatuses` (default paid/authorized) → HOLD_PAYMENT
 *    (hold reason AWAITING_PAYMENT). This is a gate, not a risk signal: it adds no points.
 * 2. otherwise score = Σ weights of triggered risk rules (capped at 100);
 *    score ≥ reviewThreshold → HOLD_REVIEW (hold reason HIGH_RISK_OF_FRAUD), else ACCEPT.
 *
 * No PII leaves this module in explanations: they name countries, amounts and counts, never the
 * email address or the street.
 */
import { createHash } from 'node:crypto';
import { disposableDomainSet } from './disposable-domains';
import { moneyText } from '../../kernel/money';
import type { Address } from '../../kernel/values';
import type { Channel } from './channel';
import type { HoldReason, Order, PaymentStatus } from './order';

export const FRAUD_RULES = [
  'PAYMENT_NOT_CAPTURED',
  'BILLING_SHIPPING_COUNTRY_MISMATCH',
  'HIGH_ORDER_VALUE',
  'ADDRESS_VELOCITY',
  'DISPOSABLE_EMAIL',
] as const;
export type FraudRule = (typeof FRAUD_RULES)[number];
export type RiskRule = Exclude<FraudRule, 'PAYMENT_NOT_CAPTURED'>;

export type FraudDecision = 'ACCEPT' | 'HOLD_REVIEW' | 'HOLD_PAYMENT';

export interface FraudConfig {
  /** Score at or above which an order is held for operator review. */
  readonly reviewThreshold: number;
  /** Payment statuses that let an order proceed. */
  readonly acceptedPaymentStatuses: readonly PaymentStatus[];
  /** HIGH_ORDER_VALUE fires when the order total is strictly above this multiple of the channel's typical value. */
  readonly highValueMultiple: number;
  /** Window the caller counts recent orders to the same address over (see addressVelocityWindowStart). */
  readonly addressVelocityWindowHours: number;
  /** ADDRESS_VELOCITY fires when at least this many OTHER orders went to the same address in the window. */
  readonly addressVelocityMaxOrders: number;
  /** Points each risk rule adds when it fires. */
  readonly weights: Readonly<Record<RiskRule, number>>;
  /** Domains treated as disposable in addition to the package's list (lower case). */
  readonly extraDisposableDomains: readonly string[];
  /** Domains never treated as disposable (overrides the list), e.g. a business partner's domain. */
  readonly allowedEmailDomains: readonly string[];
  /** How long an AWAITING_PAYMENT hold lasts before the order is cancelled. */
  readonly paymentHoldHours: number;
  /** How long a HIGH_RISK_OF_FRAUD hold waits for an operator before the order is cancelled and refunded. */
  readonly reviewHoldHours: number;
}

export const DEFAULT_FRAUD_CONFIG: FraudConfig = {
  reviewThreshold: 50,
  acceptedPaymentStatuses: ['paid', 'authorized'],
  highValueMultiple: 5,
  addressVelocityWindowHours: 24,
  addressVelocityMaxOrders: 3,
  weights: {
    BILLING_SHIPPING_COUNTRY_MISMATCH: 30,
    HIGH_ORDER_VALUE: 30,
    ADDRESS_VELOCITY: 50,
    DISPOSABLE_EMAIL: 30,
  },
  extraDisposableDomains: [],
  allowedEmailDomains: [],
  paymentHoldHours: 72,
  reviewHoldHours: 48,
};

/** Merge a partial config (e.g. from stage config) over the defaults. */
export function fraudConfig(overrides: Partial<Omit<FraudConfig, 'weights'>> & { weights?: Partial<Record<RiskRule, number>> } = {}): FraudConfig {
  return {
    ...DEFAULT_FRAUD_CONFIG,
    ...overrides,
    weights: { ...DEFAULT_FRAUD_CONFIG.weights, ...overrides.weights },
  };
}

export interface FraudScreenInput {
  /** Order total in minor units. */
  readonly totalMinor: number;
  readonly currency: string;
  readonly channel: Pick<Channel, 'typicalOrderValueMinor' | 'currency'>;
  readonly paymentStatus: PaymentStatus;
  readonly email: string;
  /** ISO alpha-2. */
  readonly shippingCountry: string;
  /** ISO alpha-2; absent = no billing address given (rule not evaluated). */
  readonly billingCountry?: string | undefined;
  /** Number of OTHER orders to the same address (same addressFingerprint) inside the window. */
  readonly recentOrdersToAddress: number;
  /** Screening time (ISO); when given, a hold comes with `holdExpiresAt`. */
  readonly now?: string | undefined;
}

export interface FraudRuleResult {
  readonly rule: FraudRule;
  readonly triggered: boolean;
  /** Points added to the score (0 when not triggered, and always 0 for PAYMENT_NOT_CAPTURED). */
  readonly points: number;
  /** Human explanation, free of PII. */
  readonly explanation: string;
  readonly evidence?: Readonly<Record<string, string | number | boolean>> | undefined;
}

export interface FraudScreenResult {
  readonly score: number;
  readonly decision: FraudDecision;
  /** Hold reason to set on the order when decision is not ACCEPT. */
  readonly holdReason?: HoldReason | undefined;
  /** When the hold times out (now + paymentHoldHours / reviewHoldHours), if `now` was given. */
  readonly holdExpiresAt?: string | undefined;
  /** Triggered rules only, in evaluation order. */
  readonly triggered: readonly FraudRuleResult[];
  /** Every rule evaluated, triggered or not. */
  readonly rules: readonly FraudRuleResult[];
}

/** Domain part of an email address, lower case, without a trailing dot; undefined if there is none. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return domain === '' ? undefined : domain;
}

/**
 * Whether an email domain is disposable: the domain or any parent domain (down to two labels) is on
 * the `disposable-email-domains-js` list (the disposable-email-domains project's blocklist) or in
 * `extraDisposableDomains`, and not in `allowedEmailDomains`.
 */
export function isDisposableDomain(domain: string, config: FraudConfig = DEFAULT_FRAUD_CONFIG): boolean {
  const normalized = domain.trim().toLowerCase().replace(/\.$/, '');
  const allowed = new Set(config.allowedEmailDomains.map((d) => d.toLowerCase()));
  const extra = new Set(config.extraDisposableDomains.map((d) => d.toLowerCase()));
  const labels = normalized.split('.');
  for (let i = 0; i <= labels.length - 2; i += 1) {
    const candidate = labels.slice(i).join('.');
    if (allowed.has(candidate)) return false;
    if (extra.has(candidate) || disposableDomainSet().has(candidate)) return true;
  }
  return false;
}

const STREET_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bSTREET\b/g, 'ST'],
  [/\bAVENUE\b/g, 'AVE'],
  [/\bROAD\b/g, 'RD'],
  [/\bBOULEVARD\b/g, 'BLVD'],
  [/\bDRIVE\b/g, 'DR'],
  [/\bLANE\b/g, 'LN'],
  [/\bAPARTMENT\b/g, 'APT'],
  [/\bSUITE\b/g, 'STE'],
  [/\bNUMBER\b/g, 'NO'],
];

/**
 * Normalized form of a shipping address for "same address" matching: country, postcode without
 * spaces, and street lines upper-cased, accents stripped, punctuation removed, common street words
 * abbreviated. Name, company, city and phone are ignored (the same door under different names is
 * the same address).
 */
export function addressMatchKey(address: Pick<Address, 'line1' | 'line2' | 'postcode' | 'country'>): string {
  const clean = (s: string): string => {
    let out = s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, ' ')
      .trim();
    for (const [pattern, short] of STREET_WORDS) out = out.replace(pattern, short);
    return out.replace(/\s+/g, ' ');
  };
  const street = clean(`${address.line1} ${address.line2 ?? ''}`);
  const postcode = address.postcode.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return `${address.country.toUpperCase()}|${postcode}|${street}`;
}

/** SHA-256 of the normalized address: an index key that carries no readable PII. */
export function addressFingerprint(address: Pick<Address, 'line1' | 'line2' | 'postcode' | 'country'>): string {
  return createHash('sha256').update(addressMatchKey(address)).digest('hex');
}

/** Start of the window over which the caller counts recent orders to the same address. */
export function addressVelocityWindowStart(now: string, config: FraudConfig = DEFAULT_FRAUD_CONFIG): string {
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new RangeError(`now is not an ISO timestamp: ${JSON.stringify(now)}`);
  return new Date(ms - config.addressVelocityWindowHours * 3_600_000).toISOString();
}

function formatMinor(amountMinor: number, currency: string): string {
  return moneyText(amountMinor, currency.toUpperCase());
}

function notTriggered(rule: FraudRule, explanation: string, evidence?: FraudRuleResult['evidence']): FraudRuleResult {
  return { rule, triggered: false, points: 0, explanation, evidence };
}

function fired(rule: RiskRule, config: FraudConfig, explanation: string, evidence: FraudRuleResult['evidence']): FraudRuleResult {
  return { rule, triggered: true, points: config.weights[rule], explanation, evidence };
}

function paymentRule(input: FraudScreenInput, config: FraudConfig): FraudRuleResult {
  if (config.acceptedPaymentStatuses.includes(input.paymentStatus)) {
    return notTriggered('PAYMENT_NOT_CAPTURED', `Payment is ${input.paymentStatus}.`, { paymentStatus: input.paymentStatus });
  }
  return {
    rule: 'PAYMENT_NOT_CAPTURED',
    triggered: true,
    points: 0,
    explanation: `Payment is ${input.paymentStatus}, not ${config.acceptedPaymentStatuses.join(' or ')}: the order waits for payment.`,
    evidence: { paymentStatus: input.paymentStatus },
  };
}

function countryRule(input: FraudScreenInput, config: FraudConfig): FraudRuleResult {
  const rule = 'BILLING_SHIPPING_COUNTRY_MISMATCH';
  if (input.billingCountry === undefined || input.billingCountry.trim() === '') {
    return notTriggered(rule, 'No billing address given; rule not evaluated.');
  }
  const billing = input.billingCountry.trim().toUpperCase();
  const shipping = input.shippingCountry.trim().toUpperCase();
  if (billing === shipping) {
    return notTriggered(rule, `Billing and shipping country are both ${shipping}.`, { billingCountry: billing, shippingCountry: shipping });
  }
  return fired(rule, config, `Billing country ${billing} differs from shipping country ${shipping}.`, {
    billingCountry: billing,
    shippingCountry: shipping,
  });
}

function valueRule(input: FraudScreenInput, config: FraudConfig): FraudRuleResult {
  const rule = 'HIGH_ORDER_VALUE';
  const typical = input.channel.typicalOrderValueMinor;
  if (!(typical > 0)) {
    return notTriggered(rule, 'The channel has no typical order value; rule not evaluated.');
  }
  if (input.channel.currency.toUpperCase() !== input.currency.toUpperCase()) {
    return notTriggered(rule, `Order currency ${input.currency} differs from the channel currency ${input.channel.currency}; rule not evaluated.`);
  }
  const limit = typical * config.highValueMultiple;
  const ratio = Math.round((input.totalMinor / typical) * 100) / 100;
  const evidence = { totalMinor: input.totalMinor, typicalOrderValueMinor: typical, ratio, multiple: config.highValueMultiple };
  if (input.totalMinor > limit) {
    return fired(
      rule,
      config,
      `Order total ${formatMinor(input.totalMinor, input.currency)} is ${ratio}× the channel's typical ${formatMinor(typical, input.currency)} (limit ${config.highValueMultiple}×).`,
      evidence,
    );
  }
  return notTriggered(rule, `Order total is ${ratio}× the channel's typical value (limit ${config.highValueMultiple}×).`, evidence);
}

function velocityRule(input: FraudScreenInput, config: FraudConfig): FraudRuleResult {
  const rule = 'ADDRESS_VELOCITY';
  const count = Math.max(0, Math.trunc(input.recentOrdersToAddress));
  const evidence = { recentOrders: count, windowHours: config.addressVelocityWindowHours, maxOrders: config.addressVelocityMaxOrders };
  if (count >= config.addressVelocityMaxOrders) {
    return fired(
      rule,
      config,
      `${count} other orders were shipped to the same address in the last ${config.addressVelocityWindowHours} h (limit ${config.addressVelocityMaxOrders}).`,
      evidence,
    );
  }
  return notTriggered(rule, `${count} other orders to the same address in the last ${config.addressVelocityWindowHours} h.`, evidence);
}

function emailRule(input: FraudScreenInput, config: FraudConfig): FraudRuleResult {
  const rule = 'DISPOSABLE_EMAIL';
  const domain = emailDomain(input.email);
  if (domain === undefined) {
    return notTriggered(rule, 'The email address has no domain; rule not evaluated.');
  }
  // The domain of a throwaway mailbox is not personal data; the local part is never reported.
  if (isDisposableDomain(domain, config)) {
    return fired(rule, config, `The email domain ${domain} is a disposable (throwaway) mailbox provider.`, { domain });
  }
  return notTriggered(rule, 'The email domain is not a known disposable provider.');
}

/** Screen an order. Deterministic; thresholds and weights come from `config`. */
export function screenOrder(input: FraudScreenInput, config: FraudConfig = DEFAULT_FRAUD_CONFIG): FraudScreenResult {
  const payment = paymentRule(input, config);
  const risk = [countryRule(input, config), valueRule(input, config), velocityRule(input, config), emailRule(input, config)];
  const rules = [payment, ...risk];
  const score = Math.min(
    100,
    risk.reduce((sum, r) => sum + r.points, 0),
  );
  const triggered = rules.filter((r) => r.triggered);
  const expires = (hours: number): string | undefined => {
    if (input.now === undefined) return undefined;
    const ms = Date.parse(input.now);
    if (Number.isNaN(ms)) throw new RangeError(`now is not an ISO timestamp: ${JSON.stringify(input.now)}`);
    return new Date(ms + hours * 3_600_000).toISOString();
  };
  if (payment.triggered) {
    return { score, decision: 'HOLD_PAYMENT', holdReason: 'AWAITING_PAYMENT', holdExpiresAt: expires(config.paymentHoldHours), triggered, rules };
  }
  if (score >= config.reviewThreshold) {
    return { score, decision: 'HOLD_REVIEW', holdReason: 'HIGH_RISK_OF_FRAUD', holdExpiresAt: expires(config.reviewHoldHours), triggered, rules };
  }
  return { score, decision: 'ACCEPT', triggered, rules };
}

/** Build the screen input from a stored order and its channel. */
export function fraudInputFromOrder(
  order: Pick<Order, 'totals' | 'currency' | 'payment' | 'customer' | 'shippingAddress' | 'billingAddress'>,
  channel: Pick<Channel, 'typicalOrderValueMinor' | 'currency'>,
  recentOrdersToAddress: number,
  now?: string,
): FraudScreenInput {
  return {
    totalMinor: order.totals.totalMinor,
    currency: order.currency,
    channel,
    paymentStatus: order.payment.status,
    email: order.customer.email,
    shippingCountry: order.shippingAddress.country,
    billingCountry: order.billingAddress?.country,
    recentOrdersToAddress,
    now,
  };
}
